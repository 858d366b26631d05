"""Funds: money a body manages, by financial year, and the allocations made from it.

A fund is one aggregate (``fund:<slug>``) holding everything that happens to its money:
income received (and reduced, or clawed back), allocations to projects (varied,
withdrawn, moved between by virement), spend against them, underspend returned to the
funder, and money carried forward into the next year where the funder allows it.
Amounts are whole pence (``domain/money.py``).

The fold walks the fund's in-force events in effective order, one day at a time, and
keeps for each financial year what was received, reduced, allocated, spent, returned
and carried, and for each allocation what was awarded and spent.  What is available
in a year is received - reduced - allocated - returned - carried out + carried in; an
allocation's balance is awarded - spent.  Neither may ever be below zero on any date:
``domain/fund_checks.py`` holds every write to that, backdated ones and corrections
included.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import Field

from ledger.domain.errors import EntryViolation
from ledger.domain.events import LedgerEvent
from ledger.domain.history import register_checker
from ledger.domain.ids import aggregate_id
from ledger.domain.money import (
    FinancialYear,
    Pence,
    format_pence,
    next_year,
    parse_pence,
    year_bounds,
    year_problem,
)
from ledger.domain.types import Flag, Name, Reason, Slug, Title, Whole, omitted_when_empty


def fund_id(slug: str) -> UUID:
    """The aggregate id of the fund known by ``slug``."""
    return aggregate_id("fund", slug)


# --- events -----------------------------------------------------------------------


class FundEvent(LedgerEvent):
    """An event of a fund; ``fund`` is its slug, the envelope's ``body`` its manager."""

    MONEY: ClassVar[tuple[str, ...]] = ()
    fund: Slug

    @classmethod
    def read_changes(cls, changes: Mapping[str, Any]) -> dict[str, Any]:
        # A correction gives an amount as a clerk types one (pounds, or text).
        return {k: parse_pence(v) if k in cls.MONEY else v for k, v in changes.items()}


class FundCreated(FundEvent):
    TOPIC: ClassVar[str] = "fund.created/v1"
    name: Name
    currency: Literal["GBP"] = "GBP"
    year_starts: Whole = Field(default=4, ge=1, le=12)
    funders: list[Name] = Field(min_length=1, max_length=20)
    reference: Title | None = None
    carry_forward: Flag = False
    # The organisation that makes the grants (360Giving's funding organisation).
    grant_maker: Slug | None = omitted_when_empty(default=None)

    def describe(self) -> str:
        return f"fund {self.fund} '{self.name}' managed by {self.body}"


class IncomeReceived(FundEvent):
    TOPIC: ClassVar[str] = "fund.income-received/v1"
    MONEY: ClassVar[tuple[str, ...]] = ("amount",)
    year: FinancialYear
    source: Name
    amount: Pence
    reference: Title | None = None

    def describe(self) -> str:
        return f"income of {format_pence(self.amount)} from {self.source} for {self.year}"


class IncomeReduced(FundEvent):
    TOPIC: ClassVar[str] = "fund.income-reduced/v1"
    MONEY: ClassVar[tuple[str, ...]] = ("amount",)
    year: FinancialYear
    amount: Pence
    clawback: Flag = False
    reason: Reason

    def describe(self) -> str:
        what = "clawback" if self.clawback else "income reduction"
        return f"{what} of {format_pence(self.amount)} for {self.year}"


class Allocated(FundEvent):
    TOPIC: ClassVar[str] = "fund.allocated/v1"
    MONEY: ClassVar[tuple[str, ...]] = ("amount",)
    allocation: Slug
    year: FinancialYear
    recipient: Name
    title: Title
    amount: Pence
    # The registered organisation that receives it, beside the paper's free-text name.
    recipient_organisation: Slug | None = omitted_when_empty(default=None)

    def describe(self) -> str:
        return f"allocation of {format_pence(self.amount)} to {self.recipient} ({self.allocation})"


class AllocationVaried(FundEvent):
    TOPIC: ClassVar[str] = "fund.allocation-varied/v1"
    MONEY: ClassVar[tuple[str, ...]] = ("amount",)
    allocation: Slug
    amount: Pence  # the allocation's new amount
    reason: Reason | None = None

    def describe(self) -> str:
        return f"variation of {self.allocation} to {format_pence(self.amount)}"


class AllocationWithdrawn(FundEvent):
    TOPIC: ClassVar[str] = "fund.allocation-withdrawn/v1"
    allocation: Slug
    reason: Reason | None = None

    def describe(self) -> str:
        return f"withdrawal of {self.allocation}"


