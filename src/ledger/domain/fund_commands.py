"""What a clerk records about a fund: the commands (import entries) and their handlers.

Each handler only shapes events: whether the books still balance on every date, and
whether a decision cited may move the money, is judged at the end of the write on the
events themselves (``domain/fund_checks.py``), so a correction or a retraction is held
to exactly what first recording was.  Entries that carry several rows (allocations
approved by one paper, a grant letter in parts) may state the paper's total: a total
that differs from the sum of the rows is refused with both figures, unless the entry
says ``accept_difference: true``; then the difference is kept as a note.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from ledger.domain.body import body_id, state_on
from ledger.domain.commands import Command, Context, EffectiveCommand
from ledger.domain.errors import NotFound, RuleViolation
from ledger.domain.events import LedgerEvent
from ledger.domain.fund import (
    Allocated,
    AllocationVaried,
    AllocationWithdrawn,
    CarriedForward,
    FundCreated,
    IncomeReceived,
    IncomeReduced,
    Spent,
    TotalNoted,
    UnderspendReturned,
    Vired,
    fund_id,
)
from ledger.domain.history import History
from ledger.domain.money import FinancialYear, Money, format_pence, next_year
from ledger.domain.types import Flag, Name, Reason, Slug, StrictInput, Title


def _positive(pence: int) -> int:
    if pence == 0:
        raise ValueError("must be more than £0.00")
    return pence


Amount = Annotated[Money, AfterValidator(_positive)]
"""An amount of money more than nothing, as typed (a whole number is pounds)."""


class FundCommand(EffectiveCommand):
    fund: Slug = Field(description="The fund's short id, e.g. kcsp-csf.")


class CreateFund(FundCommand):
    """Create a fund managed by a body, in GBP, with its funders and its rules."""

    type: Literal["create-fund"] = "create-fund"
    name: Name
    body: Slug = Field(description="The body that manages the fund, e.g. kcsp-wg.")
    funders: list[Name] = Field(min_length=1, max_length=20, description="Who provides it.")
    reference: Title | None = Field(default=None, description="E.g. the grant offer letter.")
    year_starts: int = Field(
        default=4, ge=1, le=12, strict=True, description="The month its financial year starts."
    )
    carry_forward: Flag = Field(
        default=False, description="The funder allows money to be carried into the next year."
    )
    grant_maker: Slug | None = Field(
        default=None,
        description=(
            "The registered organisation that makes its grants (their funding organisation "
            "in a 360Giving export), e.g. kcc; without it, the managing body."
        ),
    )


class IncomePart(StrictInput):
    source: Name
    amount: Amount
    reference: Title | None = None


class ReceiveIncome(FundCommand):
    """Record income received for a financial year (one amount, or a letter's parts)."""

    type: Literal["receive-income"] = "receive-income"
    year: FinancialYear
    source: Name | None = Field(default=None, description="Who it came from (one amount).")
    amount: Amount | None = Field(default=None, description="The amount (with source).")
    parts: list[IncomePart] = Field(
        default_factory=list, max_length=500, description="Or the letter's parts, each one."
    )
    reference: Title | None = Field(default=None, description="E.g. the grant offer letter.")
    stated_total: Money | None = Field(default=None, description="The letter's total.")
    accept_difference: Flag = False

    @property
    def rows(self) -> list[IncomePart]:
        if self.parts:
            return list(self.parts)
        assert self.source is not None
        assert self.amount is not None
        return [IncomePart(source=self.source, amount=format_pence(self.amount))]

    @model_validator(mode="after")
    def _total(self) -> ReceiveIncome:
        single = (self.source, self.amount)
        if self.parts and any(v is not None for v in single):
            raise ValueError("give source and amount, or parts, not both")
        if not self.parts and None in single:
            raise ValueError("give source and amount (or parts)")
        _stated(self.stated_total, sum(p.amount for p in self.rows), self, "income parts")
        return self


class ReduceIncome(FundCommand):
    """Record income reduced, or clawed back by the funder."""

    type: Literal["reduce-income"] = "reduce-income"
    year: FinancialYear
    amount: Amount
    reason: Reason
    clawback: Flag = False


RECIPIENT_ORGANISATION = (
    "The registered organisation that receives it (its short id, e.g. kent-police), "
    "when there is one: the grants export identifies the recipient by it."
)


class AllocationRow(StrictInput):
    allocation: Slug = Field(description="A short id, e.g. kcsp-csf-2024-01.")
    recipient: Name = Field(description="The organisation that receives it.")
    title: Title = Field(description="The project's title.")
    amount: Amount
    recipient_organisation: Slug | None = Field(default=None, description=RECIPIENT_ORGANISATION)


class AllocateFunds(FundCommand):
    """Allocate money of a financial year to projects, on the authority of a decision."""

    type: Literal["allocate-funds"] = "allocate-funds"
    year: FinancialYear
    allocation: Slug | None = Field(default=None, description="One allocation's short id.")
    recipient: Name | None = Field(default=None, description="Its recipient organisation.")
    title: Title | None = Field(default=None, description="Its project's title.")
    amount: Amount | None = Field(default=None, description="Its amount.")
    recipient_organisation: Slug | None = Field(default=None, description=RECIPIENT_ORGANISATION)
    allocations: list[AllocationRow] = Field(
        default_factory=list, max_length=500, description="Or several, each a row."
    )
    stated_total: Money | None = Field(default=None, description="The paper's total allocated.")
    accept_difference: Flag = False

    @property
    def rows(self) -> list[AllocationRow]:
        if self.allocations:
            return list(self.allocations)
        assert self.allocation
        assert self.recipient
        assert self.title
        assert self.amount
        return [
            AllocationRow(
                allocation=self.allocation,
                recipient=self.recipient,
                title=self.title,
                amount=format_pence(self.amount),
                recipient_organisation=self.recipient_organisation,
            )
        ]

    @model_validator(mode="after")
    def _checked(self) -> AllocateFunds:
        single = (self.allocation, self.recipient, self.title, self.amount)
        if self.allocations and any(v is not None for v in (*single, self.recipient_organisation)):
            raise ValueError("give one allocation's fields, or allocations, not both")
        if not self.allocations and None in single:
            raise ValueError("give allocation, recipient, title and amount (or allocations)")
        ids = [r.allocation for r in self.rows]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"allocations: {', '.join(twice)} given more than once")
        _stated(self.stated_total, sum(r.amount for r in self.rows), self, "allocations")
        return self


