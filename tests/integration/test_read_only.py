"""A ledger opened read-only answers every question and changes nothing.

``?mode=ro`` on the URL (or ``Ledger(url, read_only=True)``) opens a ledger for
reading only, as the web view and scrutiny will: it creates nothing, writes nothing,
and when its read models are behind the log it says so rather than answer stale.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.application import Ledger
from ledger.cli.demo import build
from ledger.cli.main import cli
from ledger.domain.body import EstablishBody
from ledger.domain.errors import StorageError
from tests.conftest import PG_ADMIN, PG_DATABASE, drop_pg_schema, new_pg_url

READS = [
    ["bodies", "--on", "2024-07-04"],
    ["log"],
    ["verify"],
    ["head"],
    ["tor", "show", "kcsp-wg", "--on", "2024-07-04"],
    ["tor", "history", "kcsp-wg"],
    ["members", "kcsp-wg", "--on", "2024-07-04"],
    ["meetings", "kcsp-wg"],
    ["quorum", "kcsp-wg-2024-06-13", "--item", "3"],
    ["compliance", "richmond-csp", "--year", "2008"],
    ["projections", "status"],
]
WRITES = [
    ["body", "establish", "wg2", "--name", "WG 2", "--kind", "board", "--effective", "2020-01-01"],
    ["body", "rename", "kcsp", "Kent", "--effective", "2030-01-01"],
    ["retract", "#3", "--reason", "a test"],
    ["projections", "rebuild"],
]
GROUP = EstablishBody(body="wg9", name="Group 9", kind="working-group", effective=date(2024, 1, 1))


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def read_only(url: str) -> str:
    return f"{url}&mode=ro" if "?" in url else f"{url}?mode=ro"


@pytest.fixture
def demo_url(ledger_url: str) -> str:
    build(ledger_url)
    return ledger_url


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def shared_demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One demo ledger per backend for the tests that only read it (or fail to write)."""
    if request.param == "sqlite":
        url = str(tmp_path_factory.mktemp("demo") / "ledger.db")
        build(url)
        yield url
        return
    url = new_pg_url()
    build(url)
    yield url
    drop_pg_schema(url)


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_every_read_answers_the_same_when_opened_read_only(
    shared_demo: str, args: list[str]
) -> None:
    answer = run(read_only(shared_demo), *args)

    assert answer.exit_code == 0, answer.output
    assert answer.stdout == run(shared_demo, *args).stdout


@pytest.mark.parametrize("args", WRITES, ids=" ".join)
def test_a_write_to_a_ledger_opened_read_only_is_one_line_and_changes_nothing(
    shared_demo: str, args: list[str]
) -> None:
    demo_url = shared_demo
    with Ledger(demo_url) as ledger:
        before = ledger.head(), ledger.projection_positions()

    refused = run(read_only(demo_url), *args)

    assert refused.exit_code == 1
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, refused.output
    assert "is read-only here (it was opened with mode=ro)" in lines[0]
    with Ledger(demo_url) as ledger:
        assert (ledger.head(), ledger.projection_positions()) == before


def test_the_read_only_flag_opens_a_ledger_as_mode_ro_does(shared_demo: str) -> None:
    demo_url = shared_demo
    with Ledger(demo_url, read_only=True) as ledger:
        assert ledger.read_only
        assert ledger.verify().ok
        with pytest.raises(StorageError, match=r"read-only here.*nothing was recorded"):
            ledger.execute([GROUP])
        # A dry run only checks, so a reader may ask whether a write would pass.
        assert ledger.execute([GROUP], dry_run=True).recorded == 1
    with Ledger(demo_url) as ledger:
        assert not ledger.read_only
        assert "wg9" not in {b.slug for b in ledger.bodies(date(2024, 7, 4))}


def test_read_models_behind_the_log_are_named_with_the_lag_not_answered_stale(
    demo_url: str,
) -> None:
    with Ledger(demo_url) as writer:
        # A writer that stopped between recording and catching up (a crash, a kill).
        writer.projections.catch_up = lambda *args, **kwargs: 0  # type: ignore[method-assign]
        writer.execute([GROUP])

    with Ledger(demo_url, read_only=True) as reader:
        with pytest.raises(StorageError, match=r"the read models are 1 event\(s\) behind the log"):
            reader.bodies(date(2024, 7, 4))
        assert reader.verify().ok  # the log itself needs no read model
    behind = run(read_only(demo_url), "bodies", "--on", "2024-07-04")
    assert behind.exit_code == 1
    assert "`ledger projections catch-up` as a user who may write" in behind.stderr

    caught_up = run(demo_url, "projections", "catch-up")
    assert caught_up.exit_code == 0, caught_up.output
    assert "applied 1 event(s)" in caught_up.stdout
    assert "wg9" in run(read_only(demo_url), "bodies", "--on", "2024-07-04").stdout


def test_opening_a_missing_sqlite_file_read_only_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"

    with pytest.raises(StorageError, match="there is no such file"):
        Ledger(str(missing), read_only=True)

    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_read_only_sqlite_ledger_leaves_the_file_as_it_was(demo_url: str) -> None:
    before = Path(demo_url).read_bytes()
    for args in READS:
        assert run(read_only(demo_url), *args).exit_code == 0
    assert Path(demo_url).read_bytes() == before


@pytest.fixture
def missing_schema() -> Iterator[str]:
    url = new_pg_url()
    yield url
    drop_pg_schema(url)


@pytest.mark.postgres
def test_opening_a_missing_postgresql_schema_read_only_creates_no_schema(
    missing_schema: str,
) -> None:
    import psycopg

    with pytest.raises(StorageError, match=r"there is no ledger in .*the schema does not exist"):
        Ledger(missing_schema, read_only=True)
    refused = run(read_only(missing_schema), "verify")
    assert refused.exit_code == 1
    assert "there is no ledger" in refused.stderr

    schema = missing_schema.rsplit("schema=", 1)[1]
    with psycopg.connect(f"{PG_ADMIN}/{PG_DATABASE}") as conn:
        found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema]).fetchone()
    assert found is None


def test_the_database_itself_refuses_a_write_on_a_ledger_opened_read_only(
    shared_demo: str,
) -> None:
    # SQLite opens the file read-only; PostgreSQL runs every statement of the session in a
    # READ ONLY transaction, so even the owner's connection cannot write through it.
    with Ledger(shared_demo, read_only=True) as reader:
        with pytest.raises(StorageError, match=r"read-?only"):
            reader.db.execute("CREATE TABLE read_only_probe (x INTEGER)")
        with pytest.raises(StorageError, match=r"read-?only"):
            reader.db.execute("DELETE FROM ledger_meta")
        assert reader.verify().ok
