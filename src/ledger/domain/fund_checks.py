"""The checks every write to a fund must pass, judged on what the whole write records.

**Never below zero.**  Every new event of a fund (a correction or retraction of one
included) leaves one check for the end of the write: fold the fund's in-force events
once, and refuse the write if a year's available money or an allocation's unspent
balance is below zero on any effective date where it was not before.  So a backdated
income reduction that leaves an allocation uncovered is refused naming the allocation,
and so is the retraction of income an allocation relies on.  The refusal gives the
figures, and names the entry whose event caused it.  The cost is one fold of the fund's
own events per write, whatever else the log holds.

**Decided properly.**  An allocation, a variation and a virement cite the decision that
approved it (``authority.decision``): a decision of the body that manages the fund or
of a body above it (the parent to which it reports, and so on up), taken on or before
the change takes effect.  That it was carried or agreed is checked as for every cited
decision (``guards.py``).  Whatever makes it not validly made (an inquorate item, an
interested member voting on a financial item) is said on the receipt as a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from ledger.domain import body, organisation
from ledger.domain.commands import Context
from ledger.domain.decision import MotionState, motion_id, motion_state
from ledger.domain.errors import EntryViolation, RuleViolation
from ledger.domain.events import EventRetracted, LedgerEvent
from ledger.domain.fund import (
    Allocated,
    AllocationVaried,
    AllocationWithdrawn,
    CarriedForward,
    FundCreated,
    FundEvent,
    IncomeReceived,
    IncomeReduced,
    Key,
    Shortfall,
    Spent,
    UnderspendReturned,
    Vired,
    fund_id,
    position_on,
    shortfalls,
)
from ledger.domain.history import in_force
from ledger.domain.meeting import meeting_id, meeting_state
from ledger.domain.membership import membership_id, membership_on
from ledger.domain.money import format_pence
from ledger.domain.quorum import evaluate
from ledger.domain.rule_kinds import QuorumRule, VotingEligibility, rule_of
from ledger.domain.tor import tor_id, tor_on
from ledger.domain.validity import Validity, assess

DECIDED = (Allocated, AllocationVaried, Vired)  # what must cite a decision


def fund_changed(ctx: Context, event: FundEvent) -> None:
    """Guard of every new fund event: the books are checked at the end of the write."""
    if isinstance(event, DECIDED):
        cited = event.authority.decision if event.authority is not None else None
        if cited is None:
            noun = event.describe().split(" of ")[0]
            raise RuleViolation(
                f"authority.decision: a fund's {noun} must cite the decision that approved "
                "it (the motion id, --decision)"
            )
        ctx.at_end(
            f"fund-decision:{event.fund}:{cited}",
            lambda: _decided_properly(ctx, event.fund, cited),
            blames=fund_id(event.fund),
        )
    _books_at_end(ctx, event.fund)


def fund_retracted(ctx: Context, event: EventRetracted) -> None:
    """A retraction of one of a fund's events is held to the same books."""
    events = ctx.history(event.originator_id).events
    first = events[0] if events else None
    if isinstance(first, FundEvent) and event.originator_id == fund_id(first.fund):
        _books_at_end(ctx, first.fund)


def _books_at_end(ctx: Context, slug: str) -> None:
    aggregate = fund_id(slug)
    held = len(ctx.history(aggregate).events)  # histories only grow: the write's start

    def check() -> None:
        events = ctx.history(aggregate).events
        after = in_force(events)
        found = shortfalls(after)  # also refuses books that do not make sense
        if not found:
            return
        before = {(s.key, s.day) for s in shortfalls(in_force(events[:held]))}
        new = [s for s in found if (s.key, s.day) not in before]
        if new:
            message, blamed = _refusal(new[0], after, events[held:], events)
            raise EntryViolation(message, blamed.event_id)

    ctx.at_end(f"fund:{slug}", check, blames=aggregate)


# --- the refusal, with the figures --------------------------------------------------


def _year_of(event: LedgerEvent, years: dict[str, str]) -> set[str]:
    """The financial years whose available money ``event`` moves."""
    if isinstance(event, IncomeReceived | IncomeReduced | UnderspendReturned | Allocated):
        return {event.year}
    if isinstance(event, CarriedForward):
        return {event.year, event.to_year}
    if isinstance(event, AllocationVaried | AllocationWithdrawn):
        return {years.get(event.allocation, "")}
    return set()


def _allocations_of(event: LedgerEvent) -> set[str]:
    if isinstance(event, Allocated | AllocationVaried | AllocationWithdrawn | Spent):
        return {event.allocation}
    if isinstance(event, Vired):
        return {event.from_allocation, event.to_allocation}
    return set()


def _moves(event: LedgerEvent | None, key: Key, years: dict[str, str]) -> bool:
    if event is None:
        return False
    kind, name = key
    return name in (_year_of(event, years) if kind == "year" else _allocations_of(event))


