"""What one event changed in each answer: the answers as known just before it was
recorded and just after, compared, for the dates it concerns.

An event reaches the answers of its own aggregate (a ToR's sections, a body's seats
and offices, a fund's years and allocations) on its effective date, and on the
effective date of what it corrects.  Through them it reaches the meetings whose
answers are read from that aggregate on their own dates: the quorum at each meeting and
item, and the validity of each decision taken there.  Only what differs is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from ledger.domain.fund import AllocationState, FundPosition
from ledger.domain.membership import MembershipState, Office, Seat
from ledger.domain.money import Amount
from ledger.domain.quorum import QuorumResult
from ledger.domain.tor import TorState
from ledger.domain.validity import Finding, Validity
from ledger.queries.budget import YearReport, year_report
from ledger.queries.constitution import SectionChange, section_changes
from ledger.queries.replay_state import Record, View

T = TypeVar("T")


@dataclass
class TorChange:
    """The ToR of ``body`` in force ``on`` a date: its title, and each section that the
    event added, repealed or changed there (a word diff)."""

    body: str
    on: str
    title_before: str | None
    title_after: str | None
    sections: list[SectionChange]


@dataclass
class SeatChange:
    """A seat on the body ``on`` the date: ``joined`` (not a member before), ``left``
    (no longer a member) or ``changed`` (its representative, substitute, category...)."""

    member: str
    change: str
    before: Seat | None
    after: Seat | None


@dataclass
class OfficeChange:
    """An office held ``on`` the date: ``taken``, ``given-up`` or ``changed`` (another holder
    or term)."""

    office: str
    change: str
    before: Office | None
    after: Office | None


@dataclass
class MembershipChange:
    body: str
    on: str
    seats: list[SeatChange]
    offices: list[OfficeChange]


@dataclass
class QuorumChange:
    """The quorum of a meeting at the start (``item`` None) or at one item: None while
    the meeting (or the item) is not recorded."""

    meeting: str
    date: str
    item: str | None
    before: QuorumResult | None
    after: QuorumResult | None


@dataclass
class ValidityState:
    """Whether a decision was validly made: no finding means it was."""

    valid: bool
    requirement: str
    requirement_source: str
    arithmetic: str | None
    findings: list[Finding]


@dataclass
class ValidityChange:
    motion: str
    meeting: str
    before: ValidityState | None
    after: ValidityState | None


@dataclass
class AllocationMoney:
    """An allocation's money on the date."""

    allocation: str
    year: str
    recipient: str
    awarded: Amount
    spent: Amount
    balance: Amount
    withdrawn: str | None


@dataclass
class YearChange:
    year: str
    before: YearReport | None
    after: YearReport | None


@dataclass
class AllocationChange:
    allocation: str
    before: AllocationMoney | None
    after: AllocationMoney | None


@dataclass
class BudgetChange:
    """A fund's position ``on`` the date: each year and allocation that changed, and the
    totals over every year."""

    fund: str
    on: str
    years: list[YearChange]
    allocations: list[AllocationChange]
    total_before: YearReport | None
    total_after: YearReport | None


@dataclass
class Changes:
    """Everything the event changed, answer by answer (empty: it changed none)."""

    tor: list[TorChange] = field(default_factory=list)
    members: list[MembershipChange] = field(default_factory=list)
    quorum: list[QuorumChange] = field(default_factory=list)
    decisions: list[ValidityChange] = field(default_factory=list)
    budget: list[BudgetChange] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any((self.tor, self.members, self.quorum, self.decisions, self.budget))


def changes_of(record: Record, aggregate_id: UUID, dates: list[date]) -> Changes:
    """What the aggregate's last event (just taken into ``record``) changed, on ``dates``
    (its effective date, and those of the events it corrects)."""
    aggregate = record.aggregates[aggregate_id]
    before, after = View(record, aggregate_id, 1), View(record)
    found = Changes()
    kind, key, since = aggregate.kind, aggregate.key, min(dates)
    meetings: dict[str, None] = {}
    motions: dict[str, None] = {}
    if kind == "tor":
        found.tor = _each(dates, lambda d: _tor(key, d, before.tor(key, d), after.tor(key, d)))
        reads = _compared(lambda d: (before.tor(key, d), after.tor(key, d)), _rules)
        meetings = _meetings_where(record, key, since, after, reads)
    elif kind == "membership":
        found.members = _each(
            dates, lambda d: _members(key, d, before.membership(key, d), after.membership(key, d))
        )
        seats = _compared(lambda d: (before.membership(key, d), after.membership(key, d)))
        meetings = _meetings_where(record, key, since, after, seats)
    elif kind == "organisation":
        sector = _compared(lambda d: (before.sector(key, d), after.sector(key, d)))
        for body in sorted(record.bodies_seating.get(key, ())):
            meetings |= _meetings_where(record, body, since, after, sector)
    elif kind == "meeting":
        meetings = {key: None}
    elif kind == "motion":
        motions = {key: None}
    elif kind == "fund":
        found.budget = _each(
            dates, lambda d: _budget(key, d, before.fund(key, d), after.fund(key, d))
        )
    for meeting in meetings:
        found.quorum += _quorum(meeting, before, after)
        motions |= record.motions_at.get(meeting, {})
    for motion in motions:
        change = _validity(motion, before, after)
        if change is not None:
            found.decisions.append(change)
    return found


