"""A generated corpus of hostile input: 0 tracebacks, 0 exit 0 on bad input, 0 changes.

Each example starts from an entry the ledger would take, then breaks it in one of the
ways the integrity review found (a control character or bidi override in any text, bytes
through YAML's !!binary, a value of the wrong kind, text past its limit, an impossible or
loosely written date, a field or entry type that does not exist, a seat the body never
had), or breaks the file itself (not a list, not YAML or JSON, nested too deep, an alias
bomb).  Every example must be refused cleanly (``hostile.assert_clean_refusal``).  Read
commands given hostile arguments must never crash and never print a raw control
character.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.cli.main import cli

from .hostile import (
    MEETING,
    assert_clean_refusal,
    assert_terminal_safe,
    lines_of,
    prepare,
    run,
    state,
)

# Entries the prepared ledger would accept, with the fields that can be broken.
TEMPLATES: list[dict[str, Any]] = [
    {
        "type": "establish-body",
        "body": "new",
        "name": "New",
        "kind": "board",
        "effective": "2024-01-01",
    },
    {"type": "rename-body", "body": "wg", "name": "Renamed", "effective": "2024-01-01"},
    {"type": "dissolve-body", "body": "sub", "reason": "done", "effective": "2024-01-01"},
    {
        "type": "register-organisation",
        "organisation": "kcc",
        "name": "Kent County Council",
        "sector": "local-authority",
        "effective": "2010-01-01",
    },
    {
        "type": "add-member",
        "body": "wg",
        "member": "kcc",
        "category": "invitee",
        "voting": False,
        "effective": "2021-01-01",
    },
    {
        "type": "appoint-representative",
        "body": "wg",
        "member": "kent-police",
        "person": "hart",
        "name": "Chief Inspector Hart",
        "effective": "2021-01-01",
    },
    {"type": "schedule-meeting", "body": "wg", "title": "Spring", "effective": "2024-06-13"},
    {
        "type": "add-agenda-item",
        "meeting": MEETING,
        "item": "2",
        "title": "Budget",
        "financial": True,
    },
    {
        "type": "record-attendance",
        "meeting": MEETING,
        "person": "bob",
        "name": "Bob",
        "status": "present",
        "member": "kent-police",
    },
    {
        "type": "declare-interest",
        "meeting": MEETING,
        "person": "ann",
        "item": "1",
        "interest": "Trustee",
        "withdrew": True,
    },
    {
        "type": "propose-motion",
        "motion": "wg-2024-03-14-1a",
        "meeting": MEETING,
        "item": "1",
        "text": "That the minutes be approved",
        "mover": "ann",
    },
    {"type": "correct", "event": "#2", "changes": {"name": "Fixed"}, "reason": "typo"},
    {"type": "retract", "event": "#5", "reason": "entered in error"},
]

FORBIDDEN_CHARS = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, 0x85, 0x9B)]
FORBIDDEN_CHARS += ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e"]


def _text_with_forbidden() -> st.SearchStrategy[str]:
    return st.builds(
        lambda head, bad, tail: head + bad + tail,
        st.text(max_size=5),
        st.sampled_from(FORBIDDEN_CHARS),
        st.text(max_size=5),
    )


# Values no field of any template accepts.
ALWAYS_BAD = st.one_of(
    _text_with_forbidden(),
    st.just("x" * 100_001),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), min_size=1, max_size=2),
    st.just(b"bytes"),
)
# Values no date field accepts.
BAD_DATES = st.sampled_from(
    [1704067200, "2024-02-30", "20240101", "2024-01-01T00:00:00", "9999-99-99", True, "01/02/2024"]
)


def template(kind: str) -> dict[str, Any]:
    """The template entry of one type."""
    return next(t for t in TEMPLATES if t["type"] == kind)


@st.composite
def broken_entry(draw: st.DrawFn) -> dict[str, Any]:
    entry = dict(draw(st.sampled_from(TEMPLATES)))
    how = draw(st.sampled_from(["field", "date", "extra", "type", "missing", "seat"]))
    if how == "field":
        field = draw(st.sampled_from(sorted(k for k in entry if k != "type")))
        entry[field] = draw(ALWAYS_BAD)
    elif how == "date" and "effective" in entry:
        entry["effective"] = draw(BAD_DATES)
    elif how == "extra":
        entry[draw(st.sampled_from(["colour", "Name", "effective_date", "id "]))] = "x"
    elif how == "type":
        entry["type"] = draw(st.sampled_from(["establish_body", "", "drop-table", 7]))
    elif how == "seat":
        seat = draw(st.sampled_from(["nobody", "kcc", "wg"]))
        entry = dict(template("record-attendance"), member=seat)
    else:  # a required field left out
        required = [
            ("rename-body", "name"),
            ("record-attendance", "name"),
            ("correct", "reason"),
            ("establish-body", "kind"),
            ("propose-motion", "mover"),
        ]
        kind, field = draw(st.sampled_from(required))
        entry = dict(template(kind))
        entry.pop(field)
    return entry


def _yaml_text(entries: list[dict[str, Any]]) -> str:
    return yaml.safe_dump(entries, allow_unicode=True)


@st.composite
def hostile_file(draw: st.DrawFn) -> tuple[str, str | bytes]:
    """(file name, contents) of a file the ledger must refuse whole."""
    kind = draw(st.sampled_from(["entries", "entries", "entries", "shape", "syntax", "deep"]))
    if kind == "entries":
        good = [dict(t) for t in draw(st.lists(st.sampled_from(TEMPLATES[:2]), max_size=2))]
        bad = draw(broken_entry())
        entries = [*good, bad]
        if any(isinstance(v, bytes) for v in bad.values()):
            return "bad.yaml", _yaml_text(entries)
        as_json = draw(st.booleans())
        return ("bad.json", json.dumps(entries)) if as_json else ("bad.yaml", _yaml_text(entries))
    if kind == "shape":
        return "shape.json", json.dumps(draw(st.sampled_from([{}, "text", 3, [[]], [None], [7]])))
    if kind == "syntax":
        text = draw(
            st.sampled_from(["[{", "- [", "{]", "\x00", ": : :", "- !!python/object:os.system {}"])
        )
        return draw(st.sampled_from(["bad.yaml", "bad.json"])), text
    depth = draw(st.integers(min_value=65, max_value=3000))
    return draw(st.sampled_from(["deep.json", "deep.yaml"])), "[" * depth + "]" * depth


@pytest.fixture
def url(ledger_url: str) -> str:
    prepare(ledger_url)
    return ledger_url


FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(case=hostile_file())
def test_every_hostile_import_is_refused_cleanly_and_changes_nothing(
    url: str, tmp_path_factory: pytest.TempPathFactory, case: tuple[str, str | bytes]
) -> None:
    name, contents = case
    path: Path = tmp_path_factory.mktemp("hostile") / name
    if isinstance(contents, bytes):
        path.write_bytes(contents)
    else:
        path.write_text(contents, encoding="utf-8", errors="surrogatepass")
    before = state(url)
    assert_clean_refusal(url, run(url, "import", str(path)), before)


ARGUMENT = st.one_of(
    _text_with_forbidden(),
    st.text(max_size=20),
    st.sampled_from(["", " ", "-", "--", "99999999999999999999", "-1", "wg\n", "../../etc"]),
)
READS = [
    ["bodies", "--on", "{}"],
    ["members", "{}", "--on", "2024-01-01"],
    ["meetings", "{}"],
    ["quorum", "{}"],
    ["tor", "show", "{}", "--on", "2024-01-01"],
    ["tor", "history", "wg", "--section", "{}"],
    ["log", "--body", "{}"],
    ["compliance", "wg", "--year", "{}"],
    ["bodies", "--on", "2024-01-01", "--known-at", "{}"],
]


@FUZZ
@given(command=st.sampled_from(READS), value=ARGUMENT)
def test_read_commands_given_hostile_arguments_never_crash_or_print_raw_controls(
    url: str, command: list[str], value: str
) -> None:
    before = state(url)
    result = run(url, *(value if part == "{}" else part for part in command))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert_terminal_safe(result.output)
    if result.exit_code != 0:
        assert result.output.count("\n") <= 1, result.output
    assert state(url) == before


HOSTILE_URLS = st.one_of(
    st.sampled_from(
        [
            " ",
            "/no/such/dir/x.db",
            "/dev/null",
            "/tmp",
            "sqlite:///",
            "sqlite:///no/such/dir/x.db?mode=ro",
            "sqlite:///x.db?mode=rw&cache=shared",
            "postgresql://",
            "postgresql://[::1",
            "postgresql://clerk:s3cret@127.0.0.1:1/ledger",
            "postgresql://postgres@127.0.0.1:5432/ledger_test?schema=Bad Schema",
            "postgresql://postgres@127.0.0.1:5432/ledger_test?schema=x;drop",
            "postgresql://postgres@127.0.0.1:99999/x",
            "mysql://root@localhost/x",
        ]
    ),
    st.builds(lambda bad: f"/no/such/{bad}.db", _text_with_forbidden()),
)


@FUZZ
@given(db=HOSTILE_URLS, command=st.sampled_from([["bodies", "--on", "2024-01-01"], ["verify"]]))
def test_a_hostile_database_url_is_one_line_and_never_shows_a_password(
    db: str, command: list[str]
) -> None:
    result = CliRunner().invoke(cli, ["--db", db, *command])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code != 0, result.output
    assert len(lines_of(result)) == 1, result.output
    assert "s3cret" not in result.output
    assert_terminal_safe(result.output)


@FUZZ
@given(actor=_text_with_forbidden())
def test_an_actor_holding_control_characters_records_nothing(url: str, actor: str) -> None:
    before = state(url)
    result = run(url, "body", "rename", "wg", "Renamed", "--effective", "2024-01-01", actor=actor)
    assert_clean_refusal(url, result, before)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: str(t["type"]))
def test_every_template_the_corpus_breaks_is_taken_as_it_stands(
    url: str, tmp_path: Path, template: dict[str, Any]
) -> None:
    path = tmp_path / "good.json"
    path.write_text(json.dumps([template]), encoding="utf-8")
    result = run(url, "import", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
