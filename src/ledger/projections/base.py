"""What every projection provides, and the bitemporal table helper they share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol
from uuid import UUID

from ledger.infra.db import Connection

# The events are the projections' to import (each does): the read path, which shares
# the helpers below, imports no event model (ADR 0023).
if TYPE_CHECKING:
    from ledger.domain.events import LedgerEvent


class Delivered(NamedTuple):
    """An event as the log delivers it: with its position, recorded time and the topic
    it is stored under (an earlier version of the event's own, if it was upcast).  A
    tuple: a catch-up makes one for every event."""

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
    # The kinds of event it takes, by their topic's first part (``body`` for
    # ``body.renamed/v1``: the events of one kind of aggregate), or None for all.  The
    # runner gives it no other event but a retraction (``event.retracted``, which any
    # aggregate may hold): each projection looks at one kind of aggregate, and each
    # aggregate holds events of its own kind and retractions only.
    families: frozenset[str] | None

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


def open_index(db: Connection, table: str, key: Sequence[str]) -> None:
    """The one index of a bitemporal table whose rows are read by key: the key's rows
    believed now (``recorded_to IS NULL``: what ``OpenRows`` reads), one of them by its
    date (what a close updates by) and, as a prefix, the key's rows of every belief (an
    as-of read of some keys).  It stands for the three a table had (as of, open rows,
    key): every index is written at every insert and close, and on SQLite each is pages
    of its own in a commit (ADR 0026)."""
    columns = ", ".join([*key, "recorded_to", "valid_from"])
    db.execute(f"CREATE INDEX IF NOT EXISTS {table}_open_idx ON {table} ({columns})")


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


@dataclass(eq=False)  # each row is itself: two rows may hold the same values
class OpenRow:
    """One row believed now (``recorded_to IS NULL``) of a bitemporal table: in the
    table already (``pending`` None), or to be inserted at the end of the batch (its
    row of values, whose last item, ``recorded_to``, a later moment may still set)."""

    valid_from: str
    valid_to: str | None
    values: dict[str, Any]
    recorded_from: str
    pending: list[Any] | None = None


class OpenRows:
    """The rows believed now of the keys one catch-up batch changes, in a bitemporal
    table keyed by one column: read for all the batch's keys at once, changed in memory
    moment by moment, and written at the end (or before a read that needs the table as
    it stands) as one UPDATE of the rows closed and one INSERT of the new ones, each
    a statement for the whole batch.  What it writes is exactly what
    ``replace_timeline`` would, moment by moment."""

    def __init__(self, db: Connection, table: str, key: str, values: Sequence[str]):
        self.db, self.table, self.key, self.columns = db, table, key, list(values)
        # key -> (True: every open row is known | False: only the open last row, if one)
        self._known: dict[Any, tuple[bool, list[OpenRow]]] = {}
        self._closes: list[list[Any]] = []
        self._deletes: list[list[Any]] = []
        self._inserts: list[OpenRow] = []

    def _read(self, keys: Sequence[Any], whole: bool) -> None:
        tail = "" if whole else " AND valid_to IS NULL"
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            found: dict[Any, list[OpenRow]] = {k: [] for k in chunk}
            rows = self.db.query(
                f"SELECT * FROM {self.table} WHERE {self.key} IN ({','.join('?' * len(chunk))})"
                f" AND recorded_to IS NULL{tail}",
                chunk,
            )
            for r in rows:
                found[r[self.key]].append(
                    OpenRow(
                        r["valid_from"],
                        r["valid_to"],
                        {c: r[c] for c in self.columns},
                        r["recorded_from"],
                    )
                )
            for k, held in found.items():
                self._known[k] = (whole, held)

    def preload(self, whole: Sequence[Any], tails: Sequence[Any], new: Sequence[Any] = ()) -> None:
        """Read every open row of the ``whole`` keys, and the open last row of the
        ``tails``; the ``new`` keys (their aggregate's first event is in the batch) have
        no row yet, so nothing is read for them."""
        for key in new:
            self._known[key] = (True, [])
        self._read(sorted(set(whole) - set(new)), True)
        self._read(sorted(set(tails) - set(whole) - set(new)), False)

    def tail(self, key: Any) -> OpenRow | None:
        """The key's one open row with no end, or None if it has none or several."""
        if key not in self._known:
            self._read([key], False)
        _, rows = self._known[key]
        last = [r for r in rows if r.valid_to is None]
        return last[0] if len(last) == 1 else None

    def _close(self, key: Any, row: OpenRow, recorded_at: str) -> None:
        if row.recorded_from == recorded_at:
            # Believed from this very moment (an earlier part of the same write), so
            # never believed for any time: it goes, as if the write came at once.
            if row.pending is not None:
                row.pending = None  # never inserted
            else:
                self._deletes.append([key, row.valid_from])
        elif row.pending is not None:
            row.pending[-1] = recorded_at
        else:
            self._closes.append([recorded_at, key, row.valid_from])

    def _insert(
        self, key: Any, start: str, end: str | None, values: dict[str, Any], at: str
    ) -> OpenRow:
        pending = [key, *(values[c] for c in self.columns), start, end, at, None]
        row = OpenRow(start, end, values, at, pending)
        self._inserts.append(row)
        return row

    def carry(self, key: Any, tail: OpenRow, segments: Sequence[Segment], recorded_at: str) -> None:
        """Close the key's open last row and believe ``segments`` from its start on."""
        whole, rows = self._known[key]
        self._close(key, tail, recorded_at)
        rows = [r for r in rows if r is not tail]
        rows += [self._insert(key, s, e, v, recorded_at) for s, e, v in segments]
        self._known[key] = (whole, rows if whole else [rows[-1]] if rows else [])

    def replace(self, key: Any, segments: Sequence[Segment], recorded_at: str) -> None:
        """``replace_timeline`` for ``key``, in memory."""
        whole, rows = self._known.get(key, (False, []))
        if not whole:
            self.flush()  # the table as it stands, then every open row of the key
            self._read([key], True)
            rows = self._known[key][1]

        def mark(valid_from: Any, valid_to: Any, values: dict[str, Any]) -> tuple[Any, ...]:
            return (valid_from, valid_to, *(values[c] for c in self.columns))

        wanted = {mark(s, e, v) for s, e, v in segments}
        kept, believed = [], set()
        for row in rows:
            fingerprint = mark(row.valid_from, row.valid_to, row.values)
            if fingerprint in wanted:
                believed.add(fingerprint)
                kept.append(row)
            else:
                self._close(key, row, recorded_at)
        for s, e, v in segments:
            if mark(s, e, v) not in believed:
                kept.append(self._insert(key, s, e, v, recorded_at))
        self._known[key] = (True, kept)

    def flush(self) -> None:
        """Write what the batch changed: the rows closed first (each is the one open row
        of its key from its date), then the new rows."""
        self.db.executemany(
            f"DELETE FROM {self.table} WHERE {self.key} = ? AND valid_from = ? "
            "AND recorded_to IS NULL",
            self._deletes,
        )
        self.db.update_rows(self.table, "recorded_to", [self.key, "valid_from"], self._closes)
        columns = [self.key, *self.columns, "valid_from", "valid_to", "recorded_from"]
        self.db.insert_rows(
            self.table,
            [*columns, "recorded_to"],
            [row.pending for row in self._inserts if row.pending is not None],
        )
        for row in self._inserts:
            row.pending = None  # in the table now: a later close is an UPDATE
        self._closes, self._deletes, self._inserts = [], [], []
