"""The connection for the SQL this project writes itself, on SQLite or PostgreSQL.

Opening checks what it can before the driver is asked (a missing folder, a folder
given for a file), asks the database what this user may do (``infra/access.py``) and
creates nothing it may not.  Every failure the database reports leaves as one
``StorageError`` line (``infra/errors.py``).  ``psycopg`` is only imported for
PostgreSQL, so commands on SQLite do not pay its start-up cost.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NoReturn

import msgspec

from ledger.domain.errors import StorageError, ValidationError
from ledger.infra import access, errors
from ledger.infra.urls import DEFAULT_URL, DatabaseConfig

_cursor_numbers = itertools.count(1)
# The SQLite page cache of a long write or rebuild (``Connection.roomy_cache``), in KiB.
LONG_WRITE_CACHE_KIB = 64 * 1024


class Connection:
    """A plain DB-API connection for the SQL this project writes itself."""

    def __init__(self, config: DatabaseConfig):
        self.config = config
        self.dialect = config.dialect
        self.access: access.Access
        self._raw: Any
        self._depth = 0  # open transactions: the outermost, then savepoints
        # While the ledger's write lock is held on this connection (``writing``): the
        # chain's head as read under it (position, hash, recorded_at), so the chain and
        # the history cache need not read it again; None when not known.
        self.writing = False
        self.head: tuple[int, str, str] | None = None
        # The links this write session has added after that head, not yet applied by
        # the read models: (position, recorded_at, hash, topic, originator id, version).
        self.written: list[tuple[int, str, str, str, Any, int]] = []
        # The events of those links, where the write handed them on (``written`` first,
        # in the same order): the read models' catch-up takes them from here, so a big
        # write's events need not be held by the history cache to be applied unread.
        self.written_events: list[Any] = []
        # Each read model's position as the read models' check read it under this write
        # lock, moved on as the write's catch-up applies events: nothing else can move
        # it while the lock is held, so the catch-up after the save need not read it
        # again.  None when not read under this lock.
        self.tracked: dict[str, int] | None = None
        # PostgreSQL, in the write session's transaction: statements whose result nothing
        # reads, held to go to the server as one (``defer``).
        self._deferred: list[tuple[str, str, tuple[Any, ...]]] = []  # table, SQL, values
        # Where this connection's own tables are (what table_exists and columns look at).
        self.home = "main" if config.kind == "sqlite" else f'"{config.schema}"'
        if config.kind == "sqlite":
            self._raw = _open_sqlite(config)
            self.access = access.READ_ONLY if config.read_only else access.OWNER
        else:
            self._raw = connect_postgres(config)
            try:
                with errors.storage_errors(f"cannot open {config.describe()}", config.password):
                    self.access = access.postgres(
                        self._raw, config.schema, config.describe(), config.read_only
                    )
                    self._raw.execute(f'SET search_path TO "{config.schema}"')
                    if self.access.read_only:
                        # Every statement then runs in a READ ONLY transaction, so the
                        # server itself refuses a write on this connection, whatever
                        # the user's privileges (the web view opens ledgers so).
                        self._raw.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            except BaseException:
                self._raw.close()
                raise

    @classmethod
    def over(cls, config: DatabaseConfig, raw: Any, home: str) -> Connection:
        """A connection on a driver connection opened elsewhere (a scratch space), whose
        own tables are in ``home``, where it may create and write them."""
        self = cls.__new__(cls)
        self.config, self.dialect, self._raw, self._depth = config, config.dialect, raw, 0
        self.writing, self.head, self.written, self.tracked = False, None, [], None
        self._deferred, self.written_events = [], []
        self.access, self.home = access.OWNER, home
        return self

    def _failed(self, exc: Exception) -> NoReturn:
        if errors.is_database_error(exc):
            raise StorageError(
                errors.mask(
                    f"{self.config.describe()}: {errors.describe(exc)}", self.config.password
                )
            ) from exc
        raise exc

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement (``?`` placeholders); returns the cursor."""
        for value in params:
            # No stored text holds a NUL (domain/types.py refuses it), and PostgreSQL
            # cannot take one in a query: a lookup by such a value is a mistake.
            if isinstance(value, str) and "\x00" in value:
                raise ValidationError(f"{value!r} holds a NUL character (U+0000)")
        if self._deferred and self._names_deferred(statement):
            self.send_deferred()
        try:
            return self._raw.execute(self.dialect.sql(statement), tuple(params))
        except Exception as exc:
            self._failed(exc)

    def _names_deferred(self, statement: str) -> bool:
        """Whether ``statement`` names a table a deferred statement writes: it must then
        find their rows, so they go first.  (A statement on other tables may run before
        them: nothing here reads or writes across tables behind a statement's back.)"""
        return any(table in statement for table, _, _ in self._deferred)

    def defer(self, statement: str, params: Sequence[Any] = (), *, table: str) -> None:
        """Run a statement whose result nothing reads (an INSERT or UPDATE of a read
        model's rows).  On PostgreSQL, in the write session's transaction, it is held
        and sent with the others held after it as one statement (each but the last a
        data-modifying ``WITH`` part), before the next statement or the commit: the
        driver's work per statement is most of a small write's time there.

        The parts run against one snapshot, so what is deferred must neither read rows
        another deferred statement writes nor write a row another one writes: a read
        model's closing UPDATE and its INSERT of new rows, its rows and the tracking
        rows, each written once per batch.  A statement deferred again while its like
        is held (a write whose catch-up takes more than one batch) sends what is held
        first."""
        if not (self.writing and self._depth and self.config.kind == "postgresql"):
            self.execute(statement, params)
            return
        for value in params:
            if isinstance(value, str) and "\x00" in value:
                raise ValidationError(f"{value!r} holds a NUL character (U+0000)")
        text = self.dialect.sql(statement)
        if any(held == text for _, held, _ in self._deferred):
            # The same statement again (the next catch-up batch of one write moving the
            # tracking rows on again): the held one goes first, so neither writes a row
            # the other writes against one snapshot.
            self.send_deferred()
        self._deferred.append((table, text, tuple(params)))

    def send_deferred(self) -> None:
        """Send the statements ``defer`` holds, as one."""
        held, self._deferred = self._deferred, []
        if not held:
            return
        *parts, (_, last, last_params) = held
        statement = last
        params: list[Any] = []
        if parts:
            statement = (
                "WITH "
                + ", ".join(f"ledger_w{i} AS ({text})" for i, (_, text, _) in enumerate(parts))
                + f" {last}"
            )
            for _, _, values in parts:
                params.extend(values)
        params.extend(last_params)
        try:
            self._raw.execute(statement, params)
        except Exception as exc:
            self._failed(exc)

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self._deferred and self._names_deferred(statement):
            self.send_deferred()
        try:
            if self.config.kind == "sqlite":
                self._raw.executemany(statement, rows)
            else:
                with self._raw.cursor() as cur:
                    cur.executemany(self.dialect.sql(statement), rows)
        except Exception as exc:
            self._failed(exc)

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """INSERT ``rows`` (values in the order of ``columns``): an executemany on SQLite;
        on PostgreSQL one statement, the rows given as one JSON array and read back by
        the table's own row type (``json_populate_recordset``), instead of a statement
        (and the driver's per-value work) for every row."""
        if not rows:
            return
        names = ",".join(columns)
        if self.config.kind == "sqlite":
            marks = ",".join("?" * len(columns))
            self.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            return
        self.defer(
            f"INSERT INTO {table} ({names}) SELECT {names} "
            f"FROM json_populate_recordset(NULL::{table}, ?)",
            [_json_rows(columns, rows)],
            table=table,
        )

    def update_rows(
        self, table: str, assign: str, where: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """``UPDATE table SET assign = ? WHERE w1 = ? AND ... AND recorded_to IS NULL``
        for each row (the value of ``assign``, then those of ``where``): an executemany
        on SQLite, one statement on PostgreSQL (as ``insert_rows``)."""
        if not rows:
            return
        if self.config.kind == "sqlite":
            match = " AND ".join(f"{c} = ?" for c in where)
            self.executemany(
                f"UPDATE {table} SET {assign} = ? WHERE {match} AND recorded_to IS NULL", rows
            )
            return
        match = " AND ".join(f"t.{c} = x.{c}" for c in where)
        # The LIMIT (all the rows given) tells the planner how many there are: it takes a
        # set-returning function for a hundred rows, and for one row closed it then
        # hash-joined every open row of the table, a cost that grew with the table.
        self.defer(
            f"UPDATE {table} AS t SET {assign} = x.{assign} "
            f"FROM (SELECT * FROM json_populate_recordset(NULL::{table}, ?) "
            f"LIMIT {len(rows)}) AS x "
            f"WHERE {match} AND t.recorded_to IS NULL",
            [_json_rows([assign, *where], rows)],
            table=table,
        )

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return list(self.execute(statement, params).fetchall())
        except StorageError:
            raise
        except Exception as exc:
            self._failed(exc)

    def batches(
        self, statement: str, params: Sequence[Any] = (), size: int = 10_000
    ) -> Generator[list[tuple[Any, ...]], None, None]:
        """The rows of one query as plain tuples, ``size`` at a time, read through one
        cursor: on SQLite as the statement steps, on PostgreSQL from a server-side
        cursor (in a transaction of its own, or a savepoint), so memory stays bounded
        and every batch comes from the one snapshot the query began with."""
        for value in params:
            if isinstance(value, str) and "\x00" in value:
                raise ValidationError(f"{value!r} holds a NUL character (U+0000)")
        if self._deferred:
            self.send_deferred()
        if self.config.kind == "sqlite":
            yield from self._sqlite_batches(statement, params, size)
        else:
            yield from self._postgres_batches(statement, params, size)

    def _sqlite_batches(
        self, statement: str, params: Sequence[Any], size: int
    ) -> Generator[list[tuple[Any, ...]], None, None]:
        cursor = self._raw.cursor()
        cursor.row_factory = None  # plain tuples: no Row object per row
        try:
            try:
                cursor.execute(self.dialect.sql(statement), tuple(params))
                batch = cursor.fetchmany(size)
            except Exception as exc:
                self._failed(exc)
            while batch:
                yield batch
                try:
                    batch = cursor.fetchmany(size)
                except Exception as exc:
                    self._failed(exc)
        finally:
            # A reader dropped after the ledger closed has nothing left to close.
            with suppress(sqlite3.ProgrammingError):
                cursor.close()

    def _postgres_batches(
        self, statement: str, params: Sequence[Any], size: int
    ) -> Generator[list[tuple[Any, ...]], None, None]:
        from psycopg.rows import tuple_row

        name = f"ledger_batches_{next(_cursor_numbers)}"  # two may be open at once
        try:
            with (
                self._raw.transaction(),
                self._raw.cursor(name=name, row_factory=tuple_row) as cursor,
            ):
                cursor.execute(self.dialect.sql(statement), tuple(params))
                while batch := cursor.fetchmany(size):
                    yield batch
        except Exception as exc:
            if self._raw.closed:  # dropped after the ledger closed: nothing to undo
                return
            self._failed(exc)

    def scalar(self, statement: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(statement, params).fetchone()
        if row is None:
            return None
        return row[0] if self.config.kind == "sqlite" else next(iter(row.values()))

    def driver(self) -> Any:
        """The driver's own connection, for the recorder that joins its transactions."""
        if self._deferred:
            self.send_deferred()
        return self._raw

    def cursor(self) -> Any:
        """A cursor of the driver's own, for the recorder that joins this transaction."""
        if self._deferred:
            self.send_deferred()
        return self._raw.cursor()

    @property
    def in_transaction(self) -> bool:
        """True inside ``transaction()`` (or ``snapshot()``)."""
        return self._depth > 0

    @contextmanager
    def roomy_cache(self) -> Iterator[None]:
        """A long write or rebuild on SQLite: a page cache of ``LONG_WRITE_CACHE_KIB``
        for its duration, the connection's own size again after it.

        Such a write inserts into indexes keyed at random (event ids, aggregate ids,
        slugs); with SQLite's default cache of 2 MiB most of those inserts miss it once
        the indexes outgrow it, and the transaction spills dirty pages to the WAL to
        make room, to write them again later: a 100,000-event import made 316,000 reads
        and 313,000 writes of pages, against 32,000 and 96,000 with 64 MiB.  The cache
        is filled only as pages are read, and emptied when it shrinks back
        (ADR 0026).  PostgreSQL's server keeps its own buffers: nothing changes."""
        if self.config.kind != "sqlite":
            yield
            return
        before = int(self._raw.execute(f"PRAGMA {self.home}.cache_size").fetchone()[0])
        self._raw.execute(f"PRAGMA {self.home}.cache_size = -{LONG_WRITE_CACHE_KIB}")
        try:
            yield
        finally:
            self._raw.execute(f"PRAGMA {self.home}.cache_size = {before}")

    @contextmanager
    def write_session(self) -> Iterator[None]:
        """The block of a write (the write lock held on this connection): marks it
        ``writing``, and on PostgreSQL sends its statements as one pipeline, so a
        statement whose result nothing reads (an UPDATE, an INSERT) costs no round trip
        of its own: it goes with the next one whose rows are read, or the commit.  A
        statement refused there is raised at that point, and undoes the transaction as
        any failure does."""
        self.writing, self.head, self.written, self.tracked = True, None, [], None
        self._deferred, self.written_events = [], []
        try:
            if self.config.kind == "sqlite":
                yield
                return
            failed_inside = False
            try:
                with self._raw.pipeline():
                    try:
                        yield
                    except BaseException:
                        failed_inside = True
                        raise
            except Exception as exc:
                self._end_failed_transaction()
                if failed_inside:
                    raise
                self._failed(exc)
            except BaseException:
                self._end_failed_transaction()
                raise
        finally:
            self.writing, self.head, self.written, self.tracked = False, None, [], None
            self._deferred, self.written_events = [], []

    def _end_failed_transaction(self) -> None:
        """After a failure in the write session's pipeline: a transaction it left open
        (the ROLLBACK queued after a refused statement is skipped with the rest) is
        rolled back here, outside the pipeline."""
        from psycopg.pq import TransactionStatus

        with suppress(Exception):
            if self._raw.info.transaction_status in (
                TransactionStatus.INTRANS,
                TransactionStatus.INERROR,
            ):
                self._raw.execute("ROLLBACK")

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """All or nothing: commit on success, roll back on any error.

        On SQLite the outermost transaction takes the write lock at once (``BEGIN
        IMMEDIATE``, waiting up to 30 s); a transaction inside another is a savepoint,
        so a step that fails undoes only itself and the outer one goes on.

        Inside a write session's transaction, a transaction is part of it and no
        savepoint of its own: a write that fails anywhere is undone whole, so none is
        ever rolled back to."""
        if self.writing and self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        if self.config.kind == "sqlite":
            with self._sqlite_transaction():
                yield self
            return
        if self.writing:
            with self._pipelined_transaction():
                yield self
            return
        failed_inside = False
        try:
            with self._raw.transaction():  # psycopg nests with savepoints itself
                self._depth += 1
                try:
                    yield self
                except BaseException:
                    failed_inside = True
                    raise
                finally:
                    self._depth -= 1
        except Exception as exc:
            if failed_inside:
                raise
            self._failed(exc)

    @contextmanager
    def _pipelined_transaction(self) -> Iterator[None]:
        """The write session's transaction, in its pipeline: BEGIN and COMMIT go with
        the statements around them instead of waiting each for its own answer.  The
        COMMIT's answer is awaited at the end of the write session, before the write is
        reported done; if it fails, the write fails."""
        raw = self._raw
        try:
            raw.execute("BEGIN")
        except Exception as exc:
            self._failed(exc)
        self._depth += 1
        try:
            yield
            self.send_deferred()
        except BaseException:
            self._depth -= 1
            self._deferred = []
            with suppress(Exception):  # what is raised is the failure itself
                raw.execute("ROLLBACK")
            raise
        self._depth -= 1
        try:
            raw.execute("COMMIT")
        except Exception as exc:
            self._failed(exc)

    @contextmanager
    def _sqlite_transaction(self) -> Iterator[None]:
        depth = self._depth
        savepoint = f"ledger_{depth}"
        self.execute(f"SAVEPOINT {savepoint}" if depth else "BEGIN IMMEDIATE")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if depth:
                try:
                    self._raw.execute(f"ROLLBACK TO {savepoint}")
                    self._raw.execute(f"RELEASE {savepoint}")
                except sqlite3.Error:
                    # The failure (a full disk) ended the whole transaction itself, its
                    # savepoints with it: what is raised is that failure, not this.
                    pass
            elif self._raw.in_transaction:
                self._raw.execute("ROLLBACK")
            raise
        self._depth -= 1
        if depth:
            self.execute(f"RELEASE {savepoint}")
            return
        try:
            self.execute("COMMIT")
        except StorageError:
            # A commit refused (a full disk) leaves nothing half-done.
            if self._raw.in_transaction:
                self._raw.execute("ROLLBACK")
            raise

    def table_exists(self, name: str, where: str | None = None) -> bool:
        """Whether the table is in this connection's home (or in ``where``)."""
        where = where or self.home
        if self.config.kind == "sqlite":
            return bool(
                self.scalar(
                    f"SELECT count(*) FROM {where}.sqlite_master WHERE type='table' AND name=?",
                    [name],
                )
            )
        return bool(self.scalar("SELECT to_regclass(?) IS NOT NULL", [f"{where}.{name}"]))

    def columns(self, table: str, where: str | None = None) -> list[str]:
        """The names of a table's columns, in order (none if there is no such table)."""
        where = where or self.home
        if self.config.kind == "sqlite":
            return [r["name"] for r in self.query(f"PRAGMA {where}.table_info({table})")]
        rows = self.query(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?) "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            [f"{where}.{table}"],
        )
        return [r["attname"] for r in rows]

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One consistent, read-only view of the ledger for the whole block, undone at the
        end.  Only scratch tables may be written: SQLite's attached read-only ledger
        refuses writes, and PostgreSQL's READ ONLY transaction allows only temporary
        tables (which must exist before the block)."""
        if self.config.kind == "sqlite":
            self.execute("BEGIN")
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                self._raw.execute("ROLLBACK")
            return
        from psycopg import IsolationLevel

        self._raw.isolation_level, self._raw.read_only = IsolationLevel.REPEATABLE_READ, True
        try:
            with self._raw.transaction(force_rollback=True):
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
        finally:
            self._raw.isolation_level, self._raw.read_only = None, None

    def close(self) -> None:
        self._raw.close()


def _json_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Rows as one JSON array of objects keyed by column (plain text, integers, null)."""
    return msgspec.json.encode([dict(zip(columns, row, strict=True)) for row in rows]).decode()


def _open_sqlite(config: DatabaseConfig) -> sqlite3.Connection:
    where = f"cannot open {config.describe()}"
    path = Path(config.path or DEFAULT_URL)
    if path.is_dir():
        raise StorageError(f"{where}: it is a folder, not a ledger file")
    if not path.exists():
        if config.read_only:
            raise StorageError(f"{where}: there is no such file")
        if not path.parent.is_dir():
            raise StorageError(f"{where}: the folder {path.parent} does not exist")
    with errors.storage_errors(where):
        raw = sqlite3.connect(
            config.sqlite_target(), timeout=30, isolation_level=None, uri=config.read_only
        )
        try:
            raw.row_factory = sqlite3.Row
            # The first read of the file: a file that is not a database fails here.
            mode = raw.execute("PRAGMA journal_mode").fetchone()[0]
            if not config.read_only and str(mode).lower() != "wal":
                raw.execute("PRAGMA journal_mode=WAL")
        except BaseException:
            raw.close()
            raise
    return raw


def connect_postgres(config: DatabaseConfig) -> Any:
    """A psycopg connection (autocommit, rows as dicts), or one StorageError line."""
    import psycopg
    from psycopg.rows import dict_row

    try:
        return psycopg.connect(config.conninfo(), row_factory=dict_row, autocommit=True)
    except psycopg.Error as exc:
        raise StorageError(
            errors.mask(
                f"cannot reach PostgreSQL at {config.describe()}: {errors.first_line(exc)}",
                config.password,
            )
        ) from None
