"""``ledger verify --read-models``: the read models are what the log says they are.

The chain proves the log; the read models are derived from it, so someone who edits a
``proj_*`` table changes what every question answers without touching the chain.
Rebuilding every read model from the log into scratch tables and comparing row by row
catches that, names the table and the row, and leaves the ledger as it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner, Result
from freezegun import freeze_time

from ledger.application import Ledger
from ledger.cli.demo import build
from ledger.cli.main import cli
from ledger.domain.body import EstablishBody, RenameBody
from tests.integration.raw import Raw

READ_MODEL_TABLES = [
    "proj_events",
    "proj_bodies",
    "proj_tor_documents",
    "proj_tor_sections",
    "proj_tor_makers",
    "proj_organisations",
    "proj_members",
    "proj_offices",
    "proj_meetings",
    "proj_decisions",
    "proj_funds",
    "proj_budget_years",
    "proj_budget_allocations",
]


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def read_only(url: str) -> str:
    return f"{url}&mode=ro" if "?" in url else f"{url}?mode=ro"


@pytest.fixture
def demo(ledger_url: str) -> str:
    build(ledger_url)
    return ledger_url


@pytest.fixture
def raw(demo: str) -> Iterator[Raw]:
    connection = Raw(demo)
    yield connection
    connection.close()


def read_models(raw: Raw) -> dict[str, list[Any]]:
    return {t: sorted(raw.run(f"SELECT * FROM {t}"), key=repr) for t in READ_MODEL_TABLES}


def the_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


def test_untouched_read_models_match_a_rebuild_from_the_log(demo: str, raw: Raw) -> None:
    before = read_models(raw)

    result = run(demo, "verify", "--read-models")

    assert result.exit_code == 0, result.output
    assert "intact: 384 events verified" in result.stdout
    assert "rows in 13 tables match a rebuild from the log at position 384" in result.stdout
    assert read_models(raw) == before
    with Ledger(demo) as ledger:
        report = ledger.verify_read_models()
    assert report.ok
    assert (report.position, report.tables) == (384, 13)
    assert report.rows == sum(len(rows) for rows in before.values())


def test_an_edited_body_row_is_named_with_its_table_and_the_value_the_log_gives(
    demo: str, raw: Raw
) -> None:
    raw.run("UPDATE proj_bodies SET name = 'Kent CSP (edited)' WHERE slug = 'kcsp'")

    line = the_error(run(demo, "verify", "--read-models"))

    assert line.startswith("Error: READ MODELS NOT INTACT: proj_bodies holds {slug='kcsp'")
    assert "name='Kent CSP (edited)'" in line
    assert "where the log gives {name='Kent Community Safety Partnership'}" in line
    assert "the log is intact" in line
    assert run(demo, "verify").exit_code == 0  # the chain alone cannot see it


def test_the_json_report_names_the_table_and_both_rows(demo: str, raw: Raw) -> None:
    raw.run("UPDATE proj_bodies SET name = 'Kent CSP (edited)' WHERE slug = 'kcsp'")

    result = run(demo, "verify", "--read-models", "--json")

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["problem"] is None  # the chain is intact
    assert report["read_models"]["table"] == "proj_bodies"
    assert report["read_models"]["held"]["name"] == "Kent CSP (edited)"
    assert report["read_models"]["rebuilt"]["name"] == "Kent Community Safety Partnership"


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("DELETE FROM proj_events WHERE position = 7", "proj_events lacks a row the log gives"),
        (
            "INSERT INTO proj_bodies SELECT 'ghost', name, kind, parent, established, "
            "dissolved, valid_from, valid_to, recorded_from, recorded_to "
            "FROM proj_bodies WHERE slug = 'kcsp'",
            "proj_bodies holds a row the log does not give: {slug='ghost'",
        ),
        (
            "UPDATE proj_members SET voting = 1 - voting WHERE member = 'kent-police'",
            "proj_members holds {body=",
        ),
        (
            "INSERT INTO proj_organisations SELECT * FROM proj_organisations "
            "WHERE slug = 'kent-police'",
            "copies=2} where the log gives {copies=1}",
        ),
    ],
    ids=["deleted", "inserted", "edited-membership", "duplicated"],
)
def test_a_row_deleted_inserted_or_edited_by_hand_is_reported(
    demo: str, raw: Raw, tamper: str, expected: str
) -> None:
    raw.run(tamper)

    assert expected in the_error(run(demo, "verify", "--read-models"))


def test_a_ledger_opened_read_only_verifies_its_read_models_too(demo: str, raw: Raw) -> None:
    assert run(read_only(demo), "verify", "--read-models").exit_code == 0

    raw.run("UPDATE proj_bodies SET kind = 'board' WHERE slug = 'kcsp-wg'")

    assert "proj_bodies holds {slug='kcsp-wg'" in the_error(
        run(read_only(demo), "verify", "--read-models")
    )


def test_tracking_moved_back_is_caught_when_read_only_by_the_extra_rows(
    demo: str, raw: Raw
) -> None:
    raw.run("UPDATE ledger_projections SET position = position - 3")

    line = the_error(run(read_only(demo), "verify", "--read-models"))

    assert "proj_events holds a row the log does not give: {position=382" in line


def test_one_read_model_moved_apart_from_the_others_is_reported(demo: str, raw: Raw) -> None:
    raw.run("UPDATE ledger_projections SET position = 100 WHERE name = 'bodies'")

    line = the_error(run(read_only(demo), "verify", "--read-models"))

    assert "ledger_projections holds {name='bodies', position=100}" in line
    assert "where the log gives {position=384}" in line


def test_verifying_read_models_leaves_no_table_behind(demo: str, raw: Raw) -> None:
    def tables() -> list[Any]:
        if raw.sqlite:
            return raw.run("SELECT name FROM sqlite_master ORDER BY name")
        return raw.run(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema LIKE 'pg_temp%%' OR table_schema = ? ORDER BY 1, 2",
            (raw.schema,),
        )

    before = tables()
    assert run(demo, "verify", "--read-models").exit_code == 0
    assert tables() == before


def test_beliefs_held_for_no_time_are_not_kept(ledger_url: str) -> None:
    with freeze_time("2025-03-01 12:00:00"), Ledger(ledger_url, actor="clerk") as ledger:
        ledger.execute(
            [EstablishBody(body="wg", name="WG", kind="working-group", effective=date(2020, 1, 1))]
        )
        # Two writes at one frozen moment (or two chunks of one import): caught up one
        # by one, the first name would be believed from 12:00 to 12:00; a rebuild, in
        # one batch, never has it.  Such a row is dropped, not closed, so the rows
        # are the rebuild's.
        ledger.execute([RenameBody(body="wg", name="WG 2", effective=date(2021, 1, 1))])
        ledger.execute([RenameBody(body="wg", name="WG 3", effective=date(2021, 1, 1))])
        empty = ledger.db.scalar(
            "SELECT COUNT(*) FROM proj_bodies WHERE recorded_from = recorded_to"
        )
        assert empty == 0
        assert ledger.db.scalar("SELECT COUNT(*) FROM proj_bodies") == 2  # WG, then WG 3
        assert ledger.verify_read_models().ok
