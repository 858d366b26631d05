"""The budget position of a fund on a date, over time, and its allocations.

Every answer comes from the budget read model (``projections/budget.py``) as known at
one moment, and every allocation is shown with the decisions that approved or changed
it, checked as known at that same moment (``queries/authority.py``): a decision later
corrected to lost, retracted, or found not validly made is flagged on the allocation.
Amounts are ``Amount``s: pence, and the same as text (``£39,661.00``).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ledger.domain.errors import NotFound, ValidationError
from ledger.domain.fund import AllocationState, FundInfo, FundPosition, YearPosition
from ledger.domain.money import Amount, year_problem, year_style
from ledger.projections import budget
from ledger.queries.authority import AuthorityCheck, check_decisions

if TYPE_CHECKING:
    from ledger.infra.db import Connection

EVERY = ("day", "week", "month", "quarter")


@dataclass(frozen=True)
class YearReport:
    """A financial year's money on a date (``year`` is ``total`` for the sum of years)."""

    year: str
    received: Amount
    reduced: Amount
    allocated: Amount
    spent: Amount
    returned: Amount
    carried_in: Amount
    carried_forward: Amount
    available: Amount


@dataclass(frozen=True)
class AllocationReport:
    allocation: str
    year: str
    recipient: str
    recipient_organisation: str | None  # a registered organisation's slug, if named
    title: str
    awarded: Amount
    spent: Amount
    balance: Amount
    made: str
    withdrawn: str | None
    decisions: list[AuthorityCheck]
    authority_good: bool  # every decision behind it carried and validly made, as known


@dataclass(frozen=True)
class NoteReport:
    """A paper's stated total that differs from the sum of its rows, kept as stated."""

    date: str
    year: str
    what: str
    stated: Amount
    counted: Amount
    difference: Amount
    note: str | None


@dataclass
class FundReport:
    """A fund: who manages it, who funds it, and its rules."""

    fund: str
    name: str
    body: str
    created: str
    currency: str
    funders: list[str]
    reference: str | None
    years_run: str  # e.g. April to March
    carry_forward: bool
    year_starts: int  # the month its years start (4: April)
    grant_maker: str | None  # the organisation that makes its grants, if named


@dataclass
class BudgetReport:
    """The position of a fund on a date, as known at a moment: per year and in total."""

    fund: FundReport
    on: str
    years: list[YearReport]
    total: YearReport
    allocations: list[AllocationReport] = field(default_factory=list)
    notes: list[NoteReport] = field(default_factory=list)


@dataclass
class FundSummary:
    """One line of ``ledger funds``: the fund and its totals on a date."""

    fund: FundReport
    on: str
    total: YearReport


@dataclass
class BudgetPoint:
    on: str
    position: YearReport


@dataclass
class BudgetSeries:
    """The position at each of a run of dates (every month, say): for a chart."""

    fund: FundReport
    year: str | None
    every: str
    points: list[BudgetPoint]


def _fund_report(info: FundInfo) -> FundReport:
    return FundReport(
        info.fund,
        info.name,
        info.body,
        info.created.isoformat(),
        "GBP",
        list(info.funders),
        info.reference,
        year_style(info.year_starts),
        info.carry_forward,
        info.year_starts,
        info.grant_maker,
    )


def year_report(label: str, years: Sequence[YearPosition]) -> YearReport:
    """The totals of these years' positions, under ``label`` (a year, or ``total``)."""

    def total(name: str) -> Amount:
        return Amount.of(sum(getattr(y, name) for y in years))

    return YearReport(
        label,
        total("received"),
        total("reduced"),
        total("allocated"),
        total("spent"),
        total("returned"),
        total("carried_in"),
        total("carried_out"),
        total("available"),
    )


def _allocation_report(a: AllocationState, checks: dict[str, AuthorityCheck]) -> AllocationReport:
    cited = [checks[d] for d in dict.fromkeys(a.decisions)]
    return AllocationReport(
        a.allocation,
        a.year,
        a.recipient,
        a.recipient_organisation,
        a.title,
        Amount.of(a.awarded),
        Amount.of(a.spent),
        Amount.of(a.balance),
        a.made.isoformat(),
        a.withdrawn.isoformat() if a.withdrawn else None,
        cited,
        all(c.valid for c in cited),
    )


