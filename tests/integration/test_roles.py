"""PostgreSQL roles: the owner migrates, the writer records, the reader reads.

``ledger init --roles PREFIX``, run by a superuser, creates PREFIX_owner, PREFIX_writer
and PREFIX_reader for the ledger's schema.  Each test connects as them (LOGIN roles
with no password: the test server trusts local connections) and checks what each may
and may not do.  Roles are cluster-wide, so every test's prefix is random and its
roles are dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ledger.application import Ledger
from ledger.cli.demo import build
from ledger.cli.main import cli
from ledger.domain.body import EstablishBody, RenameBody
from ledger.domain.errors import StorageError
from ledger.infra.chain import CHAIN_TABLE
from ledger.infra.urls import parse_url
from tests.conftest import PG_ADMIN, PG_DATABASE, drop_pg_schema, new_pg_url

pytestmark = pytest.mark.postgres

GROUP = EstablishBody(body="wg9", name="Group 9", kind="working-group", effective=date(2024, 1, 1))
READS = [
    ["bodies", "--on", "2024-07-04"],
    ["log", "--body", "kcsp-dhr"],
    ["verify"],
    ["head"],
    ["tor", "show", "kcsp-wg", "--on", "2024-07-04"],
    ["members", "kcsp-wg", "--on", "2024-07-04"],
    ["meetings", "kcsp-wg"],
    ["quorum", "kcsp-wg-2024-06-13", "--item", "3"],
    ["projections", "status"],
]


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def admin() -> Any:
    import psycopg

    return psycopg.connect(f"{PG_ADMIN}/{PG_DATABASE}", autocommit=True)


def drop_roles(*names: str) -> None:
    with admin() as conn:
        for name in names:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name]).fetchone():
                conn.execute(f"DROP OWNED BY {name} CASCADE")
                conn.execute(f"DROP ROLE {name}")


@dataclass
class Kent:
    """One ledger with its three roles, and each role's URL."""

    admin: str
    prefix: str

    def url(self, role: str) -> str:
        return parse_url(self.admin).url_for(f"{self.prefix}_{role}")

    @property
    def schema(self) -> str:
        return parse_url(self.admin).schema

    def connect(self, role: str) -> Any:
        import psycopg

        conn = psycopg.connect(parse_url(self.url(role)).conninfo(), autocommit=True)
        conn.execute(f'SET search_path TO "{self.schema}"')
        return conn


def with_roles() -> Iterator[Kent]:
    url = new_pg_url()
    prefix = f"r{uuid.uuid4().hex[:12]}"
    try:
        created = run(url, "init", "--roles", prefix)
        assert created.exit_code == 0, created.output
        build(url)  # the demo, recorded by the superuser who created the roles
        yield Kent(url, prefix)
    finally:
        drop_pg_schema(url)
        drop_roles(f"{prefix}_owner", f"{prefix}_writer", f"{prefix}_reader")


@pytest.fixture(scope="module")
def shared() -> Iterator[Kent]:
    """One demo ledger with roles, for the tests that change nothing (and check so)."""
    yield from with_roles()


@pytest.fixture
def kent() -> Iterator[Kent]:
    """A demo ledger with roles of its own, for a test that records or rebuilds."""
    yield from with_roles()


def log_and_chain(kent: Kent) -> tuple[list[Any], list[Any]]:
    with admin() as conn:
        conn.execute(f'SET search_path TO "{kent.schema}"')
        events = conn.execute("SELECT * FROM ledger_events ORDER BY notification_id").fetchall()
        links = conn.execute(f"SELECT * FROM {CHAIN_TABLE} ORDER BY position").fetchall()
    return events, links


# --- creating them ------------------------------------------------------------------


def test_init_with_roles_creates_an_owner_that_owns_every_table(shared: Kent) -> None:
    kent = shared
    with admin() as conn:
        owners = conn.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = %s", [kent.schema]
        ).fetchall()
        schema_owner = conn.execute(
            "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = %s", [kent.schema]
        ).fetchone()
    assert owners == [(f"{kent.prefix}_owner",)]
    assert schema_owner == (f"{kent.prefix}_owner",)


def test_init_with_roles_says_who_does_what_and_how_a_reader_connects(shared: Kent) -> None:
    kent = shared
    again = run(kent.admin, "init", "--roles", kent.prefix)  # running it again is harmless

    assert again.exit_code == 0, again.output
    assert f"roles: {kent.prefix}_owner owns and migrates, {kent.prefix}_writer records" in (
        again.stdout
    )
    assert f"a reader connects as {kent.url('reader')}" in again.stdout


def test_roles_are_refused_for_a_sqlite_ledger_and_the_shared_public_schema(tmp_path: Any) -> None:
    sqlite = run(str(tmp_path / "x.db"), "init", "--roles", "kent")
    public = run(f"{PG_ADMIN}/{PG_DATABASE}", "init", "--roles", "kent", "--print-sql")
    mangled = run(new_pg_url(), "init", "--roles", "Kent-CSP", "--print-sql")

    assert sqlite.exit_code == 1
    assert "roles are for a PostgreSQL ledger" in sqlite.stderr
    assert public.exit_code == 1
    assert "a schema of its own" in public.stderr
    assert mangled.exit_code == 1
    assert "role prefix 'Kent-CSP' must be lower-case" in mangled.stderr


