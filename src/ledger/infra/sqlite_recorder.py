"""The SQLite recorder that appends to the audit chain inside the insert transaction.

SQLite serialises writers on the database file.  ``serialised`` takes that write lock
up front (``BEGIN IMMEDIATE`` on the ledger's own connection, waiting up to 30 s) and
holds it from the handlers' check to the save: the inserts made inside join that
transaction, so the events are checked against the very state they are appended to,
and writers queue instead of failing.  Reading the chain head and adding the new
links in the same transaction keeps the chain exactly in step with the events.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, PersistenceError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from ledger.infra import guards
from ledger.infra.chain import (
    CHAIN_TABLE,
    RecordedTimeConflict,
    build_links,
    create_statements,
)
from ledger.infra.conflict import ChainConflict
from ledger.infra.db import Connection

_LARGEST_ROWID = 2**63 - 1


def _id(originator_id: UUID | str) -> str:
    """An originator id as the library's SQLite recorder stores it."""
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    _joined: SQLiteCursor | None = None  # the write transaction inserts join, if held
    _db: Connection | None = None  # the ledger's connection holding it

    def construct_create_table_statements(self) -> list[str]:
        statements: list[str] = super().construct_create_table_statements()
        return [
            *statements,
            *create_statements("sqlite", CHAIN_TABLE),
            *guards.sqlite_statements(self.events_table_name),
            *guards.sqlite_statements(CHAIN_TABLE),
        ]

    def _insert_rows(
        self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> list[int]:
        """Insert the events; their notification ids (the rows' rowids), in order.

        The library inserts a row at a time to read each rowid back.  Many events go in
        one ``executemany`` instead: a row inserted without a rowid gets one more than
        the table's largest (SQLite's documented rule, short of the largest integer),
        so under the write lock the rows get the ids after the largest before them, in
        the order given; the largest after them is checked to say so."""
        if len(stored_events) < 2:
            return list(super()._insert_events(c, stored_events, **kwargs) or [])
        largest = f"SELECT max(rowid) FROM {self.events_table_name}"
        c.execute(largest)
        before = c.fetchone()[0] or 0
        if before + len(stored_events) >= _LARGEST_ROWID:
            return list(super()._insert_events(c, stored_events, **kwargs) or [])
        c.executemany(
            self.insert_events_statement,
            [(_id(s.originator_id), s.originator_version, s.topic, s.state) for s in stored_events],
        )
        c.execute(largest)
        after = c.fetchone()[0]
        if after != before + len(stored_events):
            raise PersistenceError(
                f"the events were given rowids {before + 1} to {after}, not the "
                f"{len(stored_events)} after {before}"
            )
        return list(range(before + 1, after + 1))

    @contextmanager
    def serialised(self, db: Connection) -> Iterator[None]:
        """Hold the write lock for the whole block; inserts inside join its transaction."""
        with db.transaction(), db.write_session():
            self._joined, self._db = SQLiteCursor(db.cursor()), db
            try:
                yield
            finally:
                self._joined, self._db = None, None

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        if self._joined is None:
            return super().insert_events(stored_events, **kwargs)
        try:
            return self._insert_events(self._joined, stored_events, **kwargs)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(exc) from exc
        except sqlite3.Error as exc:
            raise PersistenceError(exc) from exc

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        ids = self._insert_rows(c, stored_events, **kwargs)
        # The head as read under this write lock, in this transaction (the read models'
        # check reads it first), else read here.
        db = self._db
        head = db.head if db is not None and db.writing else None
        if head is None:
            c.execute(
                f"SELECT position, hash, recorded_at FROM {CHAIN_TABLE} "
                "ORDER BY position DESC LIMIT 1"
            )
            row = c.fetchone()
            head = (row[0], row[1], row[2]) if row else None
            known = False
        else:
            known = True
        try:
            links = build_links(head if head and head[0] else None, stored_events, ids)
        except RecordedTimeConflict as exc:
            raise ChainConflict(str(exc)) from None
        c.executemany(
            f"INSERT INTO {CHAIN_TABLE} VALUES (?,?,?,?,?)",
            [(k.position, k.notification_id, k.recorded_at, k.source_key, k.hash) for k in links],
        )
        if known and db is not None and links:
            db.head = (links[-1].position, links[-1].hash, links[-1].recorded_at)
            db.written.extend(
                (k.position, k.recorded_at, k.hash, e.topic, e.originator_id, e.originator_version)
                for k, e in zip(links, stored_events, strict=True)
            )
        return ids
