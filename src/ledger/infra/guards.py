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
