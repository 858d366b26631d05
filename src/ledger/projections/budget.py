"""Funds over both time axes: the budget position on a date, as known at a moment.

Three tables, each row holding from one effective date until the next change and
believed from one recorded time until it no longer is: ``proj_funds`` (a fund and its
rules), ``proj_budget_years`` (each financial year's received, reduced, allocated,
spent, returned and carried, and what is available, with any notes of a stated total)
and ``proj_budget_allocations`` (each allocation's award, spend and balance, and the
decisions behind it).  A fund's rows are re-folded from all its events whenever one
arrives (``domain/fund.py``), so a backdated event or a correction moves every later
date at once.  "The position on D as known at K" is one indexed query per table.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from ledger.domain.fund import (
    AllocationState,
    FundInfo,
    FundPosition,
    Note,
    YearPosition,
    fund_id,
    timeline,
)
from ledger.domain.history import in_force
from ledger.infra.db import Connection
from ledger.projections.base import (
    Delivered,
    EventsOf,
    Segment,
    aggregate_slug,
    as_of_clause,
    bitemporal_columns,
    key_index,
    merge_segments,
    replace_timeline,
)

FUNDS = "proj_funds"
YEARS = "proj_budget_years"
ALLOCATIONS = "proj_budget_allocations"
RECORDED = "recorded_from <= ? AND (recorded_to IS NULL OR recorded_to > ?)"
MONEY = ("received", "reduced", "allocated", "spent", "returned", "carried_in", "carried_out")


class BudgetProjection:
    name = "budget"
    version = 2  # 2: a fund's grant maker, an allocation's recipient organisation
    recomputes = True  # rebuilds a fund's rows from all of its events
    families: frozenset[str] | None = frozenset({"fund"})  # and retractions
    tables: Sequence[str] = (FUNDS, YEARS, ALLOCATIONS)

    def create(self, db: Connection) -> None:
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {FUNDS} (fund TEXT NOT NULL, body TEXT NOT NULL, "
            "name TEXT NOT NULL, created TEXT NOT NULL, year_starts INTEGER NOT NULL, "
            "funders TEXT NOT NULL, reference TEXT, carry_forward INTEGER NOT NULL, "
            f"grant_maker TEXT, {bitemporal_columns()})"
        )
        db.execute(f"CREATE INDEX IF NOT EXISTS {FUNDS}_body_idx ON {FUNDS} (body, recorded_to)")
        key_index(db, FUNDS, ["fund"])
        money = ", ".join(f"{m} BIGINT NOT NULL" for m in MONEY)
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {YEARS} (fund TEXT NOT NULL, year TEXT NOT NULL, "
            f"{money}, available BIGINT NOT NULL, notes TEXT NOT NULL, {bitemporal_columns()})"
        )
        db.execute(
            f"CREATE INDEX IF NOT EXISTS {YEARS}_asof_idx ON {YEARS} (fund, valid_from, "
            "recorded_from)"
        )
        key_index(db, YEARS, ["fund", "year"])
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {ALLOCATIONS} (fund TEXT NOT NULL, "
            "allocation TEXT NOT NULL, year TEXT NOT NULL, recipient TEXT NOT NULL, "
            "title TEXT NOT NULL, awarded BIGINT NOT NULL, spent BIGINT NOT NULL, "
            "balance BIGINT NOT NULL, made TEXT NOT NULL, withdrawn TEXT, "
            f"decisions TEXT NOT NULL, recipient_organisation TEXT, {bitemporal_columns()})"
        )
        db.execute(
            f"CREATE INDEX IF NOT EXISTS {ALLOCATIONS}_asof_idx ON {ALLOCATIONS} "
            "(fund, valid_from, recorded_from)"
        )
        key_index(db, ALLOCATIONS, ["fund", "allocation"])

    def process(self, db: Connection, item: Delivered, events_of: EventsOf) -> None:
        event = item.event
        slug = aggregate_slug(event, "fund", events_of, fund_id)
        if slug is None:
            return
        changes = timeline(in_force(events_of(event.originator_id, event.originator_version)))
        info: list[Segment] = []
        years: dict[str, list[Segment]] = {}
        allocations: dict[str, list[Segment]] = {}
        for index, (start, position) in enumerate(changes):
            day = start.isoformat()
            end = changes[index + 1][0].isoformat() if index + 1 < len(changes) else None
            if not info:
                info.append((day, None, _info_values(position.info)))
            for year in position.years:
                notes = [n for n in position.notes if n.year == year.year]
                years.setdefault(year.year, []).append((day, end, _year_values(year, notes)))
            for a in position.allocations:
                allocations.setdefault(a.allocation, []).append((day, end, _allocation_values(a)))
        recorded = item.recorded_at
        replace_timeline(db, FUNDS, {"fund": slug}, info, recorded)
        for label, segments in _with_gone(db, YEARS, slug, "year", years).items():
            replace_timeline(db, YEARS, {"fund": slug, "year": label}, segments, recorded)
        for name, segments in _with_gone(db, ALLOCATIONS, slug, "allocation", allocations).items():
            key = {"fund": slug, "allocation": name}
            replace_timeline(db, ALLOCATIONS, key, segments, recorded)


def _with_gone(
    db: Connection, table: str, fund: str, column: str, wanted: dict[str, list[Segment]]
) -> dict[str, list[Segment]]:
    """The segments for every key now believed, and none for a key no longer in the
    books (an allocation whose record was retracted): its rows are closed."""
    rows = db.query(
        f"SELECT DISTINCT {column} FROM {table} WHERE fund = ? AND recorded_to IS NULL", [fund]
    )
    merged = {k: merge_segments(v) for k, v in wanted.items()}
    return {**{r[column]: [] for r in rows}, **merged}


def _info_values(info: FundInfo) -> dict[str, Any]:
    return {
        "body": info.body,
        "name": info.name,
        "created": info.created.isoformat(),
        "year_starts": info.year_starts,
        "funders": json.dumps(list(info.funders)),
        "reference": info.reference,
        "carry_forward": int(info.carry_forward),
        "grant_maker": info.grant_maker,
    }


def _year_values(year: YearPosition, notes: list[Note]) -> dict[str, Any]:
    kept = [
        [n.day.isoformat(), n.what, n.stated, n.counted, n.note]
        for n in notes  # in the fold's order
    ]
    return {
        **{m: getattr(year, m) for m in MONEY},
        "available": year.available,
        "notes": json.dumps(kept),
    }


def _allocation_values(a: AllocationState) -> dict[str, Any]:
    return {
        "year": a.year,
        "recipient": a.recipient,
        "title": a.title,
        "awarded": a.awarded,
        "spent": a.spent,
        "balance": a.balance,
        "made": a.made.isoformat(),
        "withdrawn": a.withdrawn.isoformat() if a.withdrawn else None,
        "decisions": " ".join(a.decisions),  # slugs: no spaces within one
        "recipient_organisation": a.recipient_organisation,
    }


# --- reading --------------------------------------------------------------------------


def _info(row: Any, fund: str) -> FundInfo:
    return FundInfo(
        fund,
        row["name"],
        row["body"],
        date.fromisoformat(row["created"]),
        int(row["year_starts"]),
        tuple(json.loads(row["funders"])),
        row["reference"],
        bool(row["carry_forward"]),
        row["grant_maker"],
    )


def fund_as_known(db: Connection, fund: str, known_at: str) -> FundInfo | None:
    """The fund as recorded by ``known_at`` (None: not recorded then)."""
    rows = db.query(
        f"SELECT * FROM {FUNDS} WHERE fund = ? AND {RECORDED}", [fund, known_at, known_at]
    )
    return _info(rows[0], fund) if rows else None


def funds_of(db: Connection, body: str | None, known_at: str) -> list[FundInfo]:
    """Every fund (managed by ``body``, or all) as recorded by ``known_at``, by id."""
    where, params = RECORDED, [known_at, known_at]
    if body is not None:
        where += " AND body = ?"
        params.append(body)
    rows = db.query(f"SELECT * FROM {FUNDS} WHERE {where}", params)
    return sorted((_info(r, r["fund"]) for r in rows), key=lambda f: f.fund)


def position_on(
    db: Connection, fund: str, day: date, known_at: str, info: FundInfo | None = None
) -> FundPosition | None:
    """The fund's position on ``day`` as recorded by ``known_at`` (None before it was
    created, or if it was not recorded then); ``info``: the fund as known then, if read."""
    info = info if info is not None else fund_as_known(db, fund, known_at)
    if info is None or info.created > day:
        return None
    on = [fund, day.isoformat(), day.isoformat(), known_at, known_at]
    years = db.query(f"SELECT * FROM {YEARS} WHERE fund = ? AND {as_of_clause()}", on)
    allocations = db.query(f"SELECT * FROM {ALLOCATIONS} WHERE fund = ? AND {as_of_clause()}", on)
    notes: list[Note] = []
    for row in sorted(years, key=lambda r: r["year"]):
        for day_text, what, stated, counted, note in json.loads(row["notes"]):
            notes.append(
                Note(date.fromisoformat(day_text), row["year"], what, stated, counted, note)
            )
    return FundPosition(
        info,
        tuple(
            YearPosition(r["year"], **{m: int(r[m]) for m in MONEY})
            for r in sorted(years, key=lambda r: r["year"])
        ),
        tuple(
            AllocationState(
                r["allocation"],
                r["year"],
                r["recipient"],
                r["title"],
                int(r["awarded"]),
                int(r["spent"]),
                date.fromisoformat(r["made"]),
                date.fromisoformat(r["withdrawn"]) if r["withdrawn"] else None,
                tuple(r["decisions"].split()),
                r["recipient_organisation"],
            )
            for r in sorted(allocations, key=lambda r: r["allocation"])
        ),
        tuple(sorted(notes, key=lambda n: (n.day, n.year))),
    )
