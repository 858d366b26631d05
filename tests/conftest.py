"""Shared fixtures: every integration test runs against SQLite and PostgreSQL alike.

PostgreSQL tests use a throw-away schema in the ``ledger_test`` database and drop it
afterwards; they never touch a user's data.  When the server cannot be reached they
skip on a developer's machine and FAIL in CI (``CI=true``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import freezegun
import pytest

from ledger.application import Ledger

# psycopg's pool measures waits with time.monotonic(); freezing it would hang the pool.
freezegun.configure(extend_ignore_list=["psycopg", "psycopg_pool", "eventsourcing.postgres"])

PG_ADMIN = os.environ.get("LEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
PG_DATABASE = "ledger_test"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_available() -> str | None:
    """None if PostgreSQL answers (creating the test database), else the reason."""
    try:
        import psycopg

        with psycopg.connect(f"{PG_ADMIN}/postgres", autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [PG_DATABASE]
            ).fetchone()
            if not exists:
                conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    except Exception as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


_PG_PROBLEM: list[str | None] = []


def pg_problem() -> str | None:
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_pg_available())
    return _PG_PROBLEM[0]


def require_postgres() -> None:
    problem = pg_problem()
    if problem is None:
        return
    message = f"PostgreSQL at {PG_ADMIN} is unreachable: {problem}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def new_pg_url() -> str:
    """A URL for a fresh, empty schema in the test database."""
    require_postgres()
    return f"{PG_ADMIN}/{PG_DATABASE}?schema=t_{uuid.uuid4().hex[:16]}"


def drop_pg_schema(url: str) -> None:
    import psycopg

    schema = url.rsplit("schema=", 1)[1]
    with psycopg.connect(f"{PG_ADMIN}/{PG_DATABASE}", autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def ledger_url(backend: str, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A URL for an empty ledger on the backend under test."""
    if backend == "sqlite":
        yield str(tmp_path / "ledger.db")
        return
    url = new_pg_url()
    yield url
    drop_pg_schema(url)


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    """An open, empty ledger on the backend under test."""
    opened = Ledger(ledger_url, actor="clerk")
    yield opened
    opened.close()


@pytest.fixture
def disarmed(ledger_url: str) -> Iterator[Any]:
    """The tables' owner's plain connection to the ledger under test, with the log's
    append-only triggers switched off: what a tampering administrator has."""
    from tests.integration.raw import Raw

    connection = Raw(ledger_url)
    connection.disarm()
    yield connection
    connection.close()
