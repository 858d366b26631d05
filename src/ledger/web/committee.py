"""Who sat on a body on a date, its meetings with their quorum, and one meeting in full."""

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
    moment,
    readers,
    text,
    today,
)
from ledger.web.routing import page_routes


async def members_page(request: Request) -> Response:
    """``ledger members BODY --on D [--known-at K] --json``."""
    if (moved := canonical(request, on=today().isoformat())) is not None:
        return moved
    body, on, known_at = request.path_params["body"], day(request, "on"), moment(request)
    assert on is not None

    def ask(ledger: Ledger) -> tuple[Any, ...]:
        return body_state(ledger, body, on), ledger.members(body, on, known_at=known_at)

    state, report = await readers(request).ask(ask)
    context = {"body": state, "report": report, **dates(request)}
    return answer(request, "members.html", report, context)


async def meetings_page(request: Request) -> Response:
    """``ledger meetings BODY [--from D] [--to D] [--known-at K] --json``."""
    body, known_at = request.path_params["body"], moment(request)
    first, last = day(request, "from"), day(request, "to")

    def ask(ledger: Ledger) -> tuple[Any, ...]:
        state = body_state(ledger, body, last or today())
        return state, ledger.meetings(body, first=first, last=last, known_at=known_at)

    state, found = await readers(request).ask(ask)
    context = {"body": state, "meetings": found, "from": first, "to": last, **dates(request)}
    return answer(request, "meetings.html", found, context)


async def meeting_page(request: Request) -> Response:
    """``ledger meeting show MEETING [--known-at K] --json``."""
    meeting, known_at = request.path_params["meeting"], moment(request)

    def ask(ledger: Ledger) -> tuple[Any, ...]:
        report = ledger.meeting(meeting, known_at=known_at)
        on = date.fromisoformat(report.date)
        state = body_state(ledger, report.body, on)
        held = ledger.decisions(report.body, on, on, known_at=known_at)
        motions = [d for d in held if d.meeting == meeting]
        return state, report, motions

    state, report, motions = await readers(request).ask(ask)
    context = {"body": state, "report": report, "motions": motions, **dates(request)}
    return answer(request, "meeting.html", report, context)


async def quorum_page(request: Request) -> Response:
    """``ledger quorum MEETING [--item N] [--known-at K] --json``."""
    meeting, item, known_at = request.path_params["meeting"], text(request, "item"), moment(request)

    def ask(ledger: Ledger) -> tuple[Any, ...]:
        result = ledger.quorum(meeting, item=item, known_at=known_at)
        return body_state(ledger, result.body, date.fromisoformat(result.date)), result

    state, result = await readers(request).ask(ask)
    context = {"body": state, "result": result, "item": item, **dates(request)}
    return answer(request, "quorum.html", result, context)


ROUTES = [
    *page_routes("/bodies/{body}/members", members_page),
    *page_routes("/bodies/{body}/meetings", meetings_page),
    *page_routes("/meetings/{meeting}", meeting_page),
    *page_routes("/meetings/{meeting}/quorum", quorum_page),
]
