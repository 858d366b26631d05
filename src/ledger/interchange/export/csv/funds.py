"""The files of the money: funds (with their totals) and allocations.  Every amount is
written twice: in whole pence (a number) and as text in pounds (``£39,661.00``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ledger.domain.money import Amount
from ledger.interchange.export.csv.columns import Column, Table, joined
from ledger.queries.budget import AllocationReport, FundSummary

ON = (
    "The date of the position: --to if given, else the day of the export. Later changes "
    "are not in it."
)


def _money(name: str, meaning: str, get: Callable[[Any], Amount]) -> tuple[Column[Any], ...]:
    return (
        Column(f"{name}_pence", "pence", f"{meaning}, in pence.", lambda r: get(r).pence),
        Column(name, "money", f"{meaning}, in pounds.", lambda r: get(r).text),
    )


@dataclass(frozen=True)
class AllocationRow:
    fund: str
    on: str
    allocation: AllocationReport

    @property
    def status(self) -> str:
        a = self.allocation
        if a.withdrawn is not None:
            return "withdrawn"
        return "spent" if a.balance.pence == 0 else "open"


FUNDS: Table[FundSummary] = Table(
    "funds.csv",
    "fund, with its totals over every financial year",
    (
        Column("fund", "id", "The fund's id.", lambda r: r.fund.fund),
        Column("name", "text", "Its name.", lambda r: r.fund.name),
        Column("body", "id", "The body that manages it.", lambda r: r.fund.body),
        Column("created", "date", "When it was created.", lambda r: r.fund.created),
        Column("currency", "id", "Its currency (GBP).", lambda r: r.fund.currency),
        Column("funders", "list", "Who funds it.", lambda r: joined(r.fund.funders)),
        Column(
            "reference",
            "text",
            "Its reference (grant letters ...), if any.",
            lambda r: r.fund.reference,
        ),
        Column(
            "years_run",
            "text",
            "Its financial years, e.g. April to March.",
            lambda r: r.fund.years_run,
        ),
        Column(
            "carry_forward",
            "flag",
            "Whether what is left at a year's end carries forward.",
            lambda r: r.fund.carry_forward,
        ),
        Column("position_on", "date", ON, lambda r: r.on),
        *_money("received", "Money received", lambda r: r.total.received),
        *_money("reduced", "Money received later reduced", lambda r: r.total.reduced),
        *_money(
            "allocated",
            "Money allocated (the sum of allocations.csv's awarded)",
            lambda r: r.total.allocated,
        ),
        *_money("spent", "Money spent", lambda r: r.total.spent),
        *_money("returned", "Money returned to the funder", lambda r: r.total.returned),
        *_money("carried_forward", "Money carried forward", lambda r: r.total.carried_forward),
        *_money("available", "Money available to allocate", lambda r: r.total.available),
    ),
)

ALLOCATIONS: Table[AllocationRow] = Table(
    "allocations.csv",
    "allocation of a fund's money to a recipient",
    (
        Column("fund", "id", "The fund it is from."),
        Column("allocation", "id", "The allocation's id.", lambda r: r.allocation.allocation),
        Column(
            "year",
            "text",
            "The financial year it is from, e.g. 2024/25.",
            lambda r: r.allocation.year,
        ),
        Column("recipient", "text", "Who receives it.", lambda r: r.allocation.recipient),
        Column("title", "text", "What it is for.", lambda r: r.allocation.title),
        *_money(
            "awarded", "The amount awarded, with every variation", lambda r: r.allocation.awarded
        ),
        *_money("spent", "The amount spent against it", lambda r: r.allocation.spent),
        *_money("balance", "What is left of it", lambda r: r.allocation.balance),
        Column("made", "date", "When it was made.", lambda r: r.allocation.made),
        Column(
            "withdrawn",
            "date",
            "When it was withdrawn, if it was.",
            lambda r: r.allocation.withdrawn,
        ),
        Column(
            "status",
            "text",
            "withdrawn; spent (nothing left of it); or open (money left to spend).",
        ),
        Column(
            "decisions",
            "list",
            "Every decision that approved or changed it (motion ids, space-separated).",
            lambda r: joined((c.decision for c in r.allocation.decisions), " "),
        ),
        Column(
            "authority_valid",
            "flag",
            "Whether every one of those decisions was carried and validly made, as known.",
            lambda r: r.allocation.authority_good,
        ),
        Column(
            "authority_problems",
            "list",
            "What is wrong with them, if anything.",
            lambda r: joined(p for c in r.allocation.decisions for p in c.problems),
        ),
        Column("position_on", "date", ON, lambda r: r.on),
    ),
)
