"""The command line as a clerk uses it: one clear line for every mistake."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ledger.cli.main import cli


def run(db: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)
    return result.exit_code, result.output


def all_commands() -> list[tuple[str, click.Command]]:
    found = []

    def walk(prefix: str, command: click.Command) -> None:
        found.append((prefix, command))
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(f"{prefix} {name}".strip(), sub)

    walk("", cli)
    return found


@pytest.mark.parametrize(("path", "command"), all_commands()[1:], ids=lambda v: str(v))
def test_every_command_has_help_with_an_example(path: str, command: click.Command) -> None:
    if isinstance(command, click.Group):
        assert command.help
        return
    assert "Example:" in (command.help or ""), f"ledger {path} needs an Example"


def test_every_command_is_in_the_cli_reference() -> None:
    reference = Path(__file__).parents[2] / "docs" / "cli.md"
    text = reference.read_text(encoding="utf-8")
    for path, command in all_commands()[1:]:
        if not isinstance(command, click.Group):
            assert f"ledger {path}" in text, f"docs/cli.md does not document 'ledger {path}'"


def test_recording_and_listing_bodies(ledger_url: str) -> None:
    code, out = run(
        ledger_url,
        "body",
        "establish",
        "kcsp",
        "--name",
        "Kent CSP",
        "--kind",
        "partnership",
        "--effective",
        "2007-08-01",
        "--meeting",
        "kcsp-2007-08-01",
    )
    assert code == 0, out
    assert "recorded 1 event(s) at position 1" in out
    code, out = run(
        ledger_url,
        "body",
        "rename",
        "kcsp",
        "Kent Community Safety Partnership",
        "--effective",
        "2010-01-01",
    )
    assert code == 0, out

    code, out = run(ledger_url, "bodies", "--on", "2009-01-01", "--json")
    assert code == 0
    assert [b["name"] for b in json.loads(out)] == ["Kent CSP"]
    code, out = run(ledger_url, "bodies", "--on", "2010-01-01")
    assert "Kent Community Safety Partnership" in out

    code, out = run(ledger_url, "log", "--json")
    entries = json.loads(out)
    assert [e["position"] for e in entries] == [1, 2]
    assert entries[0]["authority"] == "kcsp-2007-08-01"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bodies", "--on", "2024-02-30"], "'2024-02-30' is not a real date"),
        (["body", "rename", "nobody", "X", "--effective", "2020-01-01"], "unknown body 'nobody'"),
        (["import", "missing.yaml"], "missing.yaml: no such file"),
        (["correct", "#99", "--reason", "x", "--effective", "2020-01-01"], "no event '#99'"),
        (["verify", "--expect", "zz"], "does not hold a SHA-256"),
        (
            [
                "body",
                "establish",
                "Bad Slug",
                "--name",
                "X",
                "--kind",
                "board",
                "--effective",
                "2020-01-01",
            ],
            "body: must be a short id",
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


def test_demo_builds_a_ledger_and_tours_it(ledger_url: str) -> None:
    code, out = run(ledger_url, "demo")
    assert code == 0, out
    assert "DARDR" in out
    assert "intact:" in out
    assert "$ ledger tor diff kcsp-wg 2024-07-03 2024-07-04" in out
    assert "{+- The Probation Service+}" in out
    assert "--section membership --known-at" in out
    # The decisions: the review's authority, an invalid recorded vote, an election.
    assert "$ ledger decision kcsp-2024-07-04-5a" in out
    assert "authorised #" in out
    assert "kcsp-wg-2024-06-13-3a (carried by recorded-vote): NOT VALIDLY MADE" in out
    assert "kcsp-wg-2024-06-13-3a (carried by recorded-vote): VALID" in out  # as known before
    assert "richmond-csp-2008-05-20-1b (carried by ballot): VALID" in out
    assert "vice-chair (Borough Commander, MPS): decision richmond-csp-2008-05-20-1b" in out
    # The fund: an over-allocation refused with the figures, and nothing recorded.
    assert "exceeds the £1,840.50 available in kcsp-csf for 2024/25 on 2024-12-12 by £659.50" in out
    assert "kcsp-wg-2024-06-13-3a (NOT" in out
    # Running it again rebuilds the demo rather than adding to it.
    code, again = run(ledger_url, "demo")
    assert code == 0
    assert again.count("intact:") == 1
    assert out.split("intact: ")[1].split()[0] == again.split("intact: ")[1].split()[0]


def test_demo_never_overwrites_a_real_ledger(ledger_url: str) -> None:
    run(
        ledger_url,
        "body",
        "establish",
        "kcsp",
        "--name",
        "K",
        "--kind",
        "partnership",
        "--effective",
        "2007-08-01",
    )
    code, out = run(ledger_url, "demo")
    assert code == 1
    assert "not a demo" in out
    code, out = run(ledger_url, "log", "--json")
    assert len(json.loads(out)) == 1


def test_schema_prints_the_import_json_schema(tmp_path: Path) -> None:
    code, out = run(str(tmp_path / "x.db"), "schema")
    assert code == 0
    assert json.loads(out)["title"] == "ledger import file"


def test_the_published_import_schema_is_the_one_the_ledger_generates(tmp_path: Path) -> None:
    code, out = run(str(tmp_path / "x.db"), "schema")
    assert code == 0
    published = Path(__file__).parents[2] / "docs" / "import-schema.json"
    assert json.loads(published.read_text(encoding="utf-8")) == json.loads(out), (
        "docs/import-schema.json is stale: ledger schema --out docs/import-schema.json"
    )


def test_every_topic_and_entry_type_is_in_the_event_vocabulary() -> None:
    import ledger.domain.registry  # noqa: F401  (every aggregate's events registered)
    from ledger.domain.entries import ENTRY_TYPES
    from ledger.domain.events import EVENT_TYPES

    text = (Path(__file__).parents[2] / "docs" / "events.md").read_text(encoding="utf-8")
    assert [t for t in EVENT_TYPES if f"`{t}`" not in text] == []
    assert [e for e in ENTRY_TYPES if f"| `{e}` |" not in text] == []
