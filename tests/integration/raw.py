"""A plain connection to a ledger's tables: what a database administrator has.

Tests use it to tamper with the log behind the ledger's back.  The log's tables refuse
UPDATE and DELETE (``infra/guards.py``), so tampering starts as an attacker with the
tables' owner rights would: by dropping (SQLite) or disabling (PostgreSQL) those
triggers.  The triggers stop accidents and the writer and reader roles, never the
owner; the audit chain and a published head are what catch the owner.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ledger.infra.chain import CHAIN_TABLE
from ledger.infra.urls import parse_url


class Raw:
    """A plain DB-API connection to one ledger, outside the ledger's code."""

    def __init__(self, url: str):
        config = parse_url(url)
        self.sqlite = config.kind == "sqlite"
        self.schema = config.schema
        self.events = config.dialect.events
        self.nid_column = config.dialect.notification_id
        self.conn: Any
        if self.sqlite:
            self.conn = sqlite3.connect(config.path or "", timeout=30, isolation_level=None)
        else:
            import psycopg

            self.conn = psycopg.connect(config.conninfo(), autocommit=True)
            self.conn.execute(f'SET search_path TO "{config.schema}"')

    def run(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; ``{events}`` and ``{nid}`` name the events table and its id."""
        sql = statement.format(events=self.events, nid=self.nid_column)
        if not self.sqlite:
            sql = sql.replace("?", "%s")
        cursor = self.conn.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []

    def disarm(self) -> None:
        """Switch off the append-only triggers on the log, as the tables' owner can."""
        tables = (self.events, CHAIN_TABLE)
        if self.sqlite:
            marks = ",".join("?" * len(tables))
            for (name,) in self.run(
                f"SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})",
                tables,
            ):
                self.run(f"DROP TRIGGER {name}")
        else:
            for table in tables:
                self.run(f"ALTER TABLE {table} DISABLE TRIGGER USER")

    def at(self, position: int) -> int:
        """The notification id of the event the chain holds at ``position``."""
        rows = self.run(
            f"SELECT notification_id FROM {CHAIN_TABLE} WHERE position = ?", (position,)
        )
        return int(rows[0][0])

    def state(self, position: int) -> bytes:
        rows = self.run("SELECT state FROM {events} WHERE {nid} = ?", (self.at(position),))
        return bytes(rows[0][0])

    def set_state(self, position: int, state: bytes) -> None:
        self.run("UPDATE {events} SET state = ? WHERE {nid} = ?", (state, self.at(position)))

    def close(self) -> None:
        self.conn.close()
