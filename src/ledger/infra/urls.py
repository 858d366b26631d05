"""Where a ledger lives: one database URL chooses SQLite (the default) or PostgreSQL.

``./ledger.db``, ``sqlite:///path/to/file.db`` or ``postgresql://user@host:5432/db``
(optionally ``?schema=name``: each ledger in its own schema).  ``?mode=ro`` on either
opens the ledger read-only.  A password in a URL is never shown: ``describe`` leaves
it out and ``safe_url`` masks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from ledger.domain.errors import StorageError
from ledger.infra.errors import mask

if TYPE_CHECKING:
    from uuid import UUID

DEFAULT_URL = "ledger.db"
IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# The options a SQLite path may end with: ledger.db?mode=ro
_OPTIONS = re.compile(r"^[a-z_]+=[^&=]*(&[a-z_]+=[^&=]*)*$")
MODES = ("ro", "rw")


IDLE_IN_TRANSACTION_SECONDS = "5"


@dataclass(frozen=True)
class Dialect:
    """The few ways the two databases differ, for the SQL this project writes itself."""

    name: str
    placeholder: str
    notification_id: str
    events: str
    schema: str | None = None

    def sql(self, statement: str) -> str:
        """Rewrite ``?`` placeholders for this database."""
        return statement if self.placeholder == "?" else statement.replace("?", self.placeholder)

    def table(self, name: str) -> str:
        """A table name, qualified by the schema on PostgreSQL."""
        return f'"{self.schema}".{name}' if self.schema else name

    def originator(self, aggregate_id: UUID) -> object:
        """An aggregate id as the events table holds it (SQLite: 32 hex digits as text;
        PostgreSQL: a uuid), for a lookup by ``originator_id``."""
        return aggregate_id.hex if self.name == "sqlite" else aggregate_id


@dataclass(frozen=True)
class DatabaseConfig:
    """A parsed database URL (its repr never shows the password)."""

    url: str = field(repr=False)
    kind: str  # "sqlite" | "postgresql"
    path: str | None = None
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = field(default="", repr=False)
    dbname: str = ""
    schema: str = "public"
    read_only: bool = False

    @property
    def dialect(self) -> Dialect:
        if self.kind == "sqlite":
            return Dialect("sqlite", "?", "rowid", "stored_events")
        # eventsourcing names the PostgreSQL table after the application ("Ledger").
        return Dialect("postgresql", "%s", "notification_id", "ledger_events", self.schema)

    @property
    def safe_url(self) -> str:
        """The URL as given, with any password replaced by ``***``."""
        return mask(self.url, self.password)

    def url_for(self, user: str) -> str:
        """This PostgreSQL ledger's URL for another user (no password)."""
        return f"postgresql://{user}@{self.host}:{self.port}/{self.dbname}?schema={self.schema}"

    def describe(self) -> str:
        """Where the ledger is, without any password."""
        if self.kind == "sqlite":
            return f"sqlite file {self.path}"
        return f"postgresql {self.user}@{self.host}:{self.port}/{self.dbname} schema {self.schema}"

    def sqlite_target(self) -> str:
        """What sqlite3 opens: the path, or a ``file:`` URI that only reads."""
        path = Path(self.path or DEFAULT_URL)
        return f"{path.resolve().as_uri()}?mode=ro" if self.read_only else str(path)

    def eventsourcing_env(self, *, create_tables: bool) -> dict[str, str]:
        """The persistence settings for the eventsourcing application, pinned."""
        create = "y" if create_tables else "n"
        if self.kind == "sqlite":
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": self.sqlite_target(),
                "SQLITE_LOCK_TIMEOUT": "30",
                "CREATE_TABLE": create,
                "APPLICATION_RECORDER_TOPIC": "ledger.infra.sqlite_recorder:ChainedSQLiteRecorder",
            }
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_SCHEMA": self.schema,
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_LOCK_TIMEOUT": "30",
            # A transaction left idle this long is ended by the server; the write lock
            # is held outside any transaction, so a long import is not one of them.
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": IDLE_IN_TRANSACTION_SECONDS,
            "POSTGRES_POOL_SIZE": "2",
            "POSTGRES_MAX_OVERFLOW": "4",
            "CREATE_TABLE": create,
            "APPLICATION_RECORDER_TOPIC": "ledger.infra.postgres_recorder:ChainedPostgresRecorder",
        }

    def conninfo(self) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=self.dbname,
            connect_timeout=5,
        )


def parse_url(url: str | None) -> DatabaseConfig:
    """Parse a database URL or plain path; raise StorageError with one clear line."""
    if url is not None and not url.strip():
        raise StorageError(
            "the database URL is blank: give a file path, sqlite:///file.db "
            "or postgresql://user@host/db"
        )
    url = (url or DEFAULT_URL).strip()
    shown = mask(url)
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(url)
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname:
            raise StorageError(f"database URL {shown!r} names no database (…/dbname)")
        query = parse_qs(parts.query)
        schema = query.get("schema", ["public"])[0]
        if not IDENT.match(schema):
            raise StorageError(f"schema {schema!r} must be lower-case letters, digits and _")
        try:
            port = parts.port or 5432
        except ValueError:
            raise StorageError(f"database URL {shown!r} has a port that is not a number") from None
        return DatabaseConfig(
            url=url,
            kind="postgresql",
            host=parts.hostname or "127.0.0.1",
            port=port,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            dbname=dbname,
            schema=schema,
            read_only=_read_only(query, shown),
        )
    if url.startswith("sqlite:"):
        # As SQLAlchemy reads them: sqlite:///relative.db, sqlite:////absolute/path.db
        if not url.startswith("sqlite:///") or len(url) == len("sqlite:///"):
            raise StorageError(f"database URL {shown!r} names no file (sqlite:///file.db)")
        path = url[len("sqlite:///") :]
    elif "://" in url:
        raise StorageError(
            f"unsupported database URL {shown!r}: use a path, sqlite:/// or postgresql://"
        )
    else:
        path = url
    options: dict[str, list[str]] = {}
    head, mark, tail = path.rpartition("?")
    if mark and _OPTIONS.match(tail):
        path, options = head, parse_qs(tail)
        unknown = sorted(set(options) - {"mode"})
        if unknown:
            raise StorageError(f"database URL {shown!r}: unknown option {unknown[0]!r} (mode=ro)")
    if not path.strip():
        raise StorageError(f"database URL {shown!r} names no file")
    return DatabaseConfig(
        url=url, kind="sqlite", path=str(Path(path)), read_only=_read_only(options, shown)
    )


def _read_only(options: dict[str, list[str]], shown: str) -> bool:
    mode = options.get("mode", ["rw"])[0]
    if mode not in MODES:
        raise StorageError(f"database URL {shown!r}: mode must be ro or rw, not {mode!r}")
    return mode == "ro"
