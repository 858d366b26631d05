"""Organisations at the command line: register, rename, close, and list them as on a date."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ledger.cli.main import cli


def run(db: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)
    return result.exit_code, result.output


def record_probation(db: str) -> None:
    for args in (
        [
            "organisation",
            "register",
            "probation-service",
            "--name",
            "National Probation Service",
            "--short-name",
            "NPS",
            "--sector",
            "probation",
            "--effective",
            "2014-06-01",
        ],
        [
            "organisation",
            "register",
            "kss-crc",
            "--name",
            "Kent, Surrey & Sussex Community Rehabilitation Company",
            "--short-name",
            "CRC",
            "--sector",
            "probation",
            "--effective",
            "2014-06-01",
        ],
        [
            "organisation",
            "rename",
            "probation-service",
            "The Probation Service",
            "--effective",
            "2021-06-26",
            "--paper",
            "KCSP Terms of Reference Update 2024",
        ],
        [
            "organisation",
            "close",
            "kss-crc",
            "--effective",
            "2021-06-26",
            "--successor",
            "probation-service",
            "--reason",
            "probation unification",
        ],
    ):
        code, out = run(db, *args)
        assert code == 0, out
        assert "recorded 1 event(s)" in out


def test_recording_and_listing_organisations(ledger_url: str) -> None:
    record_probation(ledger_url)

    code, out = run(ledger_url, "organisations", "--on", "2021-06-25", "--json")
    assert code == 0, out
    found = json.loads(out)
    assert [(o["slug"], o["name"], o["short_name"]) for o in found] == [
        ("kss-crc", "Kent, Surrey & Sussex Community Rehabilitation Company", "CRC"),
        ("probation-service", "National Probation Service", "NPS"),
    ]
    assert found[1]["sector"] == "probation"
    assert found[1]["registered"] == "2014-06-01"

    code, out = run(ledger_url, "organisations", "--on", "2021-06-26", "--json")
    assert [(o["slug"], o["name"]) for o in json.loads(out)] == [
        ("probation-service", "The Probation Service")
    ]

    code, out = run(ledger_url, "organisations", "--on", "2021-06-26")
    assert code == 0
    assert "Organisations on 2021-06-26" in out
    assert "The Probation Service" in out
    assert "kss-crc" not in out
    assert "successor" not in out

    code, out = run(ledger_url, "organisations", "--on", "2021-06-26", "--all")
    assert code == 0
    assert "kss-crc" in out
    assert "successor" in out
    assert "2021-06-26" in out


def test_known_at_and_an_empty_answer(ledger_url: str) -> None:
    record_probation(ledger_url)

    code, out = run(ledger_url, "organisations", "--on", "2021-06-26", "--known-at", "2000-01-01")
    assert code == 0
    assert out.strip() == "no organisations on 2021-06-26"
    code, out = run(
        ledger_url, "organisations", "--on", "2021-06-26", "--known-at", "2999-01-01", "--json"
    )
    assert [o["name"] for o in json.loads(out)] == ["The Probation Service"]


def test_the_log_shows_what_happened_to_organisations(ledger_url: str) -> None:
    record_probation(ledger_url)

    code, out = run(ledger_url, "log", "--json")
    assert code == 0
    entries = json.loads(out)
    assert [e["topic"] for e in entries] == [
        "organisation.registered/v1",
        "organisation.registered/v1",
        "organisation.renamed/v1",
        "organisation.closed/v1",
    ]
    assert entries[2]["summary"] == "renamed probation-service to 'The Probation Service'"
    assert entries[2]["authority"] == "paper: KCSP Terms of Reference Update 2024"


def test_a_rename_can_be_corrected_from_the_command_line(ledger_url: str) -> None:
    record_probation(ledger_url)

    code, out = run(ledger_url, "correct", "#3", "--effective", "2021-07-01", "--reason", "x")
    assert code == 0, out
    code, out = run(ledger_url, "organisations", "--on", "2021-06-30", "--json")
    assert [o["name"] for o in json.loads(out)] == ["National Probation Service"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["organisations", "--on", "2021-02-30"], "'2021-02-30' is not a real date"),
        (
            ["organisation", "rename", "nobody", "X", "--effective", "2020-01-01"],
            "unknown organisation 'nobody'",
        ),
        (
            [
                "organisation",
                "register",
                "Kent Police",
                "--name",
                "Kent Police",
                "--sector",
                "police",
                "--effective",
                "2020-01-01",
            ],
            "organisation: must be a short id",
        ),
        (
            [
                "organisation",
                "register",
                "kent-police",
                "--name",
                "Kent Police",
                "--sector",
                "constabulary",
                "--effective",
                "2020-01-01",
            ],
            "Invalid value for '--sector'",
        ),
        (
            ["organisation", "close", "kss-crc", "--effective", "2021-06-26"],
            "unknown organisation 'kss-crc'",
        ),
    ],
)
def test_mistakes_get_one_clear_line_and_a_non_zero_exit(
    ledger_url: str, args: list[str], message: str
) -> None:
    code, out = run(ledger_url, *args)
    assert code != 0
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out
    assert message in lines[0]


def test_closing_with_a_successor_that_does_not_exist_then(ledger_url: str) -> None:
    record_probation(ledger_url)
    code, out = run(
        ledger_url,
        "organisation",
        "close",
        "probation-service",
        "--effective",
        "2013-01-01",
        "--successor",
        "kss-crc",
    )
    assert code == 1
    assert out.strip() == "Error: successor organisation 'kss-crc' does not exist on 2013-01-01"
