"""Checks across aggregates that every new event must pass, however it was made.

A handler checks a command against its own aggregate's history; an event can also
name other aggregates (a parent body, an organisation, a seat, a later meeting).
Those references are checked here, on the event itself, by the unit of work before
it takes the event.  So a correction, which writes an event of the same kind directly,
is held to exactly what first recording was: a body cannot be made its own parent, an
attendance cannot name a seat the body does not have.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from ledger.domain import body, meeting, membership, organisation
from ledger.domain.commands import Context
from ledger.domain.errors import NotFound, RuleViolation
from ledger.domain.events import LedgerEvent
from ledger.domain.history import in_force

Guard = Callable[[Context, Any], None]


def _body_on(ctx: Context, slug: str, day: date) -> body.BodyState | None:
    state = body.state_on(in_force(ctx.history(body.body_id(slug)).events), day)
    return None if state is None or state.dissolved is not None else state


def _parent(ctx: Context, event: body.BodyEstablished) -> None:
    if event.parent is None:
        return
    if event.parent == event.body:
        raise RuleViolation(f"body '{event.body}' cannot be its own parent")
    chain: list[str] = [event.body or ""]
    parent: str | None = event.parent
    while parent is not None:
        state = _body_on(ctx, parent, event.effective)
        if state is None:
            raise RuleViolation(f"parent body '{parent}' does not exist on {event.effective}")
        looped = state.slug in chain
        chain.append(state.slug)
        if looped:
            raise RuleViolation(
                f"body '{event.body}' cannot sit under '{event.parent}': that makes a loop "
                f"({' under '.join(chain)})"
            )
        parent = state.parent


def _organisation_exists(ctx: Context, slug: str, day: date, what: str) -> None:
    state = organisation.state_on(
        in_force(ctx.history(organisation.organisation_id(slug)).events), day
    )
    if state is None or state.closed is not None:
        raise RuleViolation(f"{what} '{slug}' does not exist on {day}")


def _member_joined(ctx: Context, event: membership.MemberJoined) -> None:
    if event.organisation is not None:
        _organisation_exists(ctx, event.organisation, event.effective, "organisation")


def _successor(ctx: Context, event: organisation.OrganisationClosed) -> None:
    if event.successor is not None and event.successor != event.organisation:
        if not ctx.history(organisation.organisation_id(event.successor)).exists:
            raise NotFound(f"unknown organisation '{event.successor}'")
        _organisation_exists(ctx, event.successor, event.effective, "successor organisation")


def _seats_ever(ctx: Context, slug: str) -> set[str]:
    history = ctx.history(membership.membership_id(slug))
    return {e.member for e in in_force(history.events) if isinstance(e, membership.MemberJoined)}


def _attendance(ctx: Context, event: meeting.AttendanceRecorded) -> None:
    # A seat that has lapsed by the meeting's date may still be claimed (the minutes
    # say who came, for whom); quorum then says why it did not count.  A seat the body
    # has never had is a mistake.
    if event.member is None and event.substitute_for is None:
        return
    assert event.body is not None
    seats = _seats_ever(ctx, event.body)
    for field, seat in (("member", event.member), ("substitute_for", event.substitute_for)):
        if seat is not None and seat not in seats:
            raise RuleViolation(
                f"{field} '{seat}': {event.body} has never had such a seat"
                f" (see 'ledger members {event.body} --on {event.effective}')"
            )


def _minutes(ctx: Context, event: meeting.MinutesApproved) -> None:
    state = meeting.meeting_state(in_force(ctx.history(meeting.meeting_id(event.meeting)).events))
    approving = meeting.meeting_state(
        in_force(ctx.history(meeting.meeting_id(event.approved_at)).events)
    )
    if approving is None:
        raise NotFound(f"unknown meeting '{event.approved_at}'")
    if state is not None and approving.day <= state.day:
        raise RuleViolation(f"the minutes of {event.meeting} are approved at a later meeting")
    if approving.status != "held":
        raise RuleViolation(
            f"{event.approved_at} is {approving.status}; only a meeting held approves minutes"
        )


GUARDS: dict[type[LedgerEvent], Guard] = {
    body.BodyEstablished: _parent,
    membership.MemberJoined: _member_joined,
    organisation.OrganisationClosed: _successor,
    meeting.AttendanceRecorded: _attendance,
    meeting.MinutesApproved: _minutes,
}


def check_references(ctx: Context, event: LedgerEvent) -> None:
    """Raise RuleViolation (or NotFound) if ``event`` names what does not exist."""
    guard = GUARDS.get(type(event))
    if guard is not None:
        guard(ctx, event)
