"""A scratch space beside a ledger: its log read live, every other table thrown away.

``verify --read-models`` rebuilds every read model from the log alone into scratch
tables and compares them with the live ones.  The scratch space is one connection on
which the log's tables (events, chain) resolve to the live ledger and the read-model
tables resolve to throw-away ones:

- SQLite: a temporary database file, with the ledger attached to it read-only as
  ``live``; unqualified names find the scratch tables first.
- PostgreSQL: the session's temporary schema first in the search path, then the
  ledger's schema.  Temporary tables need only the TEMPORARY privilege on the database,
  which every role has by default, so the reader role can verify too.

Neither can change the ledger: SQLite's attachment is read-only, and on PostgreSQL the
rebuild and the comparison run in one READ ONLY transaction (``Connection.snapshot``).
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ledger.domain.errors import StorageError
from ledger.infra import errors
from ledger.infra.db import Connection, connect_postgres
from ledger.infra.urls import DEFAULT_URL, DatabaseConfig


@dataclass(frozen=True)
class Scratch:
    """A connection whose own tables are scratch ones, and how to name either side's."""

    db: Connection
    live: str  # the qualifier of the ledger's own tables
    mine: str  # the qualifier of the scratch tables


@contextmanager
def scratch_space(config: DatabaseConfig) -> Iterator[Scratch]:
    """Open a scratch space beside the ledger ``config`` names; remove it afterwards."""
    if config.kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ledger-verify-") as folder:
            raw = _sqlite_beside(config, Path(folder) / "scratch.db")
            try:
                yield Scratch(Connection.over(config, raw, "main"), live="live", mine="main")
            finally:
                raw.close()
        return
    raw = connect_postgres(config)
    try:
        with errors.storage_errors(f"cannot open a scratch space beside {config.describe()}"):
            raw.execute(f'SET search_path TO pg_temp, "{config.schema}"')
        yield Scratch(
            Connection.over(config, raw, "pg_temp"), live=f'"{config.schema}"', mine="pg_temp"
        )
    finally:
        raw.close()


def _sqlite_beside(config: DatabaseConfig, path: Path) -> sqlite3.Connection:
    ledger = Path(config.path or DEFAULT_URL).resolve()
    if not ledger.is_file():
        raise StorageError(f"cannot open sqlite file {config.path}: there is no such file")
    with errors.storage_errors(f"cannot open a scratch space beside {config.describe()}"):
        raw = sqlite3.connect(path.as_uri(), isolation_level=None, uri=True)
        raw.row_factory = sqlite3.Row
        raw.execute("ATTACH DATABASE ? AS live", [f"{ledger.as_uri()}?mode=ro"])
    return raw
