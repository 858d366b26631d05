"""Shared helpers for the benchmarks: backends, raw ceilings, timing and result tables.

A *raw ceiling* is the same stored bytes written (or hashed) with nothing but the
database driver (or hashlib), measured in the same run, so every ledger figure is
printed beside what the hardware and database could do at best.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import secrets
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

from ledger.application import Ledger
from ledger.infra.chain import GENESIS

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DATABASE = "ledger_bench"
RAW_TABLE = "bench_raw_events"
Row = tuple[str, bytes]
T = TypeVar("T")


# --- command line --------------------------------------------------------------------


def parser(description: str) -> argparse.ArgumentParser:
    """The options every benchmark shares: --backend, --quick, --json."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    return p


def chosen_backends(args: argparse.Namespace) -> list[str]:
    return ["sqlite", "postgres"] if args.backend == "both" else [str(args.backend)]


# --- backends ------------------------------------------------------------------------


@dataclass(frozen=True)
class Backend:
    """A throw-away place for one ledger: a temp SQLite file or a fresh PostgreSQL schema."""

    name: str
    url: str
    workdir: Path
    schema: str | None = None

    def open(self) -> Ledger:
        return Ledger(self.url, actor="bench")


def _pg(dbname: str) -> Any:
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/{dbname}", autocommit=True, connect_timeout=5)


@contextmanager
def backend(name: str) -> Iterator[Backend]:
    """Set up a backend for one measurement, and remove every trace of it afterwards."""
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as tmp:
        workdir = Path(tmp)
        if name == "sqlite":
            yield Backend(name, str(workdir / "ledger.db"), workdir)
            return
        with _pg("postgres") as admin:
            exists = admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [PG_DATABASE]
            ).fetchone()
            if not exists:
                admin.execute(f"CREATE DATABASE {PG_DATABASE}")
        schema = f"bench_{secrets.token_hex(6)}"
        try:
            yield Backend(name, f"{PG_SERVER}/{PG_DATABASE}?schema={schema}", workdir, schema)
        finally:
            with _pg(PG_DATABASE) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                others = conn.execute(
                    "SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", ["bench\\_%"]
                ).fetchone()[0]
            if not exists and not others:  # this run created the database: drop it too
                with _pg("postgres") as admin:
                    admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE}")


def stored_rows(ledger: Ledger) -> list[Row]:
    """The (topic, state) bytes the ledger stored, in the order it stored them."""
    d = ledger.db.dialect
    rows = ledger.db.query(f"SELECT topic, state FROM {d.events} ORDER BY {d.notification_id}")
    return [(r["topic"], bytes(r["state"])) for r in rows]


def durability(ledger: Ledger) -> str:
    """The durability settings the ledger's own event store runs with."""
    if ledger.db.dialect.name == "sqlite":
        store: Any = ledger._store
        with store.recorder.datastore.transaction(commit=False) as c:
            c.execute("PRAGMA journal_mode")
            mode = c.fetchone()[0]
            c.execute("PRAGMA synchronous")
            sync = c.fetchone()[0]
        return f"journal_mode={mode} synchronous={sync} (0 OFF, 1 NORMAL, 2 FULL)"
    sync, fsync = (ledger.db.scalar(f"SHOW {name}") for name in ("synchronous_commit", "fsync"))
    return f"synchronous_commit={sync} fsync={fsync}"


# --- raw ceilings --------------------------------------------------------------------


