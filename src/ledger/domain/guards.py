"""Checks across aggregates that every new event must pass, however it was made.

A handler checks a command against its own aggregate's history; an event can also
name other aggregates (a parent body, an organisation, a seat, a later meeting).
Those references are checked here, on the event itself, by the unit of work before
it takes the event.  So a correction, which writes an event of the same kind directly,
is held to exactly what first recording was: a body cannot be made its own parent, an
attendance cannot name a seat the body does not have.

Seats and the terms of reference are also checked against each other over time
(``domain/limits.py``, ``domain/eligibility.py``): a change to either, a correction or
retraction of one included, may not put more seats over a membership limit on any
date (refused, for a seat; recorded with a warning, for the constitution itself: this
is judged on what the whole write records, so an import may seat a member and record
their departure in either order), and a seat whose voting flag the voting-eligibility
rule contradicts is recorded with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from ledger.domain import (
    body,
    decision,
    eligibility,
    fund,
    fund_checks,
    limits,
    meeting,
    membership,
    organisation,
    tor,
)
from ledger.domain.commands import Context
from ledger.domain.errors import NotFound, RuleViolation
from ledger.domain.events import EventRetracted, LedgerEvent
from ledger.domain.history import in_force
from ledger.domain.rule_kinds import MembershipLimit, VotingEligibility

Guard = Callable[[Context, Any], None]


def _body_on(ctx: Context, slug: str, day: date) -> body.BodyState | None:
    state = body.state_on(ctx.history(body.body_id(slug)).current(), day)
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
    state = organisation.state_on(ctx.history(organisation.organisation_id(slug)).current(), day)
    if state is None or state.closed is not None:
        raise RuleViolation(f"{what} '{slug}' does not exist on {day}")


def _member_joined(ctx: Context, event: membership.MemberJoined) -> None:
    if event.organisation is not None:
        _organisation_exists(ctx, event.organisation, event.effective, "organisation")
    _seats_changed(ctx, event)


def _seats_changed(ctx: Context, event: LedgerEvent) -> None:
    """A seat joins or leaves (or a record of it is corrected or retracted)."""
    assert event.body is not None
    seats = ctx.history(membership.membership_id(event.body)).events
    _limits_at_end(ctx, event.body)
    document = ctx.history(tor.tor_id(event.body)).current()
    if not limits.sets(document, VotingEligibility):
        return
    changed = (
        event
        if event.corrects is None
        else next((e for e in seats if e.event_id == event.corrects), event)
    )
    member = getattr(event, "member", None) or getattr(changed, "member", None)
    if member is None:
        return
    versions = tor.timeline(document)
    before = eligibility.tenures(in_force(seats))
    after = eligibility.tenures(in_force([*seats, event]))
    _say(
        ctx,
        event.body,
        eligibility.disagreements(before, versions, [member]),
        eligibility.disagreements(after, versions, [member]),
    )


def _constitution_changed(ctx: Context, event: LedgerEvent) -> None:
    """The ToR changes (or a record of it is corrected or retracted)."""
    assert event.body is not None
    document = ctx.history(tor.tor_id(event.body)).events
    seats = ctx.history(membership.membership_id(event.body)).current()
    _limits_at_end(ctx, event.body)
    before, after = in_force(document), in_force([*document, event])
    if seats and (limits.sets(before, VotingEligibility) or limits.sets(after, VotingEligibility)):
        spells = eligibility.tenures(seats)
        _say(
            ctx,
            event.body,
            eligibility.disagreements(spells, tor.timeline(before)),
            eligibility.disagreements(spells, tor.timeline(after)),
        )


def _say(
    ctx: Context,
    slug: str,
    before: dict[eligibility.Key, eligibility.Disagreement],
    after: dict[eligibility.Key, eligibility.Disagreement],
) -> None:
    for found in eligibility.new_disagreements(before, after):
        ctx.warn(eligibility.warning(slug, found))


def _limits_at_end(ctx: Context, slug: str) -> None:
    """Compare the body's seats and ToR over time before this write and after it.  Seat
    changes may not seat anyone, on any date, in a category over its limit that day
    (refused); a ToR change that puts a category over a limit is recorded and said,
    because a body may adopt a limit and then reduce its membership, and no one can
    then take a seat in the excess."""
    seats_id, tor_id = membership.membership_id(slug), tor.tor_id(slug)
    # Histories only grow: what they hold now is what the write started from.
    seats_held, document_held = len(ctx.history(seats_id).events), len(ctx.history(tor_id).events)

    def check() -> None:
        seats_then = in_force(ctx.history(seats_id).events[:seats_held])
        document_then = in_force(ctx.history(tor_id).events[:document_held])
        seats = ctx.history(seats_id).current()
        document = ctx.history(tor_id).current()
        if not (
            limits.sets(document, MembershipLimit) or limits.sets(document_then, MembershipLimit)
        ):
            return
        under_the_new = limits.body_timeline(seats, document)
        by_seats = limits.seated_over(limits.body_timeline(seats_then, document), under_the_new)
        if by_seats is not None:
            raise RuleViolation(limits.refusal(slug, by_seats))
        by_constitution = limits.worsened(
            limits.body_timeline(seats_then, document_then), under_the_new
        )
        if by_constitution is not None:
            ctx.warn(limits.warning(slug, by_constitution))

    ctx.at_end(f"membership-limits:{slug}", check)


def _retracted(ctx: Context, event: EventRetracted) -> None:
    fund_checks.fund_retracted(ctx, event)
    if event.body is None:
        return
    if event.originator_id == membership.membership_id(event.body):
        _seats_changed(ctx, event)
    elif event.originator_id == tor.tor_id(event.body):
        _constitution_changed(ctx, event)


def _named_organisation(ctx: Context, slug: str, day: date, field: str) -> None:
    """An organisation an event names is registered, and not closed, on ``day``."""
    if not ctx.history(organisation.organisation_id(slug)).exists:
        raise NotFound(f"{field}: unknown organisation '{slug}'")
    _organisation_exists(ctx, slug, day, f"{field}: organisation")


def _successor(ctx: Context, event: organisation.OrganisationClosed) -> None:
    if event.successor is not None and event.successor != event.organisation:
        if not ctx.history(organisation.organisation_id(event.successor)).exists:
            raise NotFound(f"unknown organisation '{event.successor}'")
        _organisation_exists(ctx, event.successor, event.effective, "successor organisation")


def _fund_created(ctx: Context, event: fund.FundCreated) -> None:
    if event.grant_maker is not None:
        _named_organisation(ctx, event.grant_maker, event.effective, "grant_maker")
    fund_checks.fund_changed(ctx, event)


def _allocated(ctx: Context, event: fund.Allocated) -> None:
    if event.recipient_organisation is not None:
        _named_organisation(
            ctx, event.recipient_organisation, event.effective, "recipient_organisation"
        )
    fund_checks.fund_changed(ctx, event)


def _seats_ever(ctx: Context, slug: str) -> set[str]:
    history = ctx.history(membership.membership_id(slug))
    return {e.member for e in history.current() if isinstance(e, membership.MemberJoined)}


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
    state = meeting.meeting_state(ctx.history(meeting.meeting_id(event.meeting)).current())
    approving = meeting.meeting_state(ctx.history(meeting.meeting_id(event.approved_at)).current())
    if approving is None:
        raise NotFound(f"unknown meeting '{event.approved_at}'")
    if state is not None and approving.day <= state.day:
        raise RuleViolation(f"the minutes of {event.meeting} are approved at a later meeting")
    if approving.status != "held":
        raise RuleViolation(
            f"{event.approved_at} is {approving.status}; only a meeting held approves minutes"
        )


def _meeting_of(ctx: Context, event: decision.MotionEvent) -> meeting.MeetingState:
    state = meeting.meeting_state(ctx.history(meeting.meeting_id(event.meeting)).current())
    if state is None:
        raise NotFound(f"meeting: unknown meeting '{event.meeting}'")
    if not any(i.item == event.item for i in state.items):
        raise NotFound(f"item: {event.meeting} has no agenda item {event.item}")
    return state


def _recorded_at(state: meeting.MeetingState, field: str, person: str, present: bool) -> None:
    """Refuse ``person`` in ``field`` unless the minutes record them at the meeting (and,
    with ``present``, in the room for some part of it).  Whether they were in the room
    for the item itself is a question of validity, answered on demand."""
    records = [a for a in state.attendance if a.person == person]
    if not records:
        raise RuleViolation(
            f"{field}: '{person}' is not recorded at {state.meeting} "
            "(record their attendance first)"
        )
    if present and all(a.status not in meeting.PRESENT for a in records):
        raise RuleViolation(f"{field}: '{person}' was not at {state.meeting} ({records[0].status})")


def _motion_proposed(ctx: Context, event: decision.MotionProposed) -> None:
    state = _meeting_of(ctx, event)
    _recorded_at(state, "mover", event.mover, present=False)
    if event.seconder is not None:
        _recorded_at(state, "seconder", event.seconder, present=False)
    if event.amends is not None:
        amended = decision.motion_state(ctx.history(decision.motion_id(event.amends)).current())
        if amended is None:
            raise NotFound(f"amends: unknown motion '{event.amends}'")
        if amended.meeting != event.meeting:
            raise RuleViolation(
                f"amends: motion '{event.amends}' was moved at {amended.meeting}, "
                f"not {event.meeting}"
            )


def _motion_decided(ctx: Context, event: decision.MotionDecided) -> None:
    state = _meeting_of(ctx, event)
    for index, vote in enumerate(event.votes):  # numbered as pydantic numbers fields
        _recorded_at(state, f"votes.{index}.person", vote.person, present=True)
    if event.casting is not None:
        _recorded_at(state, "casting.person", event.casting.person, present=True)
    if event.presiding is not None:
        _recorded_at(state, "presiding", event.presiding, present=True)


GUARDS: dict[type[LedgerEvent], Guard] = {
    body.BodyEstablished: _parent,
    membership.MemberJoined: _member_joined,
    membership.MemberLeft: _seats_changed,
    tor.TorAdopted: _constitution_changed,
    tor.SectionAmended: _constitution_changed,
    tor.SectionInserted: _constitution_changed,
    tor.SectionRepealed: _constitution_changed,
    EventRetracted: _retracted,
    organisation.OrganisationClosed: _successor,
    meeting.AttendanceRecorded: _attendance,
    meeting.MinutesApproved: _minutes,
    decision.MotionProposed: _motion_proposed,
    decision.MotionDecided: _motion_decided,
    **dict.fromkeys(fund.EVENTS, fund_checks.fund_changed),
    fund.FundCreated: _fund_created,
    fund.Allocated: _allocated,
}


def _cited_decision(ctx: Context, cited: str) -> None:
    """A decision cited as authority exists and was carried (or agreed), as the write
    leaves it: checked at its end, so an election's own office, or an import that
    records the decision and what it authorised, is judged on the whole write."""
    state = decision.motion_state(ctx.history(decision.motion_id(cited)).current())
    if state is None:
        raise NotFound(f"authority.decision: unknown decision '{cited}'")
    if state.decision is None:
        raise RuleViolation(f"authority.decision: '{cited}' has no outcome recorded yet")
    if state.decision.outcome not in ("carried", "agreed"):
        raise RuleViolation(
            f"authority.decision: '{cited}' was {state.decision.outcome}, not carried: "
            "it authorises nothing"
        )


def check_references(ctx: Context, event: LedgerEvent) -> None:
    """Raise RuleViolation (or NotFound) if ``event`` names what does not exist."""
    guard = GUARDS.get(type(event))
    if guard is not None:
        guard(ctx, event)
    cited = event.authority.decision if event.authority is not None else None
    if cited is not None:
        ctx.at_end(f"authority.decision:{cited}", lambda: _cited_decision(ctx, cited))
