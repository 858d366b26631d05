"""Three PostgreSQL roles for one ledger's schema: its owner, its writer, its reader.

- ``PREFIX_owner`` owns the schema and every table, type and function in it: it creates
  and migrates them (``ledger init``, ``ledger projections rebuild``).  As owner it can
  also drop the append-only triggers; the audit chain and a published head catch that.
- ``PREFIX_writer`` records: it may only INSERT into the events and chain tables (and
  use what the library's insert needs: the events table's sequence, its composite type
  and insert function), keep the read models (``proj_*``, ``ledger_projections``) and
  read everything.  It cannot change or remove a stored event or a link.
- ``PREFIX_reader`` is for scrutiny: it may SELECT every table, and nothing else.

They are LOGIN roles with no password: give each a password (``ALTER ROLE ... PASSWORD``)
or ``GRANT PREFIX_reader TO alice`` to people who log in as themselves.  The same
statements are run by ``ledger init --roles PREFIX`` and printed, as a script, by
``ledger init --roles PREFIX --print-sql``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.domain.errors import ValidationError
from ledger.infra import guards
from ledger.infra.db import Connection
from ledger.infra.urls import DatabaseConfig

PREFIX = re.compile(r"^[a-z_][a-z0-9_]{0,55}$")  # leaves room for "_writer" in 63 bytes
# What eventsourcing creates beside the events table (originator ids are UUIDs).
LIBRARY_TYPE = "stored_event_uuid"
LIBRARY_INSERT = "es_insert_events_uuid"
META_KEY = "roles"  # the ledger_meta key that names the prefix once roles exist


@dataclass(frozen=True)
class Roles:
    """The names of one ledger's three roles."""

    owner: str
    writer: str
    reader: str


@dataclass(frozen=True)
class Tables:
    """The ledger's tables, by what each role may do with them."""

    log: Sequence[str]  # events and chain: append-only
    meta: str  # what the ledger keeps about itself: the owner's
    read_models: Sequence[str]  # tracking and projections: the writer keeps them

    @property
    def all(self) -> list[str]:
        return [*self.log, self.meta, *self.read_models]


def roles_for(prefix: str) -> Roles:
    """The three role names for ``prefix``; refuses a prefix PostgreSQL would mangle."""
    if not PREFIX.match(prefix):
        raise ValidationError(
            f"role prefix {prefix!r} must be lower-case letters, digits and _ "
            "(at most 56, not starting with a digit)"
        )
    return Roles(f"{prefix}_owner", f"{prefix}_writer", f"{prefix}_reader")


def create_statements(roles: Roles) -> list[str]:
    """Create each role unless it exists (needs CREATEROLE)."""
    return [
        "DO $roles$ BEGIN "
        f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') THEN "
        f"CREATE ROLE {name} LOGIN; END IF; END $roles$"
        for name in (roles.owner, roles.writer, roles.reader)
    ]


def remember_statement(schema: str, tables: Tables, roles: Roles) -> str:
    """Record the prefix in the ledger, so the owner re-grants any table it recreates."""
    prefix = roles.owner.removesuffix("_owner")
    return (
        f"INSERT INTO \"{schema}\".{tables.meta} (key, value) VALUES ('{META_KEY}', '{prefix}') "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
    )


def grant_statements(schema: str, roles: Roles, tables: Tables, events: str) -> list[str]:
    """Give the owner everything in the schema, then exactly the writer's and reader's
    privileges (revoking any others first, so running them again is exact)."""
    s = f'"{schema}"'
    owner, writer, reader = roles.owner, roles.writer, roles.reader
    qualified = {t: f"{s}.{t}" for t in tables.all}
    log = ", ".join(qualified[t] for t in tables.log)
    read_models = ", ".join(qualified[t] for t in tables.read_models)
    everything = ", ".join(qualified.values())
    insert = f"{s}.{LIBRARY_INSERT}({s}.{LIBRARY_TYPE}[])"
    return [
        f"ALTER SCHEMA {s} OWNER TO {owner}",
        *(f"ALTER TABLE {name} OWNER TO {owner}" for name in qualified.values()),
        f"ALTER TYPE {s}.{LIBRARY_TYPE} OWNER TO {owner}",
        f"ALTER FUNCTION {insert} OWNER TO {owner}",
        f"ALTER FUNCTION {s}.{guards.FUNCTION}() OWNER TO {owner}",
        f"REVOKE ALL ON SCHEMA {s} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {s} TO {writer}, {reader}",
        f"REVOKE ALL ON {everything} FROM PUBLIC, {writer}, {reader}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM PUBLIC, {writer}, {reader}",
        f"REVOKE ALL ON FUNCTION {insert} FROM PUBLIC, {reader}",
        f"GRANT SELECT ON {everything} TO {writer}, {reader}",
        f"GRANT INSERT ON {log} TO {writer}",
        f"GRANT USAGE ON SEQUENCE {s}.{events}_notification_id_seq TO {writer}",
        f"GRANT EXECUTE ON FUNCTION {insert} TO {writer}",
        f"GRANT INSERT, UPDATE, DELETE ON {read_models} TO {writer}",
    ]


def script(schema: str, roles: Roles, tables: Tables, events: str, url_hint: str) -> str:
    """The statements as one SQL script, for a database administrator to run."""
    lines = [
        f"-- The owner, writer and reader roles of the ledger in schema {schema}.",
        f"-- Generated by: ledger --db {url_hint} init --roles "
        f"{roles.owner.removesuffix('_owner')} --print-sql",
        "-- Run it as a superuser (psql -v ON_ERROR_STOP=1 -f roles.sql DBNAME) after",
        "-- `ledger init` has created the ledger's tables; running it again is harmless.",
        "BEGIN;",
        *(f"{statement};" for statement in create_statements(roles)),
        f"{remember_statement(schema, tables, roles)};",
        *(f"{statement};" for statement in grant_statements(schema, roles, tables, events)),
        "COMMIT;",
    ]
    return "\n".join(lines) + "\n"


def require_own_schema(config: DatabaseConfig) -> None:
    """Roles take a whole schema: refuse SQLite, and PostgreSQL's shared ``public``."""
    if config.kind != "postgresql":
        raise ValidationError(
            "roles are for a PostgreSQL ledger; a SQLite ledger is one file: protect it "
            "with file permissions, and open it with ?mode=ro to read only"
        )
    if config.schema == "public":
        raise ValidationError(
            "give the ledger a schema of its own (postgresql://…/db?schema=name) before "
            "creating roles for it: its roles take the whole schema"
        )


def create(db: Connection, roles: Roles, tables: Tables) -> None:
    """Create the roles (if missing) and grant them the ledger, in one transaction."""
    with db.transaction():
        for statement in create_statements(roles):
            db.execute(statement)
        db.execute(remember_statement(db.config.schema, tables, roles))
        grant(db, roles, tables)


def grant(db: Connection, roles: Roles, tables: Tables) -> None:
    """Give the roles exactly their privileges on every table the ledger has now."""
    assert db.config.kind == "postgresql"
    with db.transaction():
        for statement in grant_statements(db.config.schema, roles, tables, db.dialect.events):
            db.execute(statement)
