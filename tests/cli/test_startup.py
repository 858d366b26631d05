"""Start-up: ``ledger --help`` lists every command without importing it, the table it
lists them from says what the commands themselves say, and a command imports only
what it needs (never psycopg for a SQLite ledger).  Behaviour, never timings."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ledger.cli.catalogue import COMMANDS

# Every module that defines top-level commands.
MODULES = sorted({module for module, _ in COMMANDS.values()})

# Runs the console script's entry in a fresh interpreter, then prints the modules it
# imported (as JSON on the last line of stdout).
DRIVER = """
import json, sys
from ledger.cli.main import main
sys.argv = ["ledger", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print()
print(json.dumps(sorted(sys.modules)))
"""


def imported_by(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, *args], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("startup") / "demo.db"
    from ledger.cli.demo import build

    build(str(db))
    return db


def test_the_table_names_every_command_of_every_module_and_no_other() -> None:
    defined = {
        command.name: module
        for module in MODULES
        for command in importlib.import_module(f"ledger.cli.{module}").COMMANDS
    }
    assert defined == {name: module for name, (module, _) in COMMANDS.items()}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_tables_short_help_is_the_commands_own(name: str) -> None:
    module, text = COMMANDS[name]
    command = next(
        c for c in importlib.import_module(f"ledger.cli.{module}").COMMANDS if c.name == name
    )
    for limit in (30, 45, 60, 80, 10_000):
        shortened = click.Command(name, help=text).get_short_help_str(limit)
        assert shortened == command.get_short_help_str(limit), f"{name}: {limit}"


def test_help_lists_every_command_with_its_short_help() -> None:
    from ledger.cli.main import cli

    result = CliRunner().invoke(cli, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    listed = result.output.split("Commands:\n", 1)[1]
    for name, (_, text) in COMMANDS.items():
        line = next(row for row in listed.splitlines() if row.split()[0] == name)
        assert text.split()[0] in line, line


def test_help_and_version_import_no_command_module_nor_pydantic() -> None:
    for args in (["--help"], ["--version"]):
        found = imported_by(*args)
        assert "ledger.cli.main" in found
        assert not {f"ledger.cli.{m}" for m in MODULES} & found, args
        assert "pydantic" not in found, args
        assert "ledger.application" not in found, args


def test_a_query_on_sqlite_imports_only_what_it_needs(demo: Path) -> None:
    quorum = imported_by("--db", str(demo), "quorum", "kcsp-wg-2024-09-12")
    tor = imported_by("--db", str(demo), "tor", "show", "kcsp-wg", "--on", "2024-07-04")
    assert "ledger.cli.committee" in quorum
    assert "ledger.cli.tor" in tor
    for found in (quorum, tor):
        for never in (
            "psycopg",
            "ledger.infra.postgres_recorder",
            "ledger.domain.registry",  # the command handlers: only writes run them
            "ledger.interchange.importing",
            "ledger.queries.replay",
            "ledger.cli.funds",
            "yaml",
            "jinja2",
            "starlette",
            "rich",
        ):
            assert never not in found, never


def test_writing_to_sqlite_never_imports_psycopg(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    bodies = Path(__file__).parents[2] / "examples" / "demo" / "01-bodies.yaml"
    found = imported_by("--db", str(db), "import", str(bodies))
    assert "ledger.domain.registry" in found  # it did write
    assert "psycopg" not in found
    assert not any(name.startswith("psycopg") for name in found)
