"""The PostgreSQL recorder that appends to the audit chain inside the insert transaction.

Writers to one ledger take turns on a transaction-level advisory lock named after its
schema.  ``serialised`` takes it up front and holds it from the handlers' check to the
save, with the inserts made in the same transaction: the events are checked against
the very state they are appended to, and writers queue instead of failing.  Every
insert takes the same lock, so inserts commit in the order they were numbered and
reading the chain head and adding the new links here keeps the chain in step.

The lock replaces the library's ``LOCK TABLE ... IN EXCLUSIVE MODE``, which PostgreSQL
grants only to a role that may also UPDATE or DELETE the table: the writer role may
only INSERT into the log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import pairwise
from typing import Any

import msgspec
import psycopg
from eventsourcing.persistence import PersistenceError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.rows import dict_row
from psycopg.sql import SQL

from ledger.infra import guards
from ledger.infra.chain import (
    CHAIN_TABLE,
    RecordedTimeConflict,
    build_links,
    create_statements,
)
from ledger.infra.conflict import ChainConflict
from ledger.infra.db import Connection

# Any fixed number: every ledger process takes this lock while it creates its tables.
CREATE_LOCK = 0x6C6564676572
# How long the write session may sit inside its one insert-and-chain transaction between
# statements (a million events are hashed there); the pool's own sessions keep 5 s.
WRITE_IDLE = "10min"
SLICE = 5_000  # events inserted and chained by one statement


def write_lock_key(schema: str) -> int:
    """The advisory lock the writers of the ledger in ``schema`` take turns on."""
    digest = hashlib.sha256(f"ledger write lock {schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    _joined: Any = None  # the connection holding the write lock, whose inserts join it

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
        events = f'"{schema}"."{self.events_table_name}"'
        id_type = self.datastore.originator_id_type
        # The events and their links, given as one JSON array (each event's stored bytes
        # in hex), read by the server: one statement, with none of the driver's
        # per-value work that arrays or a row per event would cost.
        stored = (
            "WITH l AS (SELECT * FROM json_to_recordset(%s) AS l("
            f"originator_id {id_type}, originator_version bigint, topic text, state text, "
            "position bigint, recorded_at text, source_key text, hash text)), "
            f"new AS (INSERT INTO {events} (originator_id, originator_version, topic, state) "
            "SELECT originator_id, originator_version, topic, decode(state, 'hex') "
            "FROM l ORDER BY position "
            "RETURNING notification_id, originator_id, originator_version)"
        )
        linked = (
            f"INSERT INTO {self.chain_table} "
            "(position, notification_id, recorded_at, source_key, hash) "
            "SELECT l.position, new.notification_id, l.recorded_at, l.source_key, l.hash "
            "FROM new JOIN l USING (originator_id, originator_version) "
            "RETURNING position, notification_id"
        )
        self._insert_chained = f"{stored} {linked}"
        # The same, sent without waiting for its answer (the write session's pipeline
        # sends it with the next statement whose rows are read, or with the commit):
        # the server itself checks what the answer would be read for, and refuses the
        # write (a cast that cannot be made, naming the fault) unless every link is
        # stored and the ids rise with the positions.
        self._insert_chained_unread = (
            f"{stored}, linked AS ({linked}) "
            "SELECT CASE WHEN count(*) = %s AND bool_and(rising) IS NOT FALSE THEN count(*) "
            "ELSE ('the events were not numbered in the order of the chain: ' "
            "|| count(*) || ' of ' || %s || ' linked')::bigint END "
            "FROM (SELECT notification_id > lag(notification_id) OVER (ORDER BY position) "
            "AS rising FROM linked) AS checked"
        )
        self._lock_statements = [
            SQL("SET LOCAL lock_timeout = '{0}s'").format(self.datastore.lock_timeout),
            SQL("SELECT pg_advisory_xact_lock({0})").format(write_lock_key(schema)),
        ]

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

    @contextmanager
    def serialised(self, db: Connection) -> Iterator[None]:
        """Hold the write lock for the whole block; inserts inside run on ``db``'s
        connection, joining a transaction the block opens there (``db.transaction()``),
        so the events, their chain links and the read models' catch-up commit together.

        The lock is a session-level advisory lock, held past the transaction, with
        the session's ``idle_in_transaction_session_timeout`` raised to WRITE_IDLE
        while it is held: the handlers of a large import may check entries for
        minutes inside the write's transaction.  ``db`` is the ledger's own connection
        (autocommit, rows as dicts).  The block runs as one pipeline
        (``Connection.write_session``): the lock is asked for in the round trip of the
        block's first read, and released in the round trip of its commit."""
        key = write_lock_key(self.datastore.schema)
        conn = db.driver()
        # The wait is bounded by the same lock timeout the library's own transactions
        # use.  The one transaction that inserts a large import's events and chains
        # them does seconds of hashing between its statements on a busy machine: the
        # write session allows WRITE_IDLE of that, and gets its own settings back after.
        release = (
            "SELECT set_config('lock_timeout', %s, false), "
            "set_config('idle_in_transaction_session_timeout', %s, false), "
            "pg_advisory_unlock(%s)"
        )
        self._joined = db
        taken: Any = None
        try:
            with db.write_session():
                # Sent with the block's first statement whose rows are read (the read
                # models' check), in one round trip: the server runs that statement
                # after this one, so it reads what the last holder of the lock
                # committed.  A lock not granted in time fails that statement.
                taken = conn.execute(
                    "SELECT current_setting('lock_timeout') AS lock, "
                    "current_setting('idle_in_transaction_session_timeout') AS idle, "
                    "set_config('lock_timeout', %s, false), "
                    "set_config('idle_in_transaction_session_timeout', %s, false), "
                    "pg_advisory_lock(%s)",
                    [f"{self.datastore.lock_timeout}s", WRITE_IDLE, key],
                )
                yield
                row = taken.fetchone()
                conn.execute(release, [row["lock"], row["idle"], key])
            taken = None  # released, with the commit's round trip
        finally:
            self._joined = None
            if taken is not None:
                self._release_after_failure(conn, taken, release, key)

    @staticmethod
    def _release_after_failure(conn: Any, taken: Any, release: str, key: int) -> None:
        """After a failed write: let go of the write lock, if it was taken, and put the
        session's settings back."""
        try:
            row = taken.fetchone()
        except psycopg.Error:
            return  # the lock was not granted (or the session is gone): nothing is held
        if row is None:
            return
        try:
            conn.execute(release, [row["lock"], row["idle"], key])
        except psycopg.Error:
            # The session is gone or broken: the server released its lock.
            conn.close()

    def _lock_table(self, curs: Any) -> None:
        # The advisory write lock, already held, serialises the inserts instead.
        return

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        # One plain transaction (not the library's pipeline), so the chain can read
        # its head after the insert while the write lock is held.
        if not stored_events:
            return []
        if self._joined is not None:
            db: Connection = self._joined
            conn = db.driver()
            if db.in_transaction:  # the write's own transaction (no savepoint of its own)
                with conn.cursor(row_factory=dict_row) as curs:
                    return self._insert_and_chain(curs, stored_events, **kwargs)
            with conn.transaction(), conn.cursor(row_factory=dict_row) as curs:
                return self._insert_and_chain(curs, stored_events, **kwargs)
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            for statement in self._lock_statements:
                curs.execute(statement)
            return self._insert_and_chain(curs, stored_events, **kwargs)

    def _insert_joined(
        self, db: Connection, curs: Any, stored_events: Sequence[StoredEvent]
    ) -> Any:
        """Insert the events and their chain links in one statement, after the head the
        write read under its lock (else read here): the links' hashes do not depend on
        the notification ids, which the statement pairs with them by (aggregate,
        version) and returns, in chain order."""
        head = db.head if db.writing else None
        known = head is not None
        if head is None:
            curs.execute(
                f"SELECT position, hash, recorded_at FROM {self.chain_table} "
                "ORDER BY position DESC LIMIT 1"
            )
            top = curs.fetchone()
            head = (top["position"], top["hash"], top["recorded_at"]) if top else None
        try:
            links = build_links(
                head if head and head[0] else None, stored_events, [0] * len(stored_events)
            )
        except RecordedTimeConflict as exc:
            raise ChainConflict(str(exc)) from None
        if known and db.in_transaction:
            # The head is the one read under the write lock: nothing here needs the ids
            # the database gives (the links do not depend on them), so nothing waits
            # for them.  The write's receipt has its positions from the chain's head.
            conn = db.driver()
            for start in range(0, len(links), SLICE):
                payload = self._payload(stored_events, links, start)
                count = min(SLICE, len(links) - start)
                conn.execute(self._insert_chained_unread, [payload, count, count])
                del payload
            db.head = (links[-1].position, links[-1].hash, links[-1].recorded_at)
            db.written.extend(
                (k.position, k.recorded_at, k.hash, e.topic, e.originator_id, e.originator_version)
                for k, e in zip(links, stored_events, strict=True)
            )
            return []
        found: list[tuple[int, int]] = []
        for start in range(0, len(links), SLICE):  # the JSON of a slice at a time in memory
            payload = self._payload(stored_events, links, start)
            curs.execute(self._insert_chained, [payload])
            found += ((r["position"], r["notification_id"]) for r in curs.fetchall())
            del payload
        rows = sorted(found)
        ids = [nid for _, nid in rows]
        if len(ids) != len(links) or any(a >= b for a, b in pairwise(ids)):
            # Never seen: the events were numbered out of the order they were chained.
            raise PersistenceError("the events were not numbered in the order of the chain")
        if known and links:
            db.head = (links[-1].position, links[-1].hash, links[-1].recorded_at)
            db.written.extend(
                (k.position, k.recorded_at, k.hash, e.topic, e.originator_id, e.originator_version)
                for k, e in zip(links, stored_events, strict=True)
            )
        return ids

    @staticmethod
    def _payload(stored_events: Sequence[StoredEvent], links: Sequence[Any], start: int) -> str:
        """The slice of events and links from ``start``, as the JSON array the insert reads."""
        return msgspec.json.encode(
            [
                {
                    "originator_id": str(e.originator_id),
                    "originator_version": e.originator_version,
                    "topic": e.topic,
                    "state": e.state.hex(),
                    "position": k.position,
                    "recorded_at": k.recorded_at,
                    "source_key": k.source_key,
                    "hash": k.hash,
                }
                for e, k in zip(
                    stored_events[start : start + SLICE], links[start : start + SLICE], strict=True
                )
            ]
        ).decode()

    def _insert_and_chain(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Any:
        if self._joined is not None:
            return self._insert_joined(self._joined, curs, stored_events)
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
            [(k.position, k.notification_id, k.recorded_at, k.source_key, k.hash) for k in links],
        )
        return ids
