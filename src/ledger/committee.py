"""Answers about who sits, who came, and whether a meeting could decide anything.

Read-side service behind the application API: membership, meetings, quorum and the
frequency of meetings, from the read models (constitution, membership, meetings,
organisations), evaluated with the domain's own quorum rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ledger.domain.errors import NotFound
from ledger.domain.membership import MembershipState
from ledger.domain.quorum import QuorumResult, evaluate
from ledger.domain.rules import MeetingFrequency, Period, QuorumRule
from ledger.projections import constitution, meetings, membership, organisations

if TYPE_CHECKING:
    from ledger.infra.db import Connection


@dataclass(frozen=True)
class MemberView:
    member: str
    organisation: str | None
    organisation_name: str | None
    category: str
    voting: bool
    counts_for_quorum: bool
    joined: str
    representative: str | None
    substitute: str | None
    offices: list[str]


@dataclass
class MembersReport:
    body: str
    on: str
    members: list[MemberView]
    offices: dict[str, str]


def quorum_rule(
    db: Connection, body: str, day: date, known_at: str
) -> tuple[QuorumRule | None, str | None]:
    """The machine-checked quorum rule in force, and the section that carries it."""
    tor = constitution.tor_on(db, body, day, known_at)
    if tor is None:
        return None, None
    for section in tor.sections:
        for rule in section.rules:
            if isinstance(rule, QuorumRule):
                return rule, section.id
    return None, None


def members_report(db: Connection, body: str, day: date, known_at: str) -> MembersReport:
    state = membership.membership_on(db, body, day, known_at)
    wanted = sorted({s.organisation for s in state.seats if s.organisation})
    names = {o.slug: o.name for o in organisations.organisations_on(db, day, known_at, wanted)}
    holders = {o.office: o.holder for o in state.offices if o.held_on(day)}
    views = []
    for seat in state.seats:
        people = {
            seat.representative.person if seat.representative else None,
            seat.substitute.person if seat.substitute else None,
        } - {None}
        views.append(
            MemberView(
                member=seat.member,
                organisation=seat.organisation,
                organisation_name=names.get(seat.organisation or ""),
                category=seat.category,
                voting=seat.voting,
                counts_for_quorum=seat.counts_for_quorum,
                joined=seat.joined.isoformat(),
                representative=seat.representative.name if seat.representative else None,
                substitute=seat.substitute.name if seat.substitute else None,
                offices=sorted(o for o, h in holders.items() if h.person in people),
            )
        )
    return MembersReport(
        body, day.isoformat(), views, {o: h.name for o, h in sorted(holders.items())}
    )


def quorum(db: Connection, meeting: str, item: str | None, known_at: str) -> QuorumResult:
    state = meetings.meeting_as_known(db, meeting, known_at)
    if state is None:
        raise NotFound(f"unknown meeting '{meeting}' (see 'ledger meetings BODY' for ids)")
    seats: MembershipState = membership.membership_on(db, state.body, state.day, known_at)
    rule, section = quorum_rule(db, state.body, state.day, known_at)
    wanted = sorted({s.organisation for s in seats.seats if s.organisation})
    sectors = {
        o.slug: o.sector for o in organisations.organisations_on(db, state.day, known_at, wanted)
    }
    return evaluate(state, seats, rule, section, sectors, item)


@dataclass(frozen=True)
class MeetingSummary:
    id: str
    date: str
    status: str
    public: bool
    items: int
    present: int
    quorate: bool | None
    minutes_approved_at: str | None


def meeting_list(
    db: Connection, body: str, first: date | None, last: date | None, known_at: str
) -> list[MeetingSummary]:
    found = []
    for state in meetings.meetings_of(db, body, first, last, known_at):
        result = quorum(db, state.meeting, None, known_at)
        found.append(
            MeetingSummary(
                id=state.meeting,
                date=state.day.isoformat(),
                status=state.status,
                public=state.public,
                items=len(state.items),
                present=sum(1 for a in state.attendance if state.present_at(a, None)),
                quorate=result.quorate,
                minutes_approved_at=state.minutes_approved_at,
            )
        )
    return found


@dataclass(frozen=True)
class PeriodCheck:
    period: str
    required: int
    held: int
    met: bool
    rule: str
    section: str


@dataclass
class ComplianceReport:
    body: str
    year: int
    checks: list[PeriodCheck] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    note: str | None = None

    @property
    def compliant(self) -> bool | None:
        return all(c.met for c in self.checks) if self.checks else None


def _periods(year: int, per: Period) -> list[tuple[str, date, date]]:
    if per == Period.YEAR:
        return [(str(year), date(year, 1, 1), date(year, 12, 31))]
    if per == Period.QUARTER:
        bounds = [(1, 3, 31), (4, 6, 30), (7, 9, 30), (10, 12, 31)]
        return [
            (f"{year} Q{i + 1}", date(year, a, 1), date(year, b, d))
            for i, (a, b, d) in enumerate(bounds)
        ]
    months = []
    for month in range(1, 13):
        end = date(year + (month == 12), month % 12 + 1, 1)
        months.append(
            (f"{year}-{month:02d}", date(year, month, 1), date.fromordinal(end.toordinal() - 1))
        )
    return months


def compliance(db: Connection, body: str, year: int, known_at: str) -> ComplianceReport:
    """Meetings held in ``year`` against the meeting-frequency rules in force in each period."""
    held = [
        m
        for m in meetings.meetings_of(db, body, date(year, 1, 1), date(year, 12, 31), known_at)
        if m.status == "held"
    ]
    report = ComplianceReport(body, year, held=[m.meeting for m in held])
    for per in Period:
        for label, start, end in _periods(year, per):
            tor = constitution.tor_on(db, body, start, known_at) or constitution.tor_on(
                db, body, end, known_at
            )
            if tor is None:
                continue
            for section in tor.sections:
                for rule in section.rules:
                    if not isinstance(rule, MeetingFrequency) or rule.per != per:
                        continue
                    count = sum(
                        1 for m in held if start <= m.day <= end and (m.public or not rule.public)
                    )
                    report.checks.append(
                        PeriodCheck(
                            label,
                            rule.at_least,
                            count,
                            count >= rule.at_least,
                            rule.describe(),
                            section.id,
                        )
                    )
    if not report.checks:
        report.note = f"no machine-checked meeting-frequency rule was in force for {body} in {year}"
    return report
