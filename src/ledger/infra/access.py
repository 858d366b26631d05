"""What a connection may do to its ledger: create and migrate its tables, write, or read.

Opening a ledger asks the database, and never tries what it may not do: a read-only
connection creates nothing (no schema, no table, no trigger) and writes nothing.

- SQLite: a file opened with ``mode=ro`` (or ``Ledger(url, read_only=True)``) only reads;
  otherwise the ledger may do everything.
- PostgreSQL: the owner (``CREATE`` on the schema) creates and migrates the tables; a
  role that may ``INSERT`` into the events table writes (the writer role); any other
  role with ``USAGE`` on the schema only reads (the reader role).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.domain.errors import StorageError


@dataclass(frozen=True)
class Access:
    """What this connection may do."""

    create: bool  # create and migrate tables, triggers and the schema (the owner)
    write: bool  # append to the log and keep the read models (the owner and the writer)
    why: str = ""  # why it may not write, for messages

    @property
    def read_only(self) -> bool:
        return not self.write


OWNER = Access(create=True, write=True)
READ_ONLY = Access(create=False, write=False, why="it was opened with mode=ro")


def postgres(raw: Any, schema: str, where: str, read_only: bool) -> Access:
    """Ask PostgreSQL what the connected user may do with the ledger in ``schema``,
    creating the schema only when it is missing and the user may create it."""
    row = raw.execute(
        "SELECT current_user AS who, "
        "EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s) AS present, "
        "has_database_privilege(current_database(), 'CREATE') AS may_create",
        [schema],
    ).fetchone()
    who = row["who"]
    if not row["present"]:
        if read_only or not row["may_create"]:
            reason = "" if read_only else f", and user {who} may not create it"
            raise StorageError(f"there is no ledger in {where}: the schema does not exist{reason}")
        raw.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        return OWNER
    row = raw.execute(
        "SELECT has_schema_privilege(%s, 'USAGE') AS usage, "
        "has_schema_privilege(%s, 'CREATE') AS creates",
        [schema, schema],
    ).fetchone()
    if not row["usage"]:
        raise StorageError(
            f"user {who} may not read the ledger in {where}: it has no USAGE on the schema "
            "(the owner grants the reader role)"
        )
    if read_only:
        return READ_ONLY
    creates = bool(row["creates"])
    events = f'"{schema}".ledger_events'
    inserts = raw.execute(
        "SELECT CASE WHEN to_regclass(%s) IS NULL THEN NULL "
        "ELSE has_table_privilege(to_regclass(%s), 'INSERT') END AS inserts",
        [events, events],
    ).fetchone()["inserts"]
    writes = creates if inserts is None else inserts
    if not writes:
        return Access(create=False, write=False, why=f"user {who} may not write to it")
    return Access(create=creates, write=True)
