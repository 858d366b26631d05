"""A body's terms of reference on a date (with the date slider), the history of its
sections, and the redline between two dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ledger.application import Ledger
from ledger.domain.errors import NotFound
from ledger.web.pages import (
    answer,
    body_state,
    canonical,
    dates,
    day,
    day_number,
    from_day_number,
    here,
    link,
    moment,
    readers,
    redirect,
    text,
    today,
    wants_json,
)
from ledger.web.routing import page_routes

STANDING = ("in force", "corrects")  # history statuses of changes that still stand


@dataclass(frozen=True)
class Tick:
    """A change on the slider: the day it took effect, as the slider counts it."""

    day: str
    number: int
    pending: bool  # takes effect after the date shown


@dataclass(frozen=True)
class Slider:
    """The date slider: the body's life, with a tick at each change."""

    first: str
    last: str
    first_number: int
    last_number: int
    value: int
    ticks: list[Tick]
    earlier: str | None  # the change before the date shown
    later: str | None  # the change after it


def slider(history: list[Any], established: date, ends: date | None, on: date) -> Slider:
    days = sorted(
        {date.fromisoformat(h.effective) for h in history if h.status.startswith(STANDING)}
    )
    first = min([established, *days[:1]])
    last = max([ends or today(), *days[-1:], on])
    first = min(first, on)
    ticks = [Tick(d.isoformat(), day_number(d), d > on) for d in days]
    earlier = [d for d in days if d < on]
    later = [d for d in days if d > on]
    return Slider(
        first.isoformat(),
        last.isoformat(),
        day_number(first),
        day_number(last),
        day_number(on),
        ticks,
        earlier[-1].isoformat() if earlier else None,
        later[0].isoformat() if later else None,
    )


def before(day_text: str) -> str:
    """The day before ``day_text``: the redline of a change runs from then to its day."""
    return (date.fromisoformat(day_text) - timedelta(days=1)).isoformat()


async def tor_page(request: Request) -> Response:
    """``ledger tor show BODY --on D [--known-at K] [--section ID] --json``."""
    body = request.path_params["body"]
    slid = text(request, "day")
    if slid is not None:  # the slider's form: go to the page of that date
        params = [
            (k, v)
            for k, v in request.query_params.multi_items()
            if k not in ("day", "on") and v.strip()
        ]
        target = link(request, here(request))
        slide = redirect(request, target, [("on", from_day_number(slid).isoformat()), *params])
        # Back to the slider: the script gives it the focus again, for the next key.
        slide.headers["location"] += "#day"
        return slide
    if (moved := canonical(request, on=today().isoformat())) is not None:
        return moved
    on, known_at, section = day(request, "on"), moment(request), text(request, "section")
    assert on is not None

    def ask(ledger: Ledger) -> tuple[Any, ...]:
        state = body_state(ledger, body, on)
        try:
            history = ledger.tor_history(body)
        except NotFound as exc:  # none recorded yet: the page says so, with the body's menu
            return state, [], None, str(exc)
        try:
            return state, history, ledger.tor(body, on, known_at=known_at, section=section), None
        except NotFound as exc:
            return state, history, None, str(exc)

    state, history, report, missing = await readers(request).ask(ask)
    if report is None and (wants_json(request) or section is not None):
        raise NotFound(missing or f"{body} has no terms of reference in force on {on}")
    context = {
        "body": state,
        "report": report,
        "missing": missing,
        "section": section,
        "slider": slider(history, state.established, state.dissolved, on),
        "before": before,
        **dates(request),
    }
    return answer(request, "tor.html", report, context, status=200 if report else 404)


async def history_page(request: Request) -> Response:
    """``ledger tor history BODY [--section ID] --json``."""
    body, section = request.path_params["body"], text(request, "section")
    on = today()

    def ask(ledger: Ledger) -> tuple[Any, ...]:
        return body_state(ledger, body, on), ledger.tor_history(body, section)

    state, entries = await readers(request).ask(ask)
    context = {"body": state, "entries": entries, "section": section, "before": before}
    return answer(request, "tor_history.html", entries, context)


async def redline_page(request: Request) -> Response:
    """``ledger tor diff BODY FROM TO [--known-at K] --json``; without the dates, the
    latest change in force today."""
    body = request.path_params["body"]
    if text(request, "from") is None or text(request, "to") is None:
        until = day(request, "to") or today()
        history = await readers(request).ask(lambda ledger: ledger.tor_history(body))
        made = [h.effective for h in history if h.status.startswith(STANDING)]
        latest = max([d for d in made if d <= until.isoformat()], default=until.isoformat())
        since = day(request, "from") or date.fromisoformat(before(latest))
        moved = canonical(request, **{"from": since.isoformat(), "to": until.isoformat()})
        assert moved is not None
        return moved
    first, second, known_at = day(request, "from"), day(request, "to"), moment(request)
    assert first is not None
    assert second is not None

    def ask(ledger: Ledger) -> tuple[Any, ...]:
        state = body_state(ledger, body, second)
        return state, ledger.tor_diff(body, first, second, known_at=known_at)

    state, red = await readers(request).ask(ask)
    context = {"body": state, "red": red, "from": first, "to": second, **dates(request)}
    return answer(request, "redline.html", red, context)


ROUTES = [
    *page_routes("/bodies/{body}/tor", tor_page),
    *page_routes("/bodies/{body}/tor/history", history_page),
    *page_routes("/bodies/{body}/tor/redline", redline_page),
]