class Spent(FundEvent):
    TOPIC: ClassVar[str] = "fund.spent/v1"
    MONEY: ClassVar[tuple[str, ...]] = ("amount",)
    allocation: Slug
    amount: Pence
    kind: Literal["payment", "claim"] = "payment"
    reference: Title | None = None

    def describe(self) -> str:
        return f"{self.kind} of {format_pence(self.amount)} against {self.allocation}"


class UnderspendReturned(FundEvent):
    TOPIC: ClassVar[str] = "fund.returned/v1"
    MONEY: ClassVar[tuple[str, ...]] = ("amount",)
    year: FinancialYear
    amount: Pence
    reason: Reason | None = None

    def describe(self) -> str:
        return f"return of {format_pence(self.amount)} of {self.year} to the funder"


class Vired(FundEvent):
    TOPIC: ClassVar[str] = "fund.vired/v1"
    MONEY: ClassVar[tuple[str, ...]] = ("amount",)
    from_allocation: Slug
    to_allocation: Slug
    amount: Pence

    def describe(self) -> str:
        return (
            f"virement of {format_pence(self.amount)} from {self.from_allocation} "
            f"to {self.to_allocation}"
        )


class CarriedForward(FundEvent):
    TOPIC: ClassVar[str] = "fund.carried-forward/v1"
    MONEY: ClassVar[tuple[str, ...]] = ("amount",)
    year: FinancialYear
    to_year: FinancialYear
    amount: Pence

    def describe(self) -> str:
        return f"carry-forward of {format_pence(self.amount)} from {self.year} to {self.to_year}"


class TotalNoted(FundEvent):
    """A paper's stated total that differs from the sum of its rows, accepted as stated."""

    TOPIC: ClassVar[str] = "fund.total-noted/v1"
    MONEY: ClassVar[tuple[str, ...]] = ("stated", "counted")
    year: FinancialYear
    what: Literal["income", "allocations"]
    stated: Pence
    counted: Pence
    note: Reason | None = None

    def describe(self) -> str:
        return (
            f"stated total of {self.what} for {self.year} {format_pence(self.stated)}, "
            f"the rows add up to {format_pence(self.counted)}"
        )


EVENTS: tuple[type[FundEvent], ...] = (
    FundCreated,
    IncomeReceived,
    IncomeReduced,
    Allocated,
    AllocationVaried,
    AllocationWithdrawn,
    Spent,
    UnderspendReturned,
    Vired,
    CarriedForward,
    TotalNoted,
)


# --- state ------------------------------------------------------------------------


@dataclass(frozen=True)
class FundInfo:
    fund: str
    name: str
    body: str
    created: date
    year_starts: int
    funders: tuple[str, ...]
    reference: str | None
    carry_forward: bool
    grant_maker: str | None = None  # an organisation's slug


@dataclass(frozen=True)
class YearPosition:
    """A financial year's money on a date; ``available`` is what may still be allocated."""

    year: str
    received: int = 0
    reduced: int = 0
    allocated: int = 0
    spent: int = 0
    returned: int = 0
    carried_in: int = 0
    carried_out: int = 0

    @property
    def available(self) -> int:
        return (
            self.received
            - self.reduced
            - self.allocated
            - self.returned
            - self.carried_out
            + self.carried_in
        )


@dataclass(frozen=True)
class AllocationState:
    allocation: str
    year: str
    recipient: str
    title: str
    awarded: int
    spent: int
    made: date
    withdrawn: date | None
    decisions: tuple[str, ...]  # every decision that approved or changed it, in order
    recipient_organisation: str | None = None  # an organisation's slug

    @property
    def balance(self) -> int:
        return self.awarded - self.spent


@dataclass(frozen=True)
class Note:
    """A stated total kept beside the rows it disagrees with."""

    day: date
    year: str
    what: str
    stated: int
    counted: int
    note: str | None

    @property
    def difference(self) -> int:
        return self.stated - self.counted


@dataclass(frozen=True)
class FundPosition:
    """A fund on a date: its years, its allocations and its notes."""

    info: FundInfo
    years: tuple[YearPosition, ...]
    allocations: tuple[AllocationState, ...]
    notes: tuple[Note, ...]

    def year(self, label: str) -> YearPosition:
        return next((y for y in self.years if y.year == label), YearPosition(label))


Key = tuple[str, str]  # ("year", "2024/25") or ("allocation", "kcsp-csf-2024-01")


