"""Funds and their money: the funds on a date, a fund's budget position on a date with
a chart of the position over time, and that series on its own."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ledger.application import Ledger
from ledger.domain.errors import ValidationError
from ledger.web.chart import budget_chart
from ledger.web.pages import (
    answer,
    body_state,
    canonical,
    dates,
    day,
    moment,
    readers,
    text,
    today,
)
from ledger.web.routing import page_routes

EVERY = ("day", "week", "month", "quarter")


def step_for(first: date, last: date) -> str:
    """A step that gives a readable chart: monthly for four years, else quarterly."""
    months = (last.year - first.year) * 12 + last.month - first.month
    return "month" if months <= 48 else "quarter"


async def funds_page(request: Request) -> Response:
    """``ledger funds [BODY] --on D [--known-at K] --json``."""
    if (moved := canonical(request, on=today().isoformat())) is not None:
        return moved
    body, on, known_at = request.path_params.get("body"), day(request, "on"), moment(request)
    assert on is not None

    def ask(ledger: Ledger) -> tuple[Any, ...]:
        state = body_state(ledger, body, on) if body else None
        return state, ledger.funds(body, on, known_at=known_at)

    state, found = await readers(request).ask(ask)
    context = {"body": state, "funds": found, **dates(request)}
    return answer(request, "funds.html", found, context)


async def budget_page(request: Request) -> Response:
    """``ledger budget FUND --on D [--known-at K] [--year Y] --json``, with a chart of
    the position from the fund's creation to that date."""
    if (moved := canonical(request, on=today().isoformat())) is not None:
        return moved
    fund, on, known_at = request.path_params["fund"], day(request, "on"), moment(request)
    year = text(request, "year")
    assert on is not None

    def ask(ledger: Ledger) -> tuple[Any, ...]:
        report = ledger.budget(fund, on, known_at=known_at, year=year)
        created = date.fromisoformat(report.fund.created)
        first = min(created, on)
        series = ledger.budget_series(
            fund, first, on, every=step_for(first, on), known_at=known_at, year=year
        )
        return body_state(ledger, report.fund.body, on), report, series

    state, report, series = await readers(request).ask(ask)
    context = {
        "body": state,
        "report": report,
        "series": series,
        "chart": budget_chart(series),
        "year": year,
        **dates(request),
    }
    return answer(request, "budget.html", report, context)


async def series_page(request: Request) -> Response:
    """``ledger budget FUND --from D --to D [--every STEP] [--year Y] [--known-at K] --json``."""
    fund, known_at, year = request.path_params["fund"], moment(request), text(request, "year")
    every = text(request, "every") or "month"
    if every not in EVERY:
        raise ValidationError(f"every: '{every}' is not one of {', '.join(EVERY)}")
    first, last = day(request, "from"), day(request, "to")
    if first is None or last is None:
        raise ValidationError("from and to: give both dates (YYYY-MM-DD) of the series")

    def ask(ledger: Ledger) -> tuple[Any, ...]:
        series = ledger.budget_series(fund, first, last, every=every, known_at=known_at, year=year)
        return body_state(ledger, series.fund.body, last), series

    state, series = await readers(request).ask(ask)
    context = {
        "body": state,
        "series": series,
        "chart": budget_chart(series),
        "from": first,
        "to": last,
        "every": every,
        "year": year,
        **dates(request),
    }
    return answer(request, "series.html", series, context)


ROUTES = [
    *page_routes("/funds", funds_page),
    *page_routes("/funds/{fund}", budget_page),
    *page_routes("/funds/{fund}/series", series_page),
    *page_routes("/bodies/{body}/funds", funds_page),
]
