"""The SQLite recorder that appends to the audit chain inside the insert transaction.

SQLite serialises writers on the database file: once this transaction has inserted
the events, no other writer can append, so reading the chain head and adding the new
links here keeps the chain exactly in step with the events, in the same commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

from ledger.infra import guards
from ledger.infra.chain import (
    CHAIN_TABLE,
    ChainConflict,
    RecordedTimeConflict,
    build_links,
    create_statements,
)


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        statements: list[str] = super().construct_create_table_statements()
        return [
            *statements,
            *create_statements("sqlite", CHAIN_TABLE),
            *guards.sqlite_statements(self.events_table_name),
            *guards.sqlite_statements(CHAIN_TABLE),
        ]

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        ids = list(super()._insert_events(c, stored_events, **kwargs) or [])
        c.execute(
            f"SELECT position, hash, recorded_at FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1"
        )
        row = c.fetchone()
        head = (row[0], row[1], row[2]) if row else None
        try:
            links = build_links(head, stored_events, ids)
        except RecordedTimeConflict as exc:
            raise ChainConflict(str(exc)) from None
        c.executemany(
            f"INSERT INTO {CHAIN_TABLE} VALUES (?,?,?,?,?)",
            [(k.position, k.notification_id, k.recorded_at, k.source_key, k.hash) for k in links],
        )
        return ids
