"""The PostgreSQL recorder that appends to the audit chain inside the insert transaction.

The library takes an EXCLUSIVE lock on the events table before inserting, so once
the events are in, no other writer can append until this transaction commits:
reading the chain head and adding the new links here keeps the chain in step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL

from ledger.infra import guards
from ledger.infra.chain import (
    CHAIN_TABLE,
    ChainConflict,
    RecordedTimeConflict,
    build_links,
    create_statements,
)

# Any fixed number: every ledger process takes this lock while it creates its tables.
CREATE_LOCK = 0x6C6564676572


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.chain_table = f'"{self.datastore.schema}".{CHAIN_TABLE}'
        schema = self.datastore.schema
        self.sql_create_statements.extend(
            SQL(statement).format()
            for statement in [
                *create_statements("postgresql", self.chain_table),
                guards.postgres_function(schema),
                *guards.postgres_statements(schema, self.events_table_name),
                *guards.postgres_statements(schema, CHAIN_TABLE),
            ]
        )

    def create_table(self) -> None:
        # Every open re-runs the library's CREATE OR REPLACE FUNCTION; two processes
        # opening a ledger at the same moment would fail with "tuple concurrently
        # updated".  They take turns instead.
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", [CREATE_LOCK])
            try:
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", [CREATE_LOCK])

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        # One plain transaction (not the library's pipeline), so the chain can read
        # its head after the insert while the table lock is held.
        if not stored_events:
            return []
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_stored_events(curs, stored_events, **kwargs)
            ids = [row["notification_id"] for row in curs.fetchall()]
            curs.execute(
                f"SELECT position, hash, recorded_at FROM {self.chain_table} "
                "ORDER BY position DESC LIMIT 1"
            )
            row = curs.fetchone()
            head = (row["position"], row["hash"], row["recorded_at"]) if row else None
            try:
                links = build_links(head, stored_events, ids)
            except RecordedTimeConflict as exc:
                raise ChainConflict(str(exc)) from None
            curs.executemany(
                f"INSERT INTO {self.chain_table} VALUES (%s,%s,%s,%s,%s)",
                [
                    (k.position, k.notification_id, k.recorded_at, k.source_key, k.hash)
                    for k in links
                ],
            )
        return ids
