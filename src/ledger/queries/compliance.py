"""Meetings held in a year against the terms of reference's meeting-frequency rules."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ledger.domain.rule_kinds import MeetingFrequency, Period
from ledger.projections import constitution, meetings

if TYPE_CHECKING:
    from ledger.infra.db import Connection


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
    return [
        (f"{year}-{month:02d}", date(year, month, 1), date(year, month, monthrange(year, month)[1]))
        for month in range(1, 13)
    ]


def compliance_report(db: Connection, body: str, year: int, known_at: str) -> ComplianceReport:
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