@dataclass
class _Year:
    received: int = 0
    reduced: int = 0
    allocated: int = 0
    spent: int = 0
    returned: int = 0
    carried_in: int = 0
    carried_out: int = 0


@dataclass
class _Allocation:
    year: str
    recipient: str
    title: str
    awarded: int
    made: date
    spent: int = 0
    withdrawn: date | None = None
    decisions: list[str] = field(default_factory=list)
    recipient_organisation: str | None = None


class Books:
    """The fund's running totals, as the fold leaves them after each event."""

    def __init__(self) -> None:
        self.info: FundInfo | None = None
        self.years: dict[str, _Year] = {}
        self.allocations: dict[str, _Allocation] = {}
        self.notes: list[Note] = []

    def available(self, year: str) -> int:
        y = self.years.get(year, _Year())
        return y.received - y.reduced - y.allocated - y.returned - y.carried_out + y.carried_in

    def balance(self, allocation: str) -> int:
        a = self.allocations[allocation]
        return a.awarded - a.spent

    def position(self) -> FundPosition:
        assert self.info is not None
        return FundPosition(
            self.info,
            tuple(YearPosition(label, **vars(y)) for label, y in sorted(self.years.items())),
            tuple(
                AllocationState(
                    slug,
                    a.year,
                    a.recipient,
                    a.title,
                    a.awarded,
                    a.spent,
                    a.made,
                    a.withdrawn,
                    tuple(a.decisions),
                    a.recipient_organisation,
                )
                for slug, a in sorted(self.allocations.items())
            ),
            tuple(sorted(self.notes, key=lambda n: (n.day, n.year))),
        )

    # One step of the fold: what the event changes, and the balances it touched.
    def apply(self, event: LedgerEvent) -> set[Key]:
        try:
            return self._apply(event)
        except ValueError as exc:  # EntryViolation included: it names the event
            raise EntryViolation(str(exc), event.event_id) from None

    def _year(self, label: str) -> _Year:
        assert self.info is not None
        problem = year_problem(label, self.info.year_starts)
        if problem is not None:
            raise ValueError(f"{self.info.fund}: {problem}")
        return self.years.setdefault(label, _Year())

    def _allocation(self, slug: str, day: date) -> _Allocation:
        assert self.info is not None
        found = self.allocations.get(slug)
        if found is None:
            raise ValueError(f"{self.info.fund} has no allocation '{slug}' on {day}")
        if found.withdrawn is not None:
            raise ValueError(f"allocation {slug} was withdrawn on {found.withdrawn}")
        return found

    def _apply(self, event: LedgerEvent) -> set[Key]:
        day, fund = event.effective, getattr(event, "fund", "?")
        if isinstance(event, FundCreated):
            if self.info is not None:
                raise ValueError(f"fund {fund} is already created (on {self.info.created})")
            assert event.body is not None
            self.info = FundInfo(
                fund,
                event.name,
                event.body,
                day,
                event.year_starts,
                tuple(event.funders),
                event.reference,
                event.carry_forward,
                event.grant_maker,
            )
            return set()
        if self.info is None:
            raise ValueError(f"fund {fund} is not created by {day}")
        for name in event.MONEY if isinstance(event, FundEvent) else ():
            if name != "counted" and getattr(event, name) <= 0:
                raise ValueError(f"{name}: must be more than £0.00")
        if isinstance(event, IncomeReceived):
            self._year(event.year).received += event.amount
            return {("year", event.year)}
        if isinstance(event, IncomeReduced):
            self._year(event.year).reduced += event.amount
            return {("year", event.year)}
        if isinstance(event, UnderspendReturned):
            self._year(event.year).returned += event.amount
            return {("year", event.year)}
        if isinstance(event, Allocated):
            return self._allocated(event)
        if isinstance(event, AllocationVaried):
            a = self._allocation(event.allocation, day)
            if event.amount == a.awarded:
                raise ValueError(
                    f"allocation {event.allocation} is already {format_pence(a.awarded)}"
                )
            self._year(a.year).allocated += event.amount - a.awarded
            a.awarded = event.amount
            a.decisions.extend(_decision(event))
            return {("year", a.year), ("allocation", event.allocation)}
        if isinstance(event, AllocationWithdrawn):
            a = self._allocation(event.allocation, day)
            self._year(a.year).allocated -= a.awarded - a.spent  # the unspent is released
            a.awarded, a.withdrawn = a.spent, day
            return {("year", a.year), ("allocation", event.allocation)}
        if isinstance(event, Spent):
            a = self._allocation(event.allocation, day)
            a.spent += event.amount
            self._year(a.year).spent += event.amount
            return {("allocation", event.allocation)}
        if isinstance(event, Vired):
            return self._vired(event)
        if isinstance(event, CarriedForward):
            return self._carried(event)
        if isinstance(event, TotalNoted):
            self._year(event.year)
            self.notes.append(
                Note(day, event.year, event.what, event.stated, event.counted, event.note)
            )
            return set()
        raise ValueError(f"{event.TOPIC} does not apply to a fund")

    def _allocated(self, event: Allocated) -> set[Key]:
        existing = self.allocations.get(event.allocation)
        if existing is not None:
            raise ValueError(f"allocation {event.allocation} is already made (on {existing.made})")
        self._year(event.year).allocated += event.amount
        self.allocations[event.allocation] = _Allocation(
            event.year,
            event.recipient,
            event.title,
            event.amount,
            event.effective,
            decisions=_decision(event),
            recipient_organisation=event.recipient_organisation,
        )
        return {("year", event.year), ("allocation", event.allocation)}

    def _vired(self, event: Vired) -> set[Key]:
        if event.from_allocation == event.to_allocation:
            raise ValueError("a virement moves money between two different allocations")
        source = self._allocation(event.from_allocation, event.effective)
        target = self._allocation(event.to_allocation, event.effective)
        if source.year != target.year:
            raise ValueError(
                f"a virement moves money within one financial year: {event.from_allocation} "
                f"is of {source.year}, {event.to_allocation} of {target.year} "
                "(carry the money forward first)"
            )
        source.awarded -= event.amount
        target.awarded += event.amount
        for a in (source, target):
            a.decisions.extend(_decision(event))
        return {("allocation", event.from_allocation), ("allocation", event.to_allocation)}

    def _carried(self, event: CarriedForward) -> set[Key]:
        assert self.info is not None
        if not self.info.carry_forward:
            raise ValueError(
                f"{self.info.fund}: its funder does not allow carry-forward (the fund's rule); "
                "return the underspend instead (ledger fund return)"
            )
        if event.to_year != next_year(event.year):
            raise ValueError(
                f"to_year: money is carried from {event.year} into {next_year(event.year)}, "
                f"not {event.to_year}"
            )
        last = year_bounds(event.year, self.info.year_starts)[1]
        earliest = last.replace(day=1)
        if event.effective < earliest:
            raise ValueError(
                f"money is carried forward from {event.year} at its end: on or after "
                f"{earliest}, not {event.effective}"
            )
        self._year(event.year).carried_out += event.amount
        self._year(event.to_year).carried_in += event.amount
        return {("year", event.year)}


