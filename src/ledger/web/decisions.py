"""Decisions (of one body, or all) with their validity, one decision and why it was or
was not validly made, and the forward plan of decisions pending on a date."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ledger.application import Ledger
from ledger.web.pages import (
    answer,
    body_state,
    canonical,
    dates,
    day,
    flag,
    moment,
    readers,
    today,
)
from ledger.web.routing import page_routes


async def decisions_page(request: Request) -> Response:
    """``ledger decisions [BODY] [--from D] [--to D] [--known-at K] [--invalid] --json``."""
    body = request.path_params.get("body")
    first, last, known_at = day(request, "from"), day(request, "to"), moment(request)
    invalid = flag(request, "invalid")

    def ask(ledger: Ledger) -> tuple[Any, ...]:
        state = body_state(ledger, body, last or today()) if body else None
        found = ledger.decisions(body, first, last, known_at=known_at, invalid_only=invalid)
        return state, found

    state, found = await readers(request).ask(ask)
    context = {"body": state, "decisions": found, "from": first, "to": last, "invalid": invalid}
    return answer(request, "decisions.html", found, {**context, **dates(request)})


async def decision_page(request: Request) -> Response:
    """``ledger decision MOTION [--known-at K] --json``."""
    motion, known_at = request.path_params["motion"], moment(request)

    def ask(ledger: Ledger) -> tuple[Any, ...]:
        report = ledger.decision(motion, known_at=known_at)
        return body_state(ledger, report.body, date.fromisoformat(report.date)), report

    state, report = await readers(request).ask(ask)
    context = {"body": state, "report": report, **dates(request)}
    return answer(request, "decision.html", report, context)


async def forward_plan_page(request: Request) -> Response:
    """``ledger decisions [BODY] --pending --on D [--known-at K] --json``."""
    if (moved := canonical(request, on=today().isoformat())) is not None:
        return moved
    body, on, known_at = request.path_params.get("body"), day(request, "on"), moment(request)
    assert on is not None

    def ask(ledger: Ledger) -> tuple[Any, ...]:
        state = body_state(ledger, body, on) if body else None
        return state, ledger.forward_plan(body, on, known_at=known_at)

    state, plan = await readers(request).ask(ask)
    context = {"body": state, "plan": plan, **dates(request)}
    return answer(request, "forward_plan.html", plan, context)


ROUTES = [
    *page_routes("/decisions", decisions_page),
    *page_routes("/decisions/{motion}", decision_page),
    *page_routes("/forward-plan", forward_plan_page),
    *page_routes("/bodies/{body}/decisions", decisions_page),
    *page_routes("/bodies/{body}/forward-plan", forward_plan_page),
]
