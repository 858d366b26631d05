"""Every version over effective time, as known at one moment: the read models' rows
read whole rather than on one date.

Each bitemporal table holds, for one key, the segments believed at a moment: a
version in force from ``valid_from`` until ``valid_to`` (exclusive; None: still).  The
rows believed at K are the current knowledge as it stood at K, corrections applied and
retracted things gone.  Here they are read key by key, a batch at a time (keyset
paging on the key and ``valid_from``, which are unique among the rows believed at one
moment), and restricted to the versions in force at some time in a range of dates.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.infra.db import Connection

BATCH = 5000


@dataclass(frozen=True)
class BodyVersion:
    body: str
    name: str
    kind: str
    parent: str | None
    established: str
    dissolved: str | None
    valid_from: str
    valid_to: str | None


@dataclass(frozen=True)
class OrganisationVersion:
    organisation: str
    name: str
    short_name: str | None
    sector: str
    registered: str
    closed: str | None
    successor: str | None
    identifier: str | None
    valid_from: str
    valid_to: str | None


@dataclass(frozen=True)
class SectionVersion:
    body: str
    section: str
    ordinal: int
    number: str
    heading: str
    text: str
    rules: str  # the structured rules, canonical JSON
    valid_from: str
    valid_to: str | None
    status: str  # on the day asked: in force | prospective | superseded | repealed
    changed_on: str  # the effective date of the change that made this text
    changed_by: str  # that change's event id
    position: int | None  # and its place in the log, recorded time and authority
    recorded_at: str | None
    authority: str | None
    decision: str | None


@dataclass(frozen=True)
class SeatVersion:
    body: str
    seat: str
    organisation: str | None
    organisation_name: str | None  # as the organisation was named when this version began
    category: str
    voting: bool
    counts_for_quorum: bool | None
    roles: tuple[str, ...]
    joined: str
    representative: str | None
    representative_name: str | None
    representative_role: str | None
    substitute: str | None
    substitute_name: str | None
    substitute_role: str | None
    decision: str | None
    valid_from: str
    valid_to: str | None


@dataclass(frozen=True)
class OfficeVersion:
    body: str
    office: str
    person: str
    name: str
    elected: str
    term_end: str | None
    decision: str | None
    valid_from: str
    valid_to: str | None


def believed(alias: str) -> str:
    """Rows of ``alias`` believed at the moment ? (two parameters: K, K)."""
    return (
        f"{alias}.recorded_from <= ? AND ({alias}.recorded_to IS NULL OR {alias}.recorded_to > ?)"
    )


def paged(
    db: Connection,
    select: str,
    where: list[str],
    params: list[Any],
    key: Sequence[str],
) -> Iterator[Any]:
    """The rows of ``select ... WHERE where`` in ``key`` order, a batch at a time.  The
    key's columns (``alias.column``) must be unique among the rows and selected."""
    names = [k.rpartition(".")[2] for k in key]
    after: list[Any] | None = None
    while True:
        clauses, values = list(where), list(params)
        if after is not None:
            clauses.append(f"({', '.join(key)}) > ({', '.join('?' * len(key))})")
            values += after
        rows = db.query(
            f"{select} WHERE {' AND '.join(clauses)} ORDER BY {', '.join(key)} LIMIT {BATCH}",
            values,
        )
        yield from rows
        if len(rows) < BATCH:
            return
        after = [rows[-1][n] for n in names]


def _span(
    alias: str, known: str, first: date | None, last: date | None
) -> tuple[list[str], list[Any]]:
    """Believed at ``known`` and in force at some time from ``first`` to ``last``."""
    where, params = [believed(alias)], list[Any]([known, known])
    if last is not None:
        where.append(f"{alias}.valid_from <= ?")
        params.append(last.isoformat())
    if first is not None:
        where.append(f"({alias}.valid_to IS NULL OR {alias}.valid_to > ?)")
        params.append(first.isoformat())
    return where, params


def _of_body(
    alias: str, column: str, body: str | None, where: list[str], params: list[Any]
) -> None:
    if body is not None:
        where.append(f"{alias}.{column} = ?")
        params.append(body)


def body_ids(db: Connection, known: str) -> list[str]:
    rows = db.query(f"SELECT DISTINCT b.slug FROM proj_bodies b WHERE {believed('b')}", [known] * 2)
    return sorted(str(r["slug"]) for r in rows)


def body_versions(
    db: Connection, known: str, body: str | None, first: date | None, last: date | None
) -> Iterator[BodyVersion]:
    where, params = _span("b", known, first, last)
    _of_body("b", "slug", body, where, params)
    for r in paged(db, "SELECT b.* FROM proj_bodies b", where, params, ["b.slug", "b.valid_from"]):
        yield BodyVersion(
            r["slug"],
            r["name"],
            r["kind"],
            r["parent"],
            r["established"],
            r["dissolved"],
            r["valid_from"],
            r["valid_to"],
        )


