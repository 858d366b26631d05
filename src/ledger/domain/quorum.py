"""Was this meeting, or this agenda item, quorate, and why?

Evaluates the quorum rule in force on the meeting's date against the membership on
that date and the attendance at the item.  Seats are counted, not heads: a member's
representative, or their substitute standing in, counts once for the seat.  A seat
counts as its ``counts_for_quorum`` says, or if it votes: by its own flag and the ToR's
voting-eligibility rule in force that day (``domain/eligibility.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

from msgspec import Struct, field

from ledger.domain.eligibility import Eligibility, counts_for_quorum, may_vote, not_eligible
from ledger.domain.meeting_state import Attendance, MeetingState, Status
from ledger.domain.membership_state import MembershipState, Person, Seat
from ledger.domain.rule_kinds import (
    AnyOf,
    Counted,
    FractionPresent,
    MinimumPresent,
    OfficeHolderPresent,
    QuorumRule,
    RolePresent,
    SeatPresent,
)

Single = MinimumPresent | FractionPresent | OfficeHolderPresent | SeatPresent | RolePresent


class CountedPerson(Struct, frozen=True):
    """Someone in the room counted towards the quorum, and for which seat."""

    person: str
    name: str
    member: str
    organisation: str | None
    category: str
    capacity: str  # "representative" | "substitute for X"
    votes: bool = True  # False: counted towards quorum, but the seat does not vote


class NotCounted(Struct, frozen=True):
    """Someone recorded at the meeting not counted towards the quorum, and why."""

    person: str
    name: str
    reason: str


class RequirementResult(Struct, frozen=True):
    """One requirement of the quorum rule: what it needs and what there was."""

    requirement: str
    met: bool
    have: int
    need: int
    missing: str | None = None  # when unmet, what is missing: "no elected-member present"


class QuorumResult(Struct):
    """Whether a meeting (or an item of it) was quorate, and why."""

    meeting: str
    body: str
    date: str
    item: str | None
    quorate: bool | None
    status: str
    rule: str | None = None
    rule_section: str | None = None
    requirements: list[RequirementResult] = field(default_factory=list)
    counted: list[CountedPerson] = field(default_factory=list)
    not_counted: list[NotCounted] = field(default_factory=list)
    note: str | None = None
    voting_rule: str | None = None  # the voting-eligibility rule in force, if any
    voting_section: str | None = None


def _seat_for(record: Attendance, membership: MembershipState) -> Seat | None:
    if record.status == Status.SUBSTITUTE and record.substitute_for:
        return membership.seat(record.substitute_for)
    if record.member:
        return membership.seat(record.member)
    return membership.seat_of(record.person)


class _Room(Struct):
    """Who is in the room for an item, and for which seats."""

    counted: list[CountedPerson] = field(default_factory=list)
    not_counted: list[NotCounted] = field(default_factory=list)
    people: set[str] = field(default_factory=set)  # everyone in the room, members or not
    # Seats filled by someone in the room: None if counted, else why not.
    seats: dict[str, str | None] = field(default_factory=dict)


def _not_counting(seat: Seat, eligibility: Eligibility | None) -> str | None:
    """Why a seat filled in the room does not count towards quorum (None: it counts)."""
    if counts_for_quorum(seat, eligibility):
        return None
    if not seat.voting and seat.counts_for_quorum is not True:
        return f"{seat.member} is non-voting"
    if seat.counts_for_quorum is False or eligibility is None:
        return f"{seat.member} does not count towards quorum"
    return not_eligible(seat, eligibility)


def _assess(
    meeting: MeetingState,
    membership: MembershipState,
    item: str | None,
    eligibility: Eligibility | None,
) -> _Room:
    withdrawn = {
        i.person for i in meeting.interests if item is not None and i.item == item and i.withdrew
    }
    room = _Room()
    seats_taken: dict[str, str] = {}
    where = f"item {item}" if item else "the start"

    def refuse(record: Attendance, reason: str) -> None:
        room.not_counted.append(NotCounted(record.person, record.name, reason))

    for record in sorted(meeting.attendance, key=lambda a: a.name):
        if not meeting.present_at(record, item):
            reason = (
                record.status
                if record.status not in ("present", "substitute")
                else (f"not in the room at {where}")
            )
            refuse(record, reason)
            continue
        if record.person in withdrawn:
            refuse(record, f"withdrawn for an interest in item {item}")
            continue
        room.people.add(record.person)
        if record.status == Status.IN_ATTENDANCE:
            refuse(record, "in attendance, not a member")
            continue
        seat = _seat_for(record, membership)
        if seat is None:
            whom = record.substitute_for or record.member or record.name
            refuse(record, f"{whom} is not a member on {meeting.day}")
            continue
        capacity = "representative"
        if record.status == Status.SUBSTITUTE:
            named = seat.substitute
            if named is not None and named.person != record.person:
                refuse(record, f"not the named substitute for {seat.member} ({named.name} is)")
                continue
            capacity = f"substitute for {seat.member}"
        why_not = _not_counting(seat, eligibility)
        if why_not is not None:
            room.seats.setdefault(seat.member, why_not)
            refuse(record, why_not)
            continue
        if seat.member in seats_taken:
            refuse(record, f"{seat.member}'s seat is already counted ({seats_taken[seat.member]})")
            continue
        seats_taken[seat.member] = record.name
        room.seats[seat.member] = None
        room.counted.append(
            CountedPerson(
                record.person,
                record.name,
                seat.member,
                seat.organisation,
                seat.category,
                capacity,
                may_vote(seat, eligibility),
            )
        )
    return room


def _matches(
    c: CountedPerson | Seat, category: str | None, sector: str | None, sectors: Mapping[str, str]
) -> bool:
    if category is not None and c.category != category:
        return False
    if sector is not None:
        org = c.organisation
        return org is not None and sectors.get(org) == sector
    return True


def _count(people: list[CountedPerson], of: Counted) -> int:
    if of == Counted.ORGANISATIONS:
        return len({p.organisation or p.member for p in people})
    return len({p.member for p in people})


def _office_key(office: str) -> str:
    """Offices are matched as written but for case and spacing: 'Vice Chair' is vice-chair."""
    return "-".join(office.casefold().replace("_", " ").split())


def _holders(membership: MembershipState, offices: list[str], day: date) -> list[Person]:
    wanted = {_office_key(o) for o in offices}
    return [
        o.holder for o in membership.offices if _office_key(o.office) in wanted and o.held_on(day)
    ]


def _short(need: int, have: int, what: str) -> str:
    return f"{need - have} more {what} needed"


def _requirement(
    req: Single | AnyOf,
    room: _Room,
    membership: MembershipState,
    meeting: MeetingState,
    sectors: Mapping[str, str],
    eligibility: Eligibility | None,
) -> RequirementResult:
    counted = room.counted
    if isinstance(req, MinimumPresent):
        have = _count(
            [c for c in counted if _matches(c, req.category, req.sector, sectors)], req.of
        )
        scope = " ".join(x for x in (req.sector, req.category) if x)
        what = f"{scope + ' ' if scope else ''}{req.of.value[:-1]}(s)"
        return _result(req, have, req.at_least, _short(req.at_least, have, what))
    if isinstance(req, FractionPresent):
        eligible = [
            CountedPerson("", "", s.member, s.organisation, s.category, "")
            for s in membership.seats
            if counts_for_quorum(s, eligibility) and _matches(s, req.category, None, sectors)
        ]
        need = max(1, math.ceil(_count(eligible, req.of) * req.numerator / req.denominator))
        have = _count([c for c in counted if _matches(c, req.category, None, sectors)], req.of)
        scope = f"{req.category} " if req.category else ""
        return _result(req, have, need, _short(need, have, f"{scope}{req.of.value[:-1]}(s)"))
    if isinstance(req, OfficeHolderPresent):
        offices = req.offices()
        holders = _holders(membership, offices, meeting.day)
        present = sum(1 for h in holders if h.person in room.people)
        names = " or ".join(offices)
        missing = (
            f"the {names} is not present"
            if holders
            else f"no one holds the office of {names} on {meeting.day}"
        )
        return _result(req, min(present, 1), 1, missing)
    if isinstance(req, SeatPresent):
        have = 1 if room.seats.get(req.member, "") is None else 0
        why = room.seats.get(req.member)
        if membership.seat(req.member) is None:
            missing = f"{req.member} is not a member on {meeting.day}"
        elif why is not None:
            missing = f"{req.member} is present but not counted ({why})"
        else:
            missing = f"{req.member} is not present"
        return _result(req, have, 1, missing)
    if isinstance(req, RolePresent):
        holding = {s.member for s in membership.seats if req.role in s.roles}
        have = len({c.member for c in counted if c.member in holding})
        missing = f"no {req.role} present" if have == 0 else _short(req.at_least, have, req.role)
        return _result(req, have, req.at_least, missing)
    options = [
        _requirement(o, room, membership, meeting, sectors, eligibility) for o in req.options
    ]
    met = any(o.met for o in options)
    missing = "none of these: " + "; ".join(o.missing or o.requirement for o in options)
    return RequirementResult(req.describe(), met, sum(o.met for o in options), 1, missing)


def _result(req: Single, have: int, need: int, missing: str) -> RequirementResult:
    met = have >= need
    return RequirementResult(req.describe(), met, have, need, None if met else missing)


def evaluate(
    meeting: MeetingState,
    membership: MembershipState,
    rule: QuorumRule | None,
    rule_section: str | None,
    sectors: Mapping[str, str],
    item: str | None = None,
    eligibility: Eligibility | None = None,
) -> QuorumResult:
    """The quorum of ``meeting`` at ``item`` (None: at the start) under ``rule``, with
    ``eligibility`` the ToR's voting-eligibility rule in force and its section."""
    if item is not None:
        meeting.item_index(item)
    result = QuorumResult(
        meeting.meeting,
        meeting.body,
        meeting.day.isoformat(),
        item,
        None,
        meeting.status,
        rule.describe() if rule else None,
        rule_section,
    )
    if eligibility is not None:
        result.voting_rule, result.voting_section = eligibility[0].describe(), eligibility[1]
    if meeting.status == "cancelled":
        result.note = "the meeting was cancelled"
        return result
    room = _assess(meeting, membership, item, eligibility)
    result.counted, result.not_counted = room.counted, room.not_counted
    if rule is None:
        result.note = (
            f"the terms of reference in force on {meeting.day} state no machine-checked quorum rule"
        )
        return result
    result.requirements = [
        _requirement(r, room, membership, meeting, sectors, eligibility) for r in rule.all_of
    ]
    result.quorate = all(r.met for r in result.requirements)
    return result
