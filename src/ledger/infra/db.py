"""Where a ledger lives: one database URL chooses SQLite (the default) or PostgreSQL.

``./ledger.db``, ``sqlite:///path/to/file.db`` or ``postgresql://user@host:5432/db``
(optionally ``?schema=name``: each ledger in its own schema).  ``psycopg`` is only
imported for PostgreSQL, so commands on SQLite do not pay its start-up cost.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ledger.domain.errors import StorageError

DEFAULT_URL = "ledger.db"
IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


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


@dataclass(frozen=True)
class DatabaseConfig:
    """A parsed database URL."""

    url: str
    kind: str  # "sqlite" | "postgresql"
    path: str | None = None
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    dbname: str = ""
    schema: str = "public"

    @property
    def dialect(self) -> Dialect:
        if self.kind == "sqlite":
            return Dialect("sqlite", "?", "rowid", "stored_events")
        # eventsourcing names the PostgreSQL table after the application ("Ledger").
        return Dialect("postgresql", "%s", "notification_id", "ledger_events", self.schema)

    def describe(self) -> str:
        """Where the ledger is, without any password."""
        if self.kind == "sqlite":
            return f"sqlite file {self.path}"
        return f"postgresql {self.user}@{self.host}:{self.port}/{self.dbname} schema {self.schema}"

    def eventsourcing_env(self) -> dict[str, str]:
        """The persistence settings for the eventsourcing application, pinned."""
        if self.kind == "sqlite":
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.path),
                "SQLITE_LOCK_TIMEOUT": "30",
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
            "POSTGRES_POOL_SIZE": "2",
            "POSTGRES_MAX_OVERFLOW": "4",
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
    url = (url or DEFAULT_URL).strip()
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(url)
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname:
            raise StorageError(f"database URL {url!r} names no database (…/dbname)")
        query = parse_qs(parts.query)
        schema = query.get("schema", ["public"])[0]
        if not IDENT.match(schema):
            raise StorageError(f"schema {schema!r} must be lower-case letters, digits and _")
        return DatabaseConfig(
            url=url,
            kind="postgresql",
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            dbname=dbname,
            schema=schema,
        )
    if url.startswith("sqlite:"):
        # As SQLAlchemy reads them: sqlite:///relative.db, sqlite:////absolute/path.db
        if not url.startswith("sqlite:///") or len(url) == len("sqlite:///"):
            raise StorageError(f"database URL {url!r} names no file (sqlite:///file.db)")
        path = url[len("sqlite:///") :]
    elif "://" in url:
        raise StorageError(
            f"unsupported database URL {url!r}: use a path, sqlite:/// or postgresql://"
        )
    else:
        path = url
    return DatabaseConfig(url=url, kind="sqlite", path=str(Path(path)))


class Connection:
    """A plain DB-API connection for the SQL this project writes itself."""

    def __init__(self, config: DatabaseConfig):
        self.config = config
        self.dialect = config.dialect
        self._raw: Any
        if config.kind == "sqlite":
            raw = sqlite3.connect(config.path or DEFAULT_URL, timeout=30, isolation_level=None)
            raw.row_factory = sqlite3.Row
            raw.execute("PRAGMA journal_mode=WAL")
            self._raw = raw
        else:
            import psycopg
            from psycopg.rows import dict_row

            try:
                self._raw = psycopg.connect(
                    config.conninfo(), row_factory=dict_row, autocommit=True
                )
            except psycopg.OperationalError as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
                raise StorageError(
                    f"cannot reach PostgreSQL at {config.describe()}: {first}"
                ) from None
            self._raw.execute(f'CREATE SCHEMA IF NOT EXISTS "{config.schema}"')
            self._raw.execute(f'SET search_path TO "{config.schema}"')

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement (``?`` placeholders); returns the cursor."""
        return self._raw.execute(self.dialect.sql(statement), tuple(params))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.config.kind == "sqlite":
            self._raw.executemany(statement, rows)
        else:
            with self._raw.cursor() as cur:
                cur.executemany(self.dialect.sql(statement), rows)

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self.execute(statement, params).fetchall())

    def scalar(self, statement: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(statement, params).fetchone()
        if row is None:
            return None
        return row[0] if self.config.kind == "sqlite" else next(iter(row.values()))

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """All or nothing: commit on success, roll back on any error."""
        if self.config.kind == "sqlite":
            self._raw.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._raw.execute("ROLLBACK")
                raise
            self._raw.execute("COMMIT")
        else:
            with self._raw.transaction():
                yield self

    def table_exists(self, name: str) -> bool:
        if self.config.kind == "sqlite":
            return bool(
                self.scalar(
                    "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?", [name]
                )
            )
        return bool(
            self.scalar(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = ? AND table_name = ?",
                [self.config.schema, name],
            )
        )

    def close(self) -> None:
        self._raw.close()