def _info(db: Connection, fund: str, known_at: str) -> FundInfo:
    info = budget.fund_as_known(db, fund, known_at)
    if info is None:
        raise NotFound(f"fund: unknown fund '{fund}' (see 'ledger funds')")
    return info


def _check_year(info: FundInfo, year: str | None) -> None:
    if year is None:
        return
    problem = year_problem(year, info.year_starts)
    if problem is not None:
        raise ValidationError(f"--year: {info.fund}: {problem}")


def _position(db: Connection, info: FundInfo, on: date, known_at: str) -> FundPosition:
    found = budget.position_on(db, info.fund, on, known_at, info)
    return found if found is not None else FundPosition(info, (), (), ())


def budget_report(
    db: Connection, fund: str, on: date, known_at: str, year: str | None = None
) -> BudgetReport:
    """The fund's position on ``on`` as known at ``known_at``, every year or one."""
    info = _info(db, fund, known_at)
    _check_year(info, year)
    position = _position(db, info, on, known_at)
    years = [y for y in position.years if year is None or y.year == year]
    allocations = [a for a in position.allocations if year is None or a.year == year]
    checks = check_decisions(db, (d for a in allocations for d in a.decisions), known_at)
    return BudgetReport(
        _fund_report(info),
        on.isoformat(),
        [year_report(y.year, [y]) for y in years],
        year_report(year or "total", years),
        [_allocation_report(a, checks) for a in allocations],
        [
            NoteReport(
                n.day.isoformat(),
                n.year,
                n.what,
                Amount.of(n.stated),
                Amount.of(n.counted),
                Amount.of(n.difference),
                n.note,
            )
            for n in position.notes
            if year is None or n.year == year
        ],
    )


def _dates(first: date, last: date, every: str) -> list[date]:
    if every not in EVERY:
        raise ValidationError(f"--every: '{every}' is not one of {', '.join(EVERY)}")
    if last < first:
        raise ValidationError(f"--to {last} is before --from {first}")
    found: list[date] = []
    step = 0
    while True:
        if every in ("day", "week"):
            day = first + timedelta(days=step * (7 if every == "week" else 1))
        else:
            months = first.month - 1 + step * (3 if every == "quarter" else 1)
            y, m = first.year + months // 12, months % 12 + 1
            day = date(y, m, min(first.day, calendar.monthrange(y, m)[1]))
        if day > last:
            return found
        found.append(day)
        step += 1
        if len(found) > 1000:
            raise ValidationError("--from to --to: more than 1,000 dates; choose a longer step")


def budget_series(
    db: Connection,
    fund: str,
    first: date,
    last: date,
    every: str,
    known_at: str,
    year: str | None = None,
) -> BudgetSeries:
    """The fund's position (in total, or for one year) at each date from ``first`` to
    ``last``, every day, week, month or quarter, as known at ``known_at``."""
    info = _info(db, fund, known_at)
    _check_year(info, year)
    points = []
    for day in _dates(first, last, every):
        years = [y for y in _position(db, info, day, known_at).years if year in (None, y.year)]
        points.append(BudgetPoint(day.isoformat(), year_report(year or "total", years)))
    return BudgetSeries(_fund_report(info), year, every, points)


def fund_list(db: Connection, body: str | None, on: date, known_at: str) -> list[FundSummary]:
    """Every fund (managed by ``body``, or all) with its totals on ``on``."""
    return [
        FundSummary(
            _fund_report(info),
            on.isoformat(),
            year_report("total", list(_position(db, info, on, known_at).years)),
        )
        for info in budget.funds_of(db, body, known_at)
    ]


def allocation_list(
    db: Connection,
    fund: str,
    on: date,
    known_at: str,
    year: str | None = None,
    recipient: str | None = None,
) -> list[AllocationReport]:
    """The fund's allocations on ``on`` (of one year; to recipients whose name holds
    ``recipient``, in any case), each with its balance and its decisions checked."""
    info = _info(db, fund, known_at)
    _check_year(info, year)
    wanted = recipient.casefold() if recipient else None
    found = [
        a
        for a in _position(db, info, on, known_at).allocations
        if (year is None or a.year == year) and (wanted is None or wanted in a.recipient.casefold())
    ]
    checks = check_decisions(db, (d for a in found for d in a.decisions), known_at)
    return [_allocation_report(a, checks) for a in found]