def _stated(stated: int | None, counted: int, cmd: Any, rows: str) -> None:
    if stated is None:
        if cmd.accept_difference:
            raise ValueError("accept_difference goes with stated_total")
        return
    if stated != counted and not cmd.accept_difference:
        raise ValueError(
            f"stated_total {format_pence(stated)} differs from the sum of the {rows}, "
            f"{format_pence(counted)}, by {format_pence(abs(stated - counted))}: correct one, "
            "or say accept_difference: true to record it with a note"
        )


class VaryAllocation(FundCommand):
    """Vary an allocation up or down to a new amount, on the authority of a decision."""

    type: Literal["vary-allocation"] = "vary-allocation"
    allocation: Slug
    amount: Amount = Field(description="The allocation's new amount.")
    reason: Reason | None = None


class WithdrawAllocation(FundCommand):
    """Withdraw an allocation: what is unspent goes back to the year's available money."""

    type: Literal["withdraw-allocation"] = "withdraw-allocation"
    allocation: Slug
    reason: Reason | None = None


class RecordSpend(FundCommand):
    """Record a payment (or a claim) against an allocation."""

    type: Literal["record-spend"] = "record-spend"
    allocation: Slug
    amount: Amount
    kind: Literal["payment", "claim"] = "payment"
    reference: Title | None = Field(default=None, description="E.g. the invoice or claim.")


class ReturnUnderspend(FundCommand):
    """Return a year's underspend to the funder."""

    type: Literal["return-underspend"] = "return-underspend"
    year: FinancialYear
    amount: Amount
    reason: Reason | None = None


class VireFunds(FundCommand):
    """Move money from one allocation to another (a virement), on a decision's authority."""

    type: Literal["vire-funds"] = "vire-funds"
    from_allocation: Slug
    to_allocation: Slug
    amount: Amount


class CarryForward(FundCommand):
    """Carry a year's unallocated money into the next year, where the funder allows it."""

    type: Literal["carry-forward"] = "carry-forward"
    year: FinancialYear = Field(description="The year the money leaves.")
    amount: Amount


# --- handlers -----------------------------------------------------------------------


def _fund(ctx: Context, slug: str) -> History:
    history = ctx.history(fund_id(slug))
    if not history.exists:
        raise NotFound(f"fund: unknown fund '{slug}' (see 'ledger funds')")
    return history


def _record(
    ctx: Context, cmd: FundCommand, *made: tuple[type[LedgerEvent], dict[str, Any]]
) -> list[LedgerEvent]:
    """The command's events, each seeing the ones before it."""
    history = _fund(ctx, cmd.fund)
    staged: list[LedgerEvent] = []
    for cls, fields in made:
        event = ctx.new_event(
            cls,
            History(history.id, [*history.events, *staged]),
            body=history.events[0].body,
            effective=cmd.effective,
            authority=cmd.authority,
            fund=cmd.fund,
            **fields,
        )
        staged.append(event)
    return staged