def test_the_printed_sql_touches_no_database_and_makes_the_same_roles() -> None:
    url = new_pg_url()
    prefix = f"r{uuid.uuid4().hex[:12]}"
    schema = parse_url(url).schema
    try:
        printed = run(url, "init", "--roles", prefix, "--print-sql")
        assert printed.exit_code == 0, printed.output
        with admin() as conn:
            assert not conn.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema]
            ).fetchone()
            assert not conn.execute(
                "SELECT 1 FROM pg_roles WHERE rolname LIKE %s", [f"{prefix}%"]
            ).fetchone()

        assert run(url, "init").exit_code == 0  # the tables, as the script asks
        with admin() as conn:
            conn.execute(printed.stdout)
        kent = Kent(url, prefix)

        with Ledger(kent.url("writer"), actor="clerk") as writer:
            writer.execute([GROUP])
        with Ledger(kent.url("reader")) as reader:
            assert reader.read_only
            assert [b.slug for b in reader.bodies(date(2024, 6, 1))] == ["wg9"]
    finally:
        drop_pg_schema(url)
        drop_roles(f"{prefix}_owner", f"{prefix}_writer", f"{prefix}_reader")


# --- the writer -----------------------------------------------------------------------


def test_the_writer_records_and_the_read_models_catch_up(kent: Kent) -> None:
    recorded = run(
        kent.url("writer"),
        "body",
        "rename",
        "kcsp-wg",
        "The Working Group",
        "--effective",
        "2030-01-01",
    )

    assert recorded.exit_code == 0, recorded.output
    assert "recorded 1 event(s)" in recorded.stdout
    with Ledger(kent.url("writer"), actor="clerk") as writer:
        assert not writer.read_only
        writer.execute([GROUP])
        assert {"wg9"} <= {b.slug for b in writer.bodies(date(2024, 6, 1))}
        assert writer.projections.behind() == 0
        assert writer.verify().ok
    assert "The Working Group" in run(kent.url("reader"), "bodies", "--on", "2030-01-01").stdout


def test_the_writer_can_rebuild_the_read_models_without_dropping_a_table(kent: Kent) -> None:
    before = run(kent.url("reader"), "members", "kcsp-wg", "--on", "2024-07-04").stdout

    rebuilt = run(kent.url("writer"), "projections", "rebuild")

    assert rebuilt.exit_code == 0, rebuilt.output
    assert run(kent.url("reader"), "members", "kcsp-wg", "--on", "2024-07-04").stdout == before


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_events SET topic = 'body.dissolved/v1'",
        "DELETE FROM ledger_events",
        "TRUNCATE ledger_events",
        f"UPDATE {CHAIN_TABLE} SET hash = 'f'",
        f"DELETE FROM {CHAIN_TABLE} WHERE position = 3",
        f"TRUNCATE {CHAIN_TABLE}",
        "DROP TRIGGER ledger_events_append_only ON ledger_events",
        "ALTER TABLE ledger_events DISABLE TRIGGER USER",
        f"ALTER TABLE {CHAIN_TABLE} DISABLE TRIGGER ledger_chain_no_truncate",
        "DROP TABLE proj_bodies",
        "UPDATE ledger_meta SET value = 'x'",
    ],
)
def test_the_writer_cannot_change_the_log_or_its_guards(shared: Kent, statement: str) -> None:
    kent = shared
    import psycopg

    before = log_and_chain(kent)
    with (
        kent.connect("writer") as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match=r"permission denied|owner"),
    ):
        conn.execute(statement)
    assert log_and_chain(kent) == before
    with Ledger(kent.admin) as ledger:
        assert ledger.verify().ok


# --- the reader -----------------------------------------------------------------------


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_the_reader_answers_every_read(shared: Kent, args: list[str]) -> None:
    kent = shared
    answer = run(kent.url("reader"), *args)

    assert answer.exit_code == 0, answer.output
    assert answer.stdout == run(kent.admin, *args).stdout