def _compared(
    states: Callable[[date], tuple[Any, Any]], read: Callable[[Any], Any] = lambda state: state
) -> Callable[[date], bool]:
    """Whether what ``read`` takes from the state before and after differs on a date;
    each pair of states compared once (meetings on dates between two changes share them)."""
    seen: dict[tuple[int, int], bool] = {}

    def differs(day: date) -> bool:
        old, new = states(day)
        key = (id(old), id(new))
        if key not in seen:
            seen[key] = read(old) != read(new)
        return seen[key]

    return differs


def _each(dates: list[date], change: Callable[[date], T | None]) -> list[T]:
    """The change on each date, where there is one."""
    return [c for d in dates if (c := change(d)) is not None]


def _meetings_where(
    record: Record, body: str, since: date, view: View, differs: Callable[[date], bool]
) -> dict[str, None]:
    """The body's meetings on or after ``since`` whose answers are read from something
    that ``differs`` on their date, in date order."""
    chosen: list[tuple[date, str]] = []
    for meeting, days in record.meetings_of.get(body, {}).items():
        if max(days) < since:
            continue
        state = view.meeting(meeting)
        day = state.day if state is not None else max(days)
        if day >= since and differs(day):
            chosen.append((day, meeting))
    return {meeting: None for _day, meeting in sorted(chosen)}


def _rules(tor: TorState | None) -> tuple[Any, ...]:
    """What quorum and validity read from the ToR: each section's id and rules."""
    return tuple((s.id, s.rules) for s in tor.sections) if tor is not None else ()


def _tor(body: str, day: date, old: TorState | None, new: TorState | None) -> TorChange | None:
    sections = section_changes(old.sections if old else (), new.sections if new else ())
    titles = (old.title if old else None, new.title if new else None)
    if not sections and titles[0] == titles[1]:
        return None
    return TorChange(body, day.isoformat(), *titles, sections)


def _members(
    body: str, day: date, old: MembershipState, new: MembershipState
) -> MembershipChange | None:
    seats = []
    for member in _union(s.member for s in (*new.seats, *old.seats)):
        a, b = old.seat(member), new.seat(member)
        if a != b:
            change = "joined" if a is None else "left" if b is None else "changed"
            seats.append(SeatChange(member, change, a, b))
    offices = []
    for office in _union(o.office for o in (*new.offices, *old.offices)):
        was, now = _held(old, office, day), _held(new, office, day)
        if was != now:
            change = "taken" if was is None else "given-up" if now is None else "changed"
            offices.append(OfficeChange(office, change, was, now))
    return MembershipChange(body, day.isoformat(), seats, offices) if seats or offices else None


def _held(state: MembershipState, office: str, day: date) -> Office | None:
    found = next((o for o in state.offices if o.office == office), None)
    return found if found is not None and found.held_on(day) else None


def _quorum(meeting: str, before: View, after: View) -> list[QuorumChange]:
    """The quorum at the start and at each item of the agenda, where it changed."""
    old, new = before.meeting(meeting), after.meeting(meeting)
    items = _union(i.item for s in (new, old) if s is not None for i in s.items)
    known = new or old
    day = known.day.isoformat() if known is not None else ""
    changes = []
    for item in (None, *items):
        a, b = before.quorum(meeting, item), after.quorum(meeting, item)
        if a != b:
            changes.append(QuorumChange(meeting, day, item, a, b))
    return changes


def _validity_state(found: Validity | None) -> ValidityState | None:
    if found is None:
        return None
    return ValidityState(
        found.valid,
        found.requirement.describe(),
        found.requirement.source,
        found.arithmetic,
        list(found.findings),
    )


def _validity(motion: str, before: View, after: View) -> ValidityChange | None:
    a, b = _validity_state(before.validity(motion)), _validity_state(after.validity(motion))
    if a == b:
        return None
    state = after.motion(motion) or before.motion(motion)
    return ValidityChange(motion, state.meeting if state else "", a, b)


def _allocation(a: AllocationState) -> AllocationMoney:
    return AllocationMoney(
        a.allocation,
        a.year,
        a.recipient,
        Amount.of(a.awarded),
        Amount.of(a.spent),
        Amount.of(a.balance),
        a.withdrawn.isoformat() if a.withdrawn else None,
    )


def _budget(
    fund: str, day: date, old: FundPosition | None, new: FundPosition | None
) -> BudgetChange | None:
    years: list[YearChange] = []
    old_years = {y.year: y for y in old.years} if old else {}
    new_years = {y.year: y for y in new.years} if new else {}
    for label in sorted({*old_years, *new_years}):
        a, b = old_years.get(label), new_years.get(label)
        if a != b:
            years.append(
                YearChange(
                    label,
                    year_report(label, [a]) if a else None,
                    year_report(label, [b]) if b else None,
                )
            )
    allocations: list[AllocationChange] = []
    old_given = {a.allocation: a for a in old.allocations} if old else {}
    new_given = {a.allocation: a for a in new.allocations} if new else {}
    for slug in sorted({*old_given, *new_given}):
        x, y = old_given.get(slug), new_given.get(slug)
        if x != y:
            allocations.append(
                AllocationChange(slug, _allocation(x) if x else None, _allocation(y) if y else None)
            )
    if not years and not allocations:
        return None
    return BudgetChange(
        fund,
        day.isoformat(),
        years,
        allocations,
        year_report("total", old.years) if old else None,
        year_report("total", new.years) if new else None,
    )


def _union(names: Iterable[str]) -> list[str]:
    """Distinct names, in the order first given."""
    return list(dict.fromkeys(names))
