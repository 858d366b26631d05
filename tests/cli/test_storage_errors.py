"""When the database is the problem, the clerk gets one clear line, never a traceback.

A ledger that cannot be opened, a full disk, a read model whose tracking row was moved
back, a URL carrying a password: each ends in one line on standard error and a
non-zero exit, with nothing recorded and no password shown.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ledger.application import Ledger
from ledger.cli.main import cli
from ledger.domain.body import EstablishBody
from tests.conftest import PG_ADMIN, PG_DATABASE, require_postgres
from tests.integration.raw import Raw

ESTABLISH = ["body", "establish", "kcsp", "--name", "Kent CSP", "--kind", "partnership"]


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def one_line(result: Result) -> str:
    """The single line the command printed on standard error; fails if there are more."""
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def established(url: str, count: int = 3) -> None:
    with Ledger(url, actor="clerk") as ledger:
        ledger.execute(
            [
                EstablishBody(
                    body=f"body-{n}",
                    name=f"Body {n}",
                    kind="partnership",
                    effective=date(2020, 1, 1),
                )
                for n in range(count)
            ]
        )


# --- a ledger that cannot be opened --------------------------------------------------


def test_a_db_in_a_folder_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "x.db"

    line = one_line(run(str(missing), "verify"))

    assert f"cannot open sqlite file {missing}" in line
    assert f"the folder {missing.parent} does not exist" in line
    assert not missing.parent.exists()


def test_a_db_that_names_a_folder_is_one_line(tmp_path: Path) -> None:
    line = one_line(run(str(tmp_path), "log"))

    assert f"cannot open sqlite file {tmp_path}: it is a folder, not a ledger file" in line


@pytest.mark.parametrize("blank", ["", " ", "\t"])
def test_a_blank_db_is_one_line(blank: str) -> None:
    line = one_line(run(blank, "verify"))

    assert "the database URL is blank" in line


def test_a_file_that_is_not_a_sqlite_database_is_one_line_for_verify(tmp_path: Path) -> None:
    corrupt = tmp_path / "minutes.db"
    corrupt.write_bytes(b"Minutes of the KCSP meeting, 4 July 2024.\n" * 200)

    line = one_line(run(str(corrupt), "verify"))

    assert f"cannot open sqlite file {corrupt}: the file is not a SQLite database" in line
    assert corrupt.read_bytes().startswith(b"Minutes of the KCSP")


def test_a_read_only_sqlite_ledger_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"

    line = one_line(run(f"{missing}?mode=ro", "bodies", "--on", "2024-07-04"))

    assert "there is no such file" in line
    assert not missing.exists()


def test_an_unknown_option_on_a_sqlite_url_is_one_line(tmp_path: Path) -> None:
    line = one_line(run(f"sqlite:///{tmp_path}/x.db?cache=shared", "log"))

    assert "unknown option 'cache'" in line


# --- a full disk ---------------------------------------------------------------------


@pytest.fixture
def full_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ledger connection opened from now on may not grow the file by a page."""
    from ledger.infra import db

    opened = db._open_sqlite

    def full(config: Any) -> sqlite3.Connection:
        raw = opened(config)
        pages = raw.execute("PRAGMA page_count").fetchone()[0]
        raw.execute(f"PRAGMA max_page_count = {pages}")
        return raw

    monkeypatch.setattr(db, "_open_sqlite", full)


@pytest.fixture
def full_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server answers every insert into the log as a full disk would."""
    import psycopg

    from ledger.infra.postgres_recorder import ChainedPostgresRecorder

    def full(self: Any, curs: Any, stored_events: Any, **kwargs: Any) -> Any:
        raise psycopg.errors.DiskFull(
            'could not extend file "base/16384/24576": No space left on device'
        )

    monkeypatch.setattr(ChainedPostgresRecorder, "_insert_and_chain", full)


def import_file(tmp_path: Path, bodies: int) -> Path:
    entries = "".join(
        f"- type: establish-body\n  body: group-{n}\n  name: Working group number {n}\n"
        "  kind: working-group\n  effective: 2024-01-01\n"
        for n in range(bodies)
    )
    path = tmp_path / "groups.yaml"
    path.write_text(entries, encoding="utf-8")
    return path


def test_a_full_disk_says_so_and_records_nothing(
    request: pytest.FixtureRequest, backend: str, ledger_url: str, tmp_path: Path
) -> None:
    established(ledger_url)
    with Ledger(ledger_url) as ledger:
        head = ledger.head()
    request.getfixturevalue(f"full_{backend}")

    line = one_line(run(ledger_url, "import", str(import_file(tmp_path, 300))))

    assert "the database is full" in line
    assert "nothing was recorded" in line
    with Ledger(ledger_url) as ledger:
        assert ledger.head() == head
        assert ledger.verify().ok
        assert ledger.verify().events == 3
        assert [b.slug for b in ledger.bodies(date(2024, 6, 1))] == ["body-0", "body-1", "body-2"]


# --- a read model moved back ---------------------------------------------------------


def test_a_read_model_moved_back_is_one_line_naming_rebuild_and_rebuild_mends_it(
    ledger_url: str,
) -> None:
    established(ledger_url, count=5)
    raw = Raw(ledger_url)
    try:
        raw.run("UPDATE ledger_projections SET position = position - 3")
    finally:
        raw.close()

    line = one_line(run(ledger_url, "bodies", "--on", "2024-01-01"))
    assert "is recorded at position 2, which is not where it stopped" in line
    assert "run `ledger projections rebuild`" in line
    assert "ledger projections rebuild" in one_line(
        run(ledger_url, *ESTABLISH, "--effective", "2007-08-01")
    )

    rebuilt = run(ledger_url, "projections", "rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    listed = run(ledger_url, "bodies", "--on", "2024-01-01", "--json")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.count('"slug"') == 5
    with Ledger(ledger_url) as ledger:
        assert ledger.count() == 5


# --- passwords -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://clerk:s3cret-pw@127.0.0.1",
        "postgresql://clerk:s3cret-pw@127.0.0.1:99999/ledger",
        "mysql://clerk:s3cret-pw@127.0.0.1/ledger",
    ],
)
def test_a_password_in_a_url_that_is_refused_is_never_shown(url: str) -> None:
    line = one_line(run(url, "verify"))

    assert "s3cret-pw" not in line
    assert "clerk:***@127.0.0.1" in line


@pytest.mark.postgres
@pytest.mark.parametrize("port", ["5432", "1"])
def test_a_password_is_never_shown_when_postgresql_refuses_the_connection(port: str) -> None:
    require_postgres()
    host = PG_ADMIN.rsplit("@", 1)[1].split(":")[0]
    url = f"postgresql://nobody_here:s3cret-pw@{host}:{port}/{PG_DATABASE}?schema=x"

    result = run(url, "verify")

    line = one_line(result)
    assert "s3cret-pw" not in result.output
    assert "cannot reach PostgreSQL at postgresql nobody_here@" in line


@pytest.mark.postgres
def test_the_demo_never_prints_the_password_of_the_url_it_was_given() -> None:
    from tests.conftest import drop_pg_schema, new_pg_url

    url = new_pg_url().replace("postgres@", "postgres:s3cret-pw@", 1)
    try:
        result = run(url, "demo")
    finally:
        drop_pg_schema(url)

    assert result.exit_code == 0, result.output
    assert "s3cret-pw" not in result.output
    assert "Next: ledger --db postgresql://postgres:***@" in result.stdout