@pytest.mark.parametrize(
    "args",
    [
        ["body", "establish", "wg2", "--name", "W", "--kind", "board", "--effective", "2020-01-01"],
        ["retract", "#3", "--reason", "a test"],
        ["projections", "rebuild"],
        ["demo"],
    ],
    ids=" ".join,
)
def test_the_reader_cannot_write_and_is_told_in_one_line(shared: Kent, args: list[str]) -> None:
    kent = shared
    before = log_and_chain(kent)

    refused = run(kent.url("reader"), *args)

    assert refused.exit_code == 1, refused.output
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, refused.output
    assert "Traceback" not in refused.output
    assert (
        f"user {kent.prefix}_reader may not write to it" in lines[0]
        or "permission denied" in lines[0]
    )
    assert log_and_chain(kent) == before


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO ledger_events (originator_id, originator_version, topic, state) "
        "SELECT originator_id, 99, topic, state FROM ledger_events LIMIT 1",
        f"INSERT INTO {CHAIN_TABLE} SELECT position + 1000, notification_id + 1000, "
        f"recorded_at, NULL, hash FROM {CHAIN_TABLE} LIMIT 1",
        "UPDATE proj_bodies SET name = 'x'",
        "DELETE FROM proj_events",
        "UPDATE ledger_projections SET position = 0",
        "CREATE TABLE sneaky (x int)",
    ],
)
def test_the_reader_cannot_write_any_table(shared: Kent, statement: str) -> None:
    kent = shared
    import psycopg

    with kent.connect("reader") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_opening_as_the_reader_creates_nothing(shared: Kent) -> None:
    kent = shared

    def objects() -> list[Any]:
        with admin() as conn:
            return conn.execute(
                "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = %s "
                "UNION ALL SELECT t.tgname, 't' FROM pg_trigger t JOIN pg_class c "
                "ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s ORDER BY 1",
                [kent.schema, kent.schema],
            ).fetchall()

    before = objects()
    with Ledger(kent.url("reader")) as reader:
        assert reader.read_only
        reader.init()
        reader.bodies(date(2024, 7, 4))
        assert reader.verify().ok
    assert objects() == before


def test_the_reader_is_told_when_the_read_models_are_behind(kent: Kent) -> None:
    with Ledger(kent.url("writer"), actor="clerk") as writer:
        # A writer that stopped between recording and catching up.
        writer.projections.catch_up = lambda *args, **kwargs: 0  # type: ignore[method-assign]
        writer.execute([GROUP, RenameBody(body="wg9", name="G9", effective=date(2025, 1, 1))])

    behind = run(kent.url("reader"), "bodies", "--on", "2024-07-04")

    assert behind.exit_code == 1
    assert "the read models are 2 event(s) behind the log" in behind.stderr
    assert f"user {kent.prefix}_reader may not write to it" in behind.stderr
    assert run(kent.url("reader"), "verify").exit_code == 0
    assert run(kent.url("writer"), "projections", "catch-up").exit_code == 0
    assert "G9" in run(kent.url("reader"), "bodies", "--on", "2025-07-04").stdout


def test_a_reader_of_a_schema_that_does_not_exist_is_one_line_and_creates_nothing(
    shared: Kent,
) -> None:
    kent = shared
    elsewhere = kent.url("reader").replace(kent.schema, f"{kent.schema}_none")

    refused = run(elsewhere, "verify")

    assert refused.exit_code == 1
    assert "the schema does not exist, and user" in refused.stderr
    assert "may not create it" in refused.stderr
    with pytest.raises(StorageError, match="the schema does not exist"):
        Ledger(elsewhere)


def test_a_role_granted_nothing_is_one_line_not_a_traceback(shared: Kent) -> None:
    kent = shared
    stranger = f"{kent.prefix}_stranger"
    with admin() as conn:
        conn.execute(f"CREATE ROLE {stranger} LOGIN")
    try:
        refused = run(kent.url("stranger"), "bodies", "--on", "2024-07-04")
    finally:
        drop_roles(stranger)

    assert refused.exit_code == 1
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, refused.output
    assert f"user {stranger} may not read the ledger" in lines[0]


# --- the owner ------------------------------------------------------------------------


def test_tables_the_owner_recreates_keep_the_roles_privileges(kent: Kent) -> None:
    for n, who in enumerate([kent.url("owner"), kent.admin]):  # the owner role, a superuser
        rebuilt = run(who, "projections", "rebuild")
        assert rebuilt.exit_code == 0, rebuilt.output

        assert run(kent.url("reader"), "members", "kcsp-wg", "--on", "2024-07-04").exit_code == 0
        with Ledger(kent.url("writer"), actor="clerk") as writer:
            writer.execute([RenameBody(body="kcsp", name=f"Kent {n}", effective=date(2031, 1, 1))])
    test_init_with_roles_creates_an_owner_that_owns_every_table(kent)


def test_the_owner_can_drop_the_guards_which_only_the_chain_then_catches(kent: Kent) -> None:
    with kent.connect("owner") as conn:
        conn.execute("ALTER TABLE ledger_events DISABLE TRIGGER USER")
        conn.execute(
            "UPDATE ledger_events SET state = state || '\\x20'::bytea WHERE notification_id = 3"
        )

    with Ledger(kent.url("reader")) as reader:
        report = reader.verify()
    assert not report.ok
    assert report.first_problem is not None
    assert report.first_problem.position == 3


def test_the_reader_verifies_the_read_models_in_temporary_tables(kent: Kent) -> None:
    for role in ("reader", "writer"):
        checked = run(kent.url(role), "verify", "--read-models")
        assert checked.exit_code == 0, checked.output
        assert "match a rebuild from the log" in checked.stdout
    with kent.connect("owner") as conn:
        conn.execute("UPDATE proj_bodies SET name = 'Edited' WHERE slug = 'kcsp'")

    found = run(kent.url("reader"), "verify", "--read-models")

    assert found.exit_code == 1
    assert "READ MODELS NOT INTACT: proj_bodies holds {slug='kcsp', name='Edited'" in found.stderr
