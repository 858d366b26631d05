"""Triggers that make the database itself refuse to change the log.

The events table and the audit chain are append-only: nothing the ledger does ever
updates or deletes a row of either.  These triggers make the database refuse it too,
so a mistaken ``UPDATE``, a stray ``DELETE FROM`` or (on PostgreSQL) a ``TRUNCATE`` by
anyone, the writer and reader roles included, fails with a message saying why.

They stop accidents and every role but the owner.  The owner of the tables can drop
or disable a trigger (``DROP TRIGGER``, ``ALTER TABLE ... DISABLE TRIGGER``) and then
change rows; that is what the audit chain, and a published head, are there to catch.
Every open by the owner puts a missing trigger back and re-enables a disabled one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ledger.infra.db import Connection

MESSAGE = "the ledger's log is append-only"
_QUOTED = MESSAGE.replace("'", "''")  # inside an SQL string literal
FUNCTION = "ledger_append_only"


def sqlite_statements(table: str) -> list[str]:
    """Triggers refusing UPDATE and DELETE on a SQLite table (idempotent)."""
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{_QUOTED}: {verb} on {table} is refused'); END"
        for verb in ("UPDATE", "DELETE")
    ]


def postgres_function(schema: str) -> str:
    """The trigger function every guard calls: it refuses whatever fired it."""
    return (
        f'CREATE OR REPLACE FUNCTION "{schema}".{FUNCTION}() RETURNS trigger '
        "LANGUAGE plpgsql AS $guard$ BEGIN "
        f"RAISE EXCEPTION '{_QUOTED}: % on %.% is refused', TG_OP, TG_TABLE_SCHEMA, "
        "TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; "
        "END $guard$"
    )


def postgres_statements(schema: str, table: str) -> list[str]:
    """Row triggers refusing UPDATE and DELETE, a statement trigger refusing TRUNCATE;
    created if missing, enabled again if disabled (idempotent, and no lock taken on the
    table when they are already in place)."""
    qualified = f'"{schema}".{table}'
    guards = [
        (f"{table}_append_only", "UPDATE OR DELETE", "ROW"),
        (f"{table}_no_truncate", "TRUNCATE", "STATEMENT"),
    ]
    body = "".join(
        f"SELECT tgenabled INTO state FROM pg_trigger "
        f"WHERE tgrelid = '{qualified}'::regclass AND tgname = '{name}'; "
        "IF NOT FOUND THEN "
        f"CREATE TRIGGER {name} BEFORE {events} ON {qualified} "
        f'FOR EACH {level} EXECUTE FUNCTION "{schema}".{FUNCTION}(); '
        f"ELSIF state = 'D' THEN ALTER TABLE {qualified} ENABLE TRIGGER {name}; "
        "END IF; "
        for name, events, level in guards
    )
    return [f'DO $guard$ DECLARE state "char"; BEGIN {body}END $guard$']


def in_place(db: Connection, tables: Sequence[str]) -> bool:
    """True when every guard of ``tables`` is there and enabled: an owner's open that
    finds them so has nothing to put back (and need not open the event store)."""
    if db.config.kind == "sqlite":
        wanted = {f"{t}_no_{verb}" for t in tables for verb in ("update", "delete")}
        marks = ",".join("?" * len(tables))
        rows = db.query(
            f"SELECT name FROM {db.home}.sqlite_master WHERE type = 'trigger' "
            f"AND tbl_name IN ({marks})",
            list(tables),
        )
        return wanted <= {r["name"] for r in rows}
    for table in tables:
        rows = db.query(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = to_regclass(?)",
            [f"{db.home}.{table}"],
        )
        enabled = {r["tgname"] for r in rows if r["tgenabled"] != "D"}
        if not {f"{table}_append_only", f"{table}_no_truncate"} <= enabled:
            return False
    return True
