"""What the ledger keeps about itself, and whether its log's tables are there, without
the eventsourcing library: a read of the read models never opens the event store
(``infra/store.py``), so it never imports the library (ADR 0023)."""

from __future__ import annotations

from ledger.infra import guards
from ledger.infra.chain import CHAIN_TABLE
from ledger.infra.db import Connection

META = "ledger_meta"


def log_ready(db: Connection) -> bool:
    """True when the log's tables (events, chain, meta) are all there and, for their
    owner, guarded (``infra/guards.py``) and indexed: opening the event store, which
    puts back what is missing, would then change nothing, so it may wait until a
    write first needs it."""
    log = (db.dialect.events, CHAIN_TABLE)
    if not all(db.table_exists(t) for t in (*log, META)):
        return False
    return not db.access.create or (guards.in_place(db, log) and _chain_indexed(db))


def _chain_indexed(db: Connection) -> bool:
    name = f"{CHAIN_TABLE}_recorded_idx"  # the one index the store adds to its tables
    if db.config.kind == "sqlite":
        sql = f"SELECT count(*) FROM {db.home}.sqlite_master WHERE type = 'index' AND name = ?"
        return bool(db.scalar(sql, [name]))
    return bool(db.scalar("SELECT to_regclass(?) IS NOT NULL", [f"{db.home}.{name}"]))


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
