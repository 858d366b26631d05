"""Start-up: ``ledger --help`` lists every command without importing it, the table it
lists them from says what the commands themselves say, and a command imports only
what it needs (never psycopg for a SQLite ledger).  Behaviour, never timings."""

from __future__ import annotations

import importlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ledger.cli.catalogue import COMMANDS
from ledger.infra.chain import GENESIS
from ledger.projections.names import READ_MODELS

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
            "ledger.interchange.export",  # the exports and their formats
            "hashlib",  # a read of the read models hashes nothing (OpenSSL loads with it)
            "ledger.cli.funds",
            "yaml",
            "jinja2",
            "starlette",
            "rich",
        ):
            assert never not in found, never


# What a read of the read models leaves alone when they are caught up (ADR 0023): the
# event store's library and the mapper, and the projections that apply events.
NOT_ON_THE_READ_PATH = (
    "eventsourcing",
    "ledger.infra.store",
    "ledger.infra.mapper",
    "ledger.projections.budget",
    "ledger.projections.events_index",
)


# What a read of the read models imports no more than quorum does: no pydantic at all
# (the stored rules are read back as their kinds, the states are plain, a motion's
# state too), no event model, no command.
NO_MODEL = (
    "pydantic",
    "pydantic_core",
    "ledger.domain.types",
    "ledger.domain.rules",
    "ledger.domain.votes",
    "ledger.domain.commands",
    "ledger.domain.events",
    "ledger.domain.history",
    "ledger.domain.body",
    "ledger.domain.decision",
    "ledger.domain.meeting",
    "ledger.domain.membership",
    "ledger.domain.organisation",
    "ledger.domain.tor",
)


def test_quorum_reads_without_pydantic_the_event_store_or_the_event_models(demo: Path) -> None:
    found = imported_by("--db", str(demo), "quorum", "kcsp-wg-2024-09-12")
    assert "ledger.queries.quorum" in found
    for never in (
        *NOT_ON_THE_READ_PATH,
        *NO_MODEL,
        # ... nor the read models quorum does not read.
        "ledger.projections.bodies",
        "ledger.projections.decisions",
    ):
        assert never not in found, never
    assert not any(name.startswith(("eventsourcing", "pydantic")) for name in found)


def test_tor_show_reads_without_pydantic_the_event_store_or_the_event_models(
    demo: Path,
) -> None:
    # Its provenance says whether each decision it cites was validly made: the
    # motion's state read back from the decisions read model as plain values.
    found = imported_by("--db", str(demo), "tor", "show", "kcsp-wg", "--on", "2024-07-04")
    assert "ledger.cli.tor" in found
    assert "ledger.queries.authority" in found
    for never in (*NOT_ON_THE_READ_PATH, *NO_MODEL):
        assert never not in found, never
    assert not any(name.startswith(("eventsourcing", "pydantic")) for name in found)


def test_a_read_that_finds_the_read_models_behind_catches_them_up(tmp_path: Path) -> None:
    # The rare case: it imports what applies events, and answers as a caught-up one.
    from ledger.cli.demo import build

    db = tmp_path / "demo.db"
    build(str(db))
    args = ("--db", str(db), "quorum", "kcsp-wg-2024-09-12")
    expected = subprocess.run(
        [sys.executable, "-c", DRIVER, *args], capture_output=True, text=True, check=True
    ).stdout.rsplit("\n\n", 1)[0]
    connection = sqlite3.connect(db)
    with connection:
        connection.execute("UPDATE ledger_projections SET position = 0, hash = ?", [GENESIS])
        for model in READ_MODELS:
            for table in model.tables:
                connection.execute(f"DELETE FROM {table}")
    connection.close()
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, *args], capture_output=True, text=True, check=True
    )
    assert done.stdout.rsplit("\n\n", 1)[0] == expected
    assert "ledger.projections.meetings" in json.loads(done.stdout.splitlines()[-1])
    assert "eventsourcing.persistence" in json.loads(done.stdout.splitlines()[-1])


def test_the_static_table_of_read_models_is_what_the_projections_are_and_make(
    tmp_path: Path,
) -> None:
    # names.py lets a read check the read models without importing them: it must say
    # exactly what the projections say, and name every table and index they create.
    from ledger.application import Ledger
    from ledger.projections.catalogue import all_projections

    projections = all_projections()
    assert [(m.name, m.version, m.tables) for m in READ_MODELS] == [
        (p.name, p.version, tuple(p.tables)) for p in projections
    ]
    with Ledger(str(tmp_path / "empty.db")) as ledger:
        ledger.init()
        made = {
            (r["tbl_name"], r["name"])
            for r in ledger.db.query(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' "
                "AND name NOT LIKE 'sqlite_autoindex%'"
            )
        }
    for model in READ_MODELS:
        indexes = {name for table, name in made if table in model.tables}
        assert set(model.indexes) == indexes, model.name


