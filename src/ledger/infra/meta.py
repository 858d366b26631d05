"""What the ledger keeps about itself, and whether its log's tables are there, without
the eventsourcing library: a read of the read models never opens the event store
(``infra/store.py``), so it never imports the library (ADR 0023)."""

from __future__ import annotations

from ledger.infra.chain import CHAIN_TABLE
from ledger.infra.db import Connection

META = "ledger_meta"


def log_ready(db: Connection) -> bool:
    """True when the log's tables (events, chain, meta) are all there: the event store
    may then be opened when a write first needs it, as it would find them."""
    return all(db.table_exists(t) for t in (db.dialect.events, CHAIN_TABLE, META))


def read_meta(db: Connection, key: str) -> str | None:
    """A value the ledger keeps about itself, or None (also before its tables exist)."""
    if not db.access.create and not db.table_exists(META):
        return None
    value = db.scalar(f"SELECT value FROM {META} WHERE key = ?", [key])
    return None if value is None else str(value)


def write_meta(db: Connection, key: str, value: str) -> None:
    """Set a value the ledger keeps about itself."""
    db.execute(f"DELETE FROM {META} WHERE key = ?", [key])
    db.execute(f"INSERT INTO {META} (key, value) VALUES (?, ?)", [key, value])