class RawStore:
    """A plain (topic, state) table, with the durability settings the ledger uses.

    SQLite: its own file beside the ledger's, WAL journal, default synchronous and a
    plain ``BEGIN`` (as eventsourcing's SQLite datastore does).  PostgreSQL: a table in
    the benchmark's schema, default synchronous_commit.
    """

    def __init__(self, where: Backend):
        self.kind = where.name
        self.conn: Any
        if self.kind == "sqlite":
            self.conn = sqlite3.connect(where.workdir / "raw.db", isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            blob = "BLOB"
        else:
            self.conn = _pg(PG_DATABASE)
            self.conn.execute(f'SET search_path TO "{where.schema}"')
            blob = "BYTEA"
        self.conn.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
        self.conn.execute(f"CREATE TABLE {RAW_TABLE} (topic TEXT NOT NULL, state {blob} NOT NULL)")
        mark = "?" if self.kind == "sqlite" else "%s"
        self.insert = f"INSERT INTO {RAW_TABLE} (topic, state) VALUES ({mark}, {mark})"

    def clear(self) -> None:
        self.conn.execute(f"DELETE FROM {RAW_TABLE}")

    def insert_each(self, rows: Sequence[Row]) -> float:
        """Seconds to insert every row in a transaction of its own."""
        self.clear()
        start = time.perf_counter()
        if self.kind == "sqlite":
            for row in rows:
                self.conn.execute("BEGIN")
                self.conn.execute(self.insert, row)
                self.conn.execute("COMMIT")
        else:
            for row in rows:
                with self.conn.transaction():
                    self.conn.execute(self.insert, row)
        return time.perf_counter() - start

    def insert_all(self, rows: Sequence[Row]) -> float:
        """Seconds to insert every row in one transaction, with executemany."""
        self.clear()
        start = time.perf_counter()
        if self.kind == "sqlite":
            self.conn.execute("BEGIN")
            self.conn.executemany(self.insert, rows)
            self.conn.execute("COMMIT")
        else:
            with self.conn.transaction(), self.conn.cursor() as cur:
                cur.executemany(self.insert, rows)
        return time.perf_counter() - start

    def close(self) -> None:
        self.conn.close()


def chained_sha256(states: Sequence[bytes]) -> str:
    """SHA-256 over each state, each hash chained into the next: verify's raw ceiling."""
    prev = GENESIS.encode()
    for state in states:
        prev = hashlib.sha256(prev + state).hexdigest().encode()
    return prev.decode()


# --- workload and timing ------------------------------------------------------------


def write_import_file(path: Path, bodies: int, renames: int) -> int:
    """A JSON import file: ``bodies`` establish-body entries, then ``renames`` rounds of
    rename-body over all of them (later effective date each round, distinct names).
    Returns the number of entries (one event each)."""

    def entry(i: int, j: int) -> dict[str, str]:
        effective = (date(2000, 1, 1) + timedelta(days=j)).isoformat()
        first = {"type": "establish-body", "kind": "working-group", "name": f"Body {i}"}
        later = {"type": "rename-body", "name": f"Body {i} (revision {j})"}
        return {**(later if j else first), "body": f"b{i:06d}", "effective": effective}

    entries = [entry(i, j) for j in range(renames + 1) for i in range(bodies)]
    path.write_text(json.dumps(entries), encoding="utf-8")
    return len(entries)


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


# --- results -------------------------------------------------------------------------


@dataclass
class Result:
    """One measurement: the ledger's time beside the raw ceiling's, for ``events`` events."""

    backend: str
    measure: str
    events: int
    ledger_s: float
    raw_s: float
    raw_what: str = ""
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ledger_rate(self) -> float:
        return self.events / self.ledger_s if self.ledger_s else 0.0

    @property
    def raw_rate(self) -> float:
        return self.events / self.raw_s if self.raw_s else 0.0

    @property
    def ratio(self) -> float:
        return self.ledger_rate / self.raw_rate if self.raw_rate else 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            ledger_events_per_s=round(self.ledger_rate, 1),
            raw_events_per_s=round(self.raw_rate, 1),
            ratio=round(self.ratio, 4),
        )
        return data


def rate(events: int, seconds: float) -> str:
    return f"{events / seconds:,.0f} ev/s" if seconds else "-"


def report(title: str, results: Sequence[Result], *, as_json: bool, setup: list[str]) -> None:
    """Print the results as a plain-text table (or one JSON document)."""
    if as_json:
        doc = {
            "benchmark": title,
            "python": platform.python_version(),
            "setup": setup,
            "results": [r.as_dict() for r in results],
        }
        print(json.dumps(doc, indent=2))
        return
    print(f"== {title}  (python {platform.python_version()}, {platform.machine()})")
    for line in setup:
        print(f"   {line}")
    width = max((len(r.measure) for r in results), default=0)
    for r in results:
        print(
            f"{r.backend:<9} {r.measure:<{width}}  {r.events:>8,} ev  "
            f"ledger {rate(r.events, r.ledger_s):>14}  raw {rate(r.events, r.raw_s):>14}  "
            f"ratio {r.ratio:.3f}"
        )
        if r.raw_what:
            print(f"{'':<10}raw = {r.raw_what}")
        for note in r.notes:
            print(f"{'':<10}{note}")
    print(flush=True)