RULE_SAMPLES = [
    {
        "kind": "quorum",
        "all_of": [
            {
                "require": "any-of",
                "options": [
                    {
                        "require": "minimum",
                        "at_least": 3,
                        "of": "organisations",
                        "sector": "police",
                    },
                    {"require": "fraction", "numerator": 1, "denominator": 3},
                    {"require": "office-holder", "office": "chair", "or_offices": ["lead-member"]},
                    {"require": "seat", "member": "kent-police"},
                    {"require": "role", "role": "elected-member"},
                ],
            },
            {"require": "office-holder", "office": "chair", "or_deputy": False},
            {"require": "minimum", "at_least": 4, "category": "responsible-authority"},
        ],
    },
    {"kind": "meeting-frequency", "at_least": 4, "per": "year", "public": True},
    {"kind": "decision-method", "method": "consensus", "fallback": "simple-majority"},
    {
        "kind": "decision-method",
        "method": "fraction",
        "numerator": 3,
        "denominator": 4,
        "of": "membership",
    },
    {"kind": "casting-vote"},
    {"kind": "casting-vote", "office": "convenor"},
    {"kind": "voting-eligibility", "categories": ["responsible-authority"]},
    {"kind": "membership-limit", "category": "co-opted", "at_most": 2},
    {"kind": "interests-exclude", "financial_only": False},
    {"kind": "call-in", "working_days": 5, "runs_from": "publication"},
    {"kind": "text", "text": "Meetings are held in public."},
]


def test_each_kind_of_rule_has_its_models_fields_and_defaults() -> None:
    # rule_kinds.py names each kind's fields for the read path (rules.py declares them).
    from ledger.domain import rule_kinds, rules
    from ledger.domain.types import omitted_when_empty

    omitted = omitted_when_empty().exclude_if
    for kind in (*rule_kinds.RULES, *rule_kinds.REQUIREMENTS):
        model = getattr(rules, kind.__name__)
        assert issubclass(model, kind)
        fields = model.model_fields
        assert list(kind.FIELDS) == list(fields), kind.__name__
        for name, default in kind.FIELDS.items():
            field = fields[name]
            if default is rule_kinds.REQUIRED:
                assert field.is_required(), (kind.__name__, name)
            else:
                made = [] if default is list else default
                assert field.get_default(call_default_factory=True) == made, (kind.__name__, name)
        assert {n for n, f in fields.items() if f.exclude_if is omitted} == kind.OMITTED


def test_stored_rules_read_back_as_validating_them_would(demo: Path) -> None:
    from pydantic import TypeAdapter

    from ledger.documents import plain
    from ledger.domain.rule_kinds import stored_rules
    from ledger.domain.rules import Rule
    from ledger.domain.types import STORED

    validated = TypeAdapter(list[Rule])
    connection = sqlite3.connect(demo)
    rows = [json.loads(r) for (r,) in connection.execute("SELECT rules FROM proj_tor_sections")]
    connection.close()
    assert any(rows)
    for data in [*rows, RULE_SAMPLES]:
        expected = validated.validate_python(data, context=STORED)
        got = stored_rules(data)
        assert got == expected
        assert expected == got
        assert [type(r).__name__ for r in got] == [type(r).__name__ for r in expected]
        assert [r.describe() for r in got] == [r.describe() for r in expected]
        assert plain(got) == plain(expected)  # the JSON documents, for --json and the web
        assert [r.as_document() for r in got] == [
            r.model_dump(mode="json", exclude_none=True) for r in expected
        ]


def test_writing_to_sqlite_never_imports_psycopg(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    bodies = Path(__file__).parents[2] / "examples" / "demo" / "01-bodies.yaml"
    found = imported_by("--db", str(db), "import", str(bodies))
    assert "ledger.domain.registry" in found  # it did write
    assert "psycopg" not in found
    assert not any(name.startswith("psycopg") for name in found)


def test_a_motions_plain_values_have_their_models_fields_and_dumps() -> None:
    # motion_state.py holds what a motion's state holds, without pydantic; votes.py's
    # models validate what comes in.  The two agree field by field and dump alike.
    from datetime import date

    from ledger.domain import motion_state as held
    from ledger.domain import votes

    pairs = (
        (held.Counts(3, 2, 1), votes.Counts(yes=3, no=2, abstain=1), {}),
        (held.Counts(3, 2), votes.Counts(yes=3, no=2), {}),
        (held.Vote("ann", "yes"), votes.Vote(person="ann", option="yes"), {"exclude_none": True}),
        (
            held.Vote("ann", "abstain", "kcc", "bob"),
            votes.Vote(person="ann", option="abstain", seat="kcc", candidate="bob"),
            {"exclude_none": True},
        ),
        (held.Casting("ann", "no"), votes.Casting(person="ann", option="no"), {}),
        (
            held.Election("chair", ("ann", "bob"), date(2026, 3, 31)),
            votes.Election(office="chair", candidates=["ann", "bob"], term_end=date(2026, 3, 31)),
            {"mode": "json"},
        ),
        (
            held.Election("chair", ("ann",)),
            votes.Election(office="chair", candidates=["ann"]),
            {"mode": "json"},
        ),
    )
    for value, model, dump in pairs:
        assert list(value.__struct_fields__) == list(type(model).model_fields)
        assert value.as_document() == model.model_dump(**dump)
    assert list(held.Tally.__struct_fields__) == list(votes.Tally.model_fields)
    ballot = [held.Vote("a", "yes"), held.Vote("b", "no"), held.Vote("c", "absent")]
    assert held.tally(ballot) == held.Counts(1, 1, 0)
    counted = votes.tally([votes.Vote(person=v.person, option=v.option) for v in ballot])
    assert held.tally(ballot).as_document() == counted.model_dump()