def _decision(event: LedgerEvent) -> list[str]:
    cited = event.authority.decision if event.authority is not None else None
    return [cited] if cited else []


def by_day(events: Sequence[LedgerEvent]) -> Iterator[tuple[date, Books, set[Key]]]:
    """Fold in-force events one effective date at a time: after each date's events, the
    books and the balances that date's events touched (the same ``Books``, updated)."""
    books = Books()
    touched: set[Key] = set()
    for index, event in enumerate(events):
        touched |= books.apply(event)
        if index + 1 == len(events) or events[index + 1].effective != event.effective:
            yield event.effective, books, touched
            touched = set()


def position_on(events: Sequence[LedgerEvent], day: date) -> FundPosition | None:
    """The fund on ``day`` from its in-force events (None before it was created)."""
    found: FundPosition | None = None
    for effective, books, _ in by_day(events):
        if effective > day:
            break
        found = books.position()
    return found


def timeline(events: Sequence[LedgerEvent]) -> list[tuple[date, FundPosition]]:
    """The fund from each effective date on which something changed."""
    return [(day, books.position()) for day, books, _ in by_day(events)]


@dataclass(frozen=True)
class Shortfall:
    """A balance below zero on a date: a year's available money, or an allocation's."""

    key: Key
    day: date
    balance: int


def shortfalls(events: Sequence[LedgerEvent]) -> list[Shortfall]:
    """Every (balance, date) at which the in-force events leave money below zero."""
    found: list[Shortfall] = []
    for day, books, touched in by_day(events):
        for kind, name in sorted(touched):
            balance = books.available(name) if kind == "year" else books.balance(name)
            if balance < 0:
                found.append(Shortfall((kind, name), day, balance))
    return found


def check_history(events: Sequence[LedgerEvent]) -> None:
    """Raise RuleViolation if the in-force events do not make a coherent fund."""
    for _ in by_day(events):
        pass


register_checker("fund.", check_history)