def create_fund(ctx: Context, cmd: CreateFund) -> list[LedgerEvent]:
    history = ctx.history(fund_id(cmd.fund))
    if history.current():
        raise RuleViolation(f"fund '{cmd.fund}' already exists")
    manager = state_on(ctx.history(body_id(cmd.body)).current(), cmd.effective)
    if manager is None or manager.dissolved is not None:
        if not ctx.history(body_id(cmd.body)).exists:
            raise NotFound(f"body: unknown body '{cmd.body}'")
        raise RuleViolation(f"body: {cmd.body} does not exist on {cmd.effective}")
    fields = cmd.model_dump(exclude={"type", "id", "authority", "effective", "body", "fund"})
    event = ctx.new_event(
        FundCreated,
        history,
        body=cmd.body,
        effective=cmd.effective,
        authority=cmd.authority,
        fund=cmd.fund,
        **fields,
    )
    return [event]


def _note(cmd: AllocateFunds | ReceiveIncome, counted: int, what: str) -> list[Any]:
    if cmd.stated_total is None or cmd.stated_total == counted:
        return []
    return [
        (
            TotalNoted,
            {"year": cmd.year, "what": what, "stated": cmd.stated_total, "counted": counted},
        )
    ]


def receive_income(ctx: Context, cmd: ReceiveIncome) -> list[LedgerEvent]:
    parts = [
        (
            IncomeReceived,
            {
                "year": cmd.year,
                "source": p.source,
                "amount": p.amount,
                "reference": p.reference or cmd.reference,
            },
        )
        for p in cmd.rows
    ]
    counted = sum(p.amount for p in cmd.rows)
    return _record(ctx, cmd, *parts, *_note(cmd, counted, "income"))


def reduce_income(ctx: Context, cmd: ReduceIncome) -> list[LedgerEvent]:
    fields = {"year": cmd.year, "amount": cmd.amount, "reason": cmd.reason}
    return _record(ctx, cmd, (IncomeReduced, {**fields, "clawback": cmd.clawback}))


def allocate_funds(ctx: Context, cmd: AllocateFunds) -> list[LedgerEvent]:
    rows = [
        (
            Allocated,
            {
                "year": cmd.year,
                "allocation": r.allocation,
                "recipient": r.recipient,
                "title": r.title,
                "amount": r.amount,
                "recipient_organisation": r.recipient_organisation,
            },
        )
        for r in cmd.rows
    ]
    counted = sum(r.amount for r in cmd.rows)
    return _record(ctx, cmd, *rows, *_note(cmd, counted, "allocations"))


def vary_allocation(ctx: Context, cmd: VaryAllocation) -> list[LedgerEvent]:
    fields = {"allocation": cmd.allocation, "amount": cmd.amount, "reason": cmd.reason}
    return _record(ctx, cmd, (AllocationVaried, fields))


def withdraw_allocation(ctx: Context, cmd: WithdrawAllocation) -> list[LedgerEvent]:
    fields = {"allocation": cmd.allocation, "reason": cmd.reason}
    return _record(ctx, cmd, (AllocationWithdrawn, fields))


def record_spend(ctx: Context, cmd: RecordSpend) -> list[LedgerEvent]:
    fields = {"allocation": cmd.allocation, "amount": cmd.amount, "kind": cmd.kind}
    return _record(ctx, cmd, (Spent, {**fields, "reference": cmd.reference}))


def return_underspend(ctx: Context, cmd: ReturnUnderspend) -> list[LedgerEvent]:
    fields = {"year": cmd.year, "amount": cmd.amount, "reason": cmd.reason}
    return _record(ctx, cmd, (UnderspendReturned, fields))


def vire_funds(ctx: Context, cmd: VireFunds) -> list[LedgerEvent]:
    fields = {"from_allocation": cmd.from_allocation, "to_allocation": cmd.to_allocation}
    return _record(ctx, cmd, (Vired, {**fields, "amount": cmd.amount}))


def carry_forward(ctx: Context, cmd: CarryForward) -> list[LedgerEvent]:
    fields = {"year": cmd.year, "to_year": next_year(cmd.year), "amount": cmd.amount}
    return _record(ctx, cmd, (CarriedForward, fields))


COMMANDS: dict[type[Command], Any] = {
    CreateFund: create_fund,
    ReceiveIncome: receive_income,
    ReduceIncome: reduce_income,
    AllocateFunds: allocate_funds,
    VaryAllocation: vary_allocation,
    WithdrawAllocation: withdraw_allocation,
    RecordSpend: record_spend,
    ReturnUnderspend: return_underspend,
    VireFunds: vire_funds,
    CarryForward: carry_forward,
}
"""Each fund command and its handler, for the registry."""
