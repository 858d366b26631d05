"""Was this meeting, or this agenda item, quorate, and why?

Evaluates the quorum rule in force on the meeting's date against the membership on
that date and the attendance at the item.  Seats are counted, not heads: a member's
representative, or their substitute standing in, counts once for the seat.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from ledger.domain.meeting import Attendance, MeetingState, Status
from ledger.domain.membership import MembershipState, Seat
from ledger.domain.rules import (
    AnyOf,
    Counted,
    FractionPresent,
    MinimumPresent,
    OfficeHolderPresent,
    QuorumRule,
)

DEPUTIES = {"chair": "vice-chair"}


@dataclass(frozen=True)
class CountedPerson:
    person: str
    name: str
    member: str
    organisation: str | None
    category: str
    capacity: str  # "representative" | "substitute for X"


@dataclass(frozen=True)
class NotCounted:
    person: str
    name: str
    reason: str


@dataclass(frozen=True)
class RequirementResult:
    requirement: str
    met: bool
    have: int
    need: int


@dataclass
class QuorumResult:
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


def _seat_for(record: Attendance, membership: MembershipState) -> Seat | None:
    if record.status == Status.SUBSTITUTE and record.substitute_for:
        return membership.seat(record.substitute_for)
    if record.member:
        return membership.seat(record.member)
    return membership.seat_of(record.person)


def _assess(
    meeting: MeetingState, membership: MembershipState, item: str | None
) -> tuple[list[CountedPerson], list[NotCounted], set[str]]:
    withdrawn = {
        i.person for i in meeting.interests if item is not None and i.item == item and i.withdrew
    }
    counted: list[CountedPerson] = []
    not_counted: list[NotCounted] = []
    in_room: set[str] = set()
    seats_taken: dict[str, str] = {}
    where = f"item {item}" if item else "the start"
    for record in sorted(meeting.attendance, key=lambda a: a.name):
        if not meeting.present_at(record, item):
            reason = (
                record.status
                if record.status not in ("present", "substitute")
                else (f"not in the room at {where}")
            )
            not_counted.append(NotCounted(record.person, record.name, reason))
            continue
        if record.person in withdrawn:
            not_counted.append(
                NotCounted(record.person, record.name, f"withdrawn for an interest in item {item}")
            )
            continue
        in_room.add(record.person)
        if record.status == Status.IN_ATTENDANCE:
            not_counted.append(
                NotCounted(record.person, record.name, "in attendance, not a member")
            )
            continue
        seat = _seat_for(record, membership)
        if seat is None:
            whom = record.substitute_for or record.member or record.name
            not_counted.append(
                NotCounted(record.person, record.name, f"{whom} is not a member on {meeting.day}")
            )
            continue
        capacity = "representative"
        if record.status == Status.SUBSTITUTE:
            named = seat.substitute
            if named is not None and named.person != record.person:
                not_counted.append(
                    NotCounted(
                        record.person,
                        record.name,
                        f"not the named substitute for {seat.member} ({named.name} is)",
                    )
                )
                continue
            capacity = f"substitute for {seat.member}"
        if not seat.voting:
            not_counted.append(
                NotCounted(record.person, record.name, f"{seat.member} is non-voting")
            )
            continue
        if not seat.counts_for_quorum:
            not_counted.append(
                NotCounted(
                    record.person, record.name, f"{seat.member} does not count towards quorum"
                )
            )
            continue
        if seat.member in seats_taken:
            not_counted.append(
                NotCounted(
                    record.person,
                    record.name,
                    f"{seat.member}'s seat is already counted ({seats_taken[seat.member]})",
                )
            )
            continue
        seats_taken[seat.member] = record.name
        counted.append(
            CountedPerson(
                record.person, record.name, seat.member, seat.organisation, seat.category, capacity
            )
        )
    return counted, not_counted, in_room


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


def _requirement(
    req: MinimumPresent | FractionPresent | OfficeHolderPresent | AnyOf,
    counted: list[CountedPerson],
    in_room: set[str],
    membership: MembershipState,
    meeting: MeetingState,
    sectors: Mapping[str, str],
) -> RequirementResult:
    if isinstance(req, MinimumPresent):
        have = _count(
            [c for c in counted if _matches(c, req.category, req.sector, sectors)], req.of
        )
        return RequirementResult(req.describe(), have >= req.at_least, have, req.at_least)
    if isinstance(req, FractionPresent):
        eligible = [
            CountedPerson("", "", s.member, s.organisation, s.category, "")
            for s in membership.seats
            if s.voting and s.counts_for_quorum and _matches(s, req.category, None, sectors)
        ]
        need = max(1, math.ceil(_count(eligible, req.of) * req.numerator / req.denominator))
        have = _count([c for c in counted if _matches(c, req.category, None, sectors)], req.of)
        return RequirementResult(req.describe(), have >= need, have, need)
    if isinstance(req, OfficeHolderPresent):
        offices = [req.office] + (
            [DEPUTIES[req.office]] if req.or_deputy and req.office in DEPUTIES else []
        )
        holders = [membership.office_holder(o, meeting.day) for o in offices]
        present = sum(1 for h in holders if h is not None and h.person in in_room)
        return RequirementResult(req.describe(), present >= 1, min(present, 1), 1)
    options = [_requirement(o, counted, in_room, membership, meeting, sectors) for o in req.options]
    met = any(o.met for o in options)
    return RequirementResult(req.describe(), met, sum(o.met for o in options), 1)


def evaluate(
    meeting: MeetingState,
    membership: MembershipState,
    rule: QuorumRule | None,
    rule_section: str | None,
    sectors: Mapping[str, str],
    item: str | None = None,
) -> QuorumResult:
    """The quorum of ``meeting`` at ``item`` (None: at the start) under ``rule``."""
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
    if meeting.status == "cancelled":
        result.note = "the meeting was cancelled"
        return result
    counted, not_counted, in_room = _assess(meeting, membership, item)
    result.counted, result.not_counted = counted, not_counted
    if rule is None:
        result.note = (
            f"the terms of reference in force on {meeting.day} state no machine-checked quorum rule"
        )
        return result
    result.requirements = [
        _requirement(r, counted, in_room, membership, meeting, sectors) for r in rule.all_of
    ]
    result.quorate = all(r.met for r in result.requirements)
    return result