def _refusal(
    short: Shortfall,
    after: Sequence[LedgerEvent],
    new: Sequence[LedgerEvent],
    everything: Sequence[LedgerEvent],
) -> tuple[str, LedgerEvent]:
    """The refusal's one line, and the new event it blames."""
    position = position_on(after, short.day)
    assert position is not None
    fund = position.info.fund
    years = {a.allocation: a.year for a in position.allocations}
    by_id = {e.event_id: e for e in everything}

    def relevant(e: LedgerEvent) -> bool:
        replaced = by_id.get(e.corrects) if e.corrects is not None else None
        mine = _moves(e, short.key, years) and not isinstance(e, EventRetracted)
        was = _moves(replaced, short.key, years)
        return (mine and e.effective <= short.day) or (
            was and replaced is not None and replaced.effective <= short.day
        )

    candidates = [e for e in new if relevant(e)] or list(new[-1:])
    blamed = max(candidates, key=lambda e: (e.effective, e.originator_version))
    what = _what(blamed, by_id)
    if blamed.effective != short.day:
        what += f" on {blamed.effective}"
    excess = format_pence(-short.balance)
    kind, name = short.key
    at_day = blamed.effective == short.day and blamed.corrects is None
    if kind == "year":
        if at_day and isinstance(blamed, Allocated | UnderspendReturned | CarriedForward):
            there = format_pence(blamed.amount + short.balance)
            return (
                f"{what} exceeds the {there} available in {fund} for {name} on {short.day} "
                f"by {excess}",
                blamed,
            )
        victim = _last_use(after, name, short.day, years, blamed)
        leaves = (
            f"leaves {victim.describe()} on {victim.effective} uncovered"
            if victim
            else ("leaves too little")
        )
        return (
            f"{what} {leaves}: {fund} would have {format_pence(short.balance)} available "
            f"for {name} on {short.day} ({excess} short)",
            blamed,
        )
    held = next(a for a in position.allocations if a.allocation == name)
    if at_day and isinstance(blamed, Spent):
        there = format_pence(blamed.amount + short.balance)
        return (
            f"{what} exceeds the {there} unspent on {name} on {short.day} by {excess}",
            blamed,
        )
    return (
        f"{what} leaves allocation {name} ({held.recipient}) overspent on {short.day} by "
        f"{excess}: {format_pence(held.spent)} spent of {format_pence(held.awarded)} awarded",
        blamed,
    )


def _what(event: LedgerEvent, by_id: dict[UUID, LedgerEvent]) -> str:
    target = by_id.get(event.corrects) if event.corrects is not None else None
    if target is None:
        return event.describe()
    if isinstance(event, EventRetracted):
        return f"retracting the {target.describe()}"
    return f"correcting the {target.describe()} to {event.describe()}"


def _last_use(
    after: Sequence[LedgerEvent],
    year: str,
    day: date,
    years: dict[str, str],
    blamed: LedgerEvent,
) -> LedgerEvent | None:
    """The latest allocation (or variation, return or carry-forward) of ``year`` by
    ``day``: what the money taken away was covering."""
    uses = (Allocated, AllocationVaried, UnderspendReturned, CarriedForward)
    found = [
        e
        for e in after
        if isinstance(e, uses)
        and e.effective <= day
        and e is not blamed
        and year in _year_of(e, years)
        and not (isinstance(e, CarriedForward) and e.to_year == year)
    ]
    return found[-1] if found else None


# --- decided properly ---------------------------------------------------------------


def _decided_properly(ctx: Context, slug: str, cited: str) -> None:
    motion = motion_state(ctx.history(motion_id(cited)).current())
    if motion is None or motion.decision is None:
        return  # refused by the check every cited decision has (guards.py)
    if motion.decision.outcome not in ("carried", "agreed"):
        return
    events = ctx.history(fund_id(slug)).current()
    created = next((e for e in events if isinstance(e, FundCreated)), None)
    if created is None or created.body is None:
        return  # the books' own check says so
    citing = [
        e
        for e in events
        if isinstance(e, DECIDED) and e.authority is not None and e.authority.decision == cited
    ]
    chain = _managers(ctx, created.body, motion.day)
    if motion.body not in chain:
        above = f" (reporting to {', '.join(chain[1:])})" if len(chain) > 1 else ""
        raise EntryViolation(
            f"authority.decision: '{cited}' is a decision of {motion.body}, which does not "
            f"manage {slug}: {created.body}{above} does",
            citing[-1].event_id if citing else None,
        )
    early = [e for e in citing if e.effective < motion.day]
    if early:
        raise EntryViolation(
            f"authority.decision: the {early[0].describe()} takes effect on "
            f"{early[0].effective}, before {cited} was decided ({motion.day})",
            early[0].event_id,
        )
    validity = _validity(ctx, motion)
    for finding in validity.findings if validity is not None else ():
        ctx.warn(
            f"authority.decision: {cited} was not validly made ({finding.check}: {finding.message})"
        )


def _managers(ctx: Context, slug: str, day: date) -> list[str]:
    """The body and every body above it on ``day``: whose decisions may move its money."""
    chain = [slug]
    state = body.state_on(ctx.history(body.body_id(slug)).current(), day)
    while state is not None and state.parent is not None and state.parent not in chain:
        chain.append(state.parent)
        state = body.state_on(ctx.history(body.body_id(state.parent)).current(), day)
    return chain


def _validity(ctx: Context, motion: MotionState) -> Validity | None:
    """Whether ``motion``'s decision was validly made, from the record as this write
    leaves it: the same assessment ``ledger decision`` makes from the read models."""
    meeting = meeting_state(ctx.history(meeting_id(motion.meeting)).current())
    if meeting is None:
        return None
    seats = membership_on(ctx.history(membership_id(meeting.body)).current(), meeting.day)
    tor = tor_on(ctx.history(tor_id(meeting.body)).current(), meeting.day)
    sections = list(tor.sections) if tor is not None else []
    eligibility = rule_of(sections, VotingEligibility)
    quorum = None
    if any(i.item == motion.item for i in meeting.items):
        rule = rule_of(sections, QuorumRule)
        sectors = {}
        for seat in seats.seats:
            if seat.organisation:
                history = ctx.history(organisation.organisation_id(seat.organisation))
                state = organisation.state_on(history.current(), meeting.day)
                if state is not None:
                    sectors[state.slug] = state.sector
        quorum = evaluate(
            meeting,
            seats,
            rule[0] if rule else None,
            rule[1] if rule else None,
            sectors,
            motion.item,
            eligibility,
        )
    return assess(motion, meeting, seats, sections, quorum, eligibility)