def organisation_versions(
    db: Connection, known: str, only: set[str] | None, first: date | None, last: date | None
) -> Iterator[OrganisationVersion]:
    where, params = _span("o", known, first, last)
    if only is not None:
        if not only:
            return
        where.append(f"o.slug IN ({', '.join('?' * len(only))})")
        params += sorted(only)
    select = "SELECT o.* FROM proj_organisations o"
    for r in paged(db, select, where, params, ["o.slug", "o.valid_from"]):
        yield OrganisationVersion(
            r["slug"],
            r["name"],
            r["short_name"],
            r["sector"],
            r["registered"],
            r["closed"],
            r["successor"],
            r["identifier"],
            r["valid_from"],
            r["valid_to"],
        )


def section_versions(
    db: Connection, known: str, body: str | None, first: date | None, last: date | None, on: date
) -> Iterator[SectionVersion]:
    where, params = _span("s", known, first, last)
    _of_body("s", "body", body, where, params)
    select = (
        "SELECT s.*, e.position, e.recorded_at, e.authority, e.decision "
        "FROM proj_tor_sections s LEFT JOIN proj_events e ON e.event_id = s.changed_by"
    )
    key = ["s.body", "s.section_id", "s.valid_from"]
    # A version's status needs the next one of the same section: read one row ahead.
    held: Any = None
    for row in paged(db, select, where, params, key):
        if held is not None:
            same = (held["body"], held["section_id"]) == (row["body"], row["section_id"])
            yield _section(held, row["valid_from"] if same else None, on)
        held = row
    if held is not None:
        yield _section(held, None, on)


def _section(row: Any, next_from: str | None, on: date) -> SectionVersion:
    day = on.isoformat()
    if row["valid_from"] > day:
        status = "prospective"
    elif row["valid_to"] is None or row["valid_to"] > day:
        status = "in force"
    else:
        status = "superseded" if next_from == row["valid_to"] else "repealed"
    return SectionVersion(
        body=row["body"],
        section=row["section_id"],
        ordinal=int(row["ordinal"]),
        number=row["number"],
        heading=row["heading"],
        text=row["text"],
        rules=row["rules"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        status=status,
        changed_on=row["changed_on"],
        changed_by=row["changed_by"],
        position=int(row["position"]) if row["position"] is not None else None,
        recorded_at=row["recorded_at"],
        authority=row["authority"],
        decision=row["decision"],
    )


def seat_versions(
    db: Connection, known: str, body: str | None, first: date | None, last: date | None
) -> Iterator[SeatVersion]:
    where, params = _span("m", known, first, last)
    _of_body("m", "body", body, where, params)
    # The organisation's name as it stood when the seat's version began, as known.
    select = (
        "SELECT m.*, o.name AS organisation_name FROM proj_members m "
        "LEFT JOIN proj_organisations o ON o.slug = m.organisation "
        f"AND {believed('o')} AND o.valid_from <= m.valid_from "
        "AND (o.valid_to IS NULL OR o.valid_to > m.valid_from)"
    )
    key = ["m.body", "m.member", "m.valid_from"]
    for r in paged(db, select, where, [known, known, *params], key):
        quorum = r["counts_for_quorum"]
        yield SeatVersion(
            body=r["body"],
            seat=r["member"],
            organisation=r["organisation"],
            organisation_name=r["organisation_name"],
            category=r["category"],
            voting=bool(r["voting"]),
            counts_for_quorum=None if quorum is None else bool(quorum),
            roles=tuple(r["roles"].split()),
            joined=r["joined"],
            representative=r["rep_person"],
            representative_name=r["rep_name"],
            representative_role=r["rep_role"],
            substitute=r["sub_person"],
            substitute_name=r["sub_name"],
            substitute_role=r["sub_role"],
            decision=r["decision"],
            valid_from=r["valid_from"],
            valid_to=r["valid_to"],
        )


def office_versions(
    db: Connection, known: str, body: str | None, first: date | None, last: date | None
) -> Iterator[OfficeVersion]:
    where, params = _span("f", known, first, last)
    _of_body("f", "body", body, where, params)
    key = ["f.body", "f.office", "f.valid_from"]
    for r in paged(db, "SELECT f.* FROM proj_offices f", where, params, key):
        yield OfficeVersion(
            r["body"],
            r["office"],
            r["person"],
            r["name"],
            r["elected"],
            r["term_end"],
            r["decision"],
            r["valid_from"],
            r["valid_to"],
        )
