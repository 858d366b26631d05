"""What every projection provides, and the bitemporal table helper they share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from ledger.infra.db import Connection

# The events are the projections' to import (each does): the read path, which shares
# the helpers below, imports no event model (ADR 0023).
if TYPE_CHECKING:
    from ledger.domain.events import LedgerEvent


@dataclass(frozen=True)
class Delivered:
    """An event as the log delivers it: with its position, recorded time and the topic
    it is stored under (an earlier version of the event's own, if it was upcast)."""

    position: int
    recorded_at: str
    event: LedgerEvent
    topic: str = ""
    # For a projection that recomputes: the aggregate's version its rows reflect already,
    # before this recorded moment's events (0: not known, work from all of them).
    since: int = 0


class Projection(Protocol):
    """A read model kept up to date, in log order, from the event log alone."""

    name: str
    version: int
    tables: Sequence[str]
    # True for projections that rebuild an aggregate's rows from all its events, so only
    # the last event of an aggregate at one recorded moment needs processing.
    recomputes: bool

    def create(self, db: Connection) -> None:
        """Create the projection's tables and indexes if they do not exist."""

    def process(self, db: Connection, item: Delivered, events_of: EventsOf) -> None:
        """Apply one event (inside the runner's transaction)."""


class EventsOf(Protocol):
    def __call__(self, aggregate_id: Any, up_to_version: int, after: int = 0) -> list[LedgerEvent]:
        """An aggregate's events up to and including a version (and after version
        ``after``), in version order."""


Segment = tuple[str, str | None, dict[str, Any]]


def merge_segments(segments: Sequence[Segment]) -> list[Segment]:
    """Join back-to-back segments that hold the same values."""
    merged: list[Segment] = []
    for start, end, values in segments:
        if merged and merged[-1][1] == start and merged[-1][2] == values:
            merged[-1] = (merged[-1][0], end, values)
        else:
            merged.append((start, end, values))
    return merged


def bitemporal_columns() -> str:
    return "valid_from TEXT NOT NULL, valid_to TEXT, recorded_from TEXT NOT NULL, recorded_to TEXT"


def replace_timeline(
    db: Connection,
    table: str,
    key: dict[str, Any],
    segments: Sequence[tuple[str, str | None, dict[str, Any]]],
    recorded_at: str,
) -> None:
    """Make ``segments`` the current belief about ``key``, closing what no longer holds.

    Rows believed until now (``recorded_to IS NULL``) that are not among the new
    segments are closed at ``recorded_at``; new segments not already believed are
    inserted from ``recorded_at``.  Earlier beliefs stay for ``known at`` queries.
    """
    where = " AND ".join(f"{column} = ?" for column in key)
    value_columns = list(segments[0][2]) if segments else []
    rows = db.query(
        f"SELECT * FROM {table} WHERE {where} AND recorded_to IS NULL", list(key.values())
    )

    def fingerprint(valid_from: Any, valid_to: Any, values: dict[str, Any]) -> tuple[Any, ...]:
        return (valid_from, valid_to, *(values[c] for c in sorted(values)))

    wanted = {fingerprint(vf, vt, values) for vf, vt, values in segments}
    believed = set()
    for row in rows:
        values = {c: row[c] for c in (value_columns or _value_columns(row, key))}
        mark = fingerprint(row["valid_from"], row["valid_to"], values)
        if mark in wanted:
            believed.add(mark)
        else:
            # Open rows of one key never share a valid_from, so this names one row; the
            # table's key index (key columns, valid_from, recorded_to) serves it.  A row
            # believed from this very moment (an earlier part of the same write) was
            # never believed for any time: it goes, as if the write came at once.
            if row["recorded_from"] == recorded_at:
                db.execute(
                    f"DELETE FROM {table} WHERE {where} AND valid_from = ? AND recorded_to IS NULL",
                    [*key.values(), row["valid_from"]],
                )
            else:
                db.execute(
                    f"UPDATE {table} SET recorded_to = ? WHERE {where} AND valid_from = ? "
                    "AND recorded_to IS NULL",
                    [recorded_at, *key.values(), row["valid_from"]],
                )
    inserts = []
    for valid_from, valid_to, values in segments:
        if fingerprint(valid_from, valid_to, values) in believed:
            continue
        inserts.append([*key.values(), *values.values(), valid_from, valid_to, recorded_at, None])
    if inserts:
        columns = [*key, *value_columns, "valid_from", "valid_to", "recorded_from", "recorded_to"]
        marks = ",".join("?" * len(columns))
        db.executemany(f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})", inserts)


_BITEMPORAL = {"valid_from", "valid_to", "recorded_from", "recorded_to"}


def _value_columns(row: Any, key: dict[str, Any]) -> list[str]:
    names = row.keys()
    return [n for n in names if n not in key and n not in _BITEMPORAL]


def key_index(db: Connection, table: str, key: Sequence[str]) -> None:
    """The index that finds one key's open row for a date: what replace_timeline updates by."""
    columns = ", ".join([*key, "valid_from", "recorded_to"])
    db.execute(f"CREATE INDEX IF NOT EXISTS {table}_key_idx ON {table} ({columns})")


def as_of_clause() -> str:
    """The WHERE fragment for "in force on ? as known at ?" (parameters: day, day, K, K)."""
    return (
        "valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) "
        "AND recorded_from <= ? AND (recorded_to IS NULL OR recorded_to > ?)"
    )


def aggregate_slug(
    event: LedgerEvent, field: str, events_of: EventsOf, id_of: Callable[[str], UUID]
) -> str | None:
    """The slug (``meeting``, ``motion``) of the aggregate ``event`` belongs to, if it is
    one of that kind; None otherwise.  A retraction names no slug: the aggregate's first
    event does."""
    slug = getattr(event, field, None)
    if slug is None:
        from ledger.domain.events import EventRetracted

        if isinstance(event, EventRetracted):
            first = events_of(event.originator_id, 1)
            slug = getattr(first[0], field, None) if first else None
    if slug is None or event.originator_id != id_of(slug):
        return None
    return str(slug)
