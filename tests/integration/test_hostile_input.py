"""Hostile input: every finding of the integrity review, refused in one clear line with
nothing changed, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
import os
from pathlib import Path
from uuid import uuid4

import pytest

from ledger.application import Ledger
from ledger.domain.body import BodyRenamed, body_id
from ledger.interchange import files, importing

from .hostile import assert_clean_refusal, assert_terminal_safe, lines_of, prepare, run, state

NUL_BODY = [
    {
        "type": "establish-body",
        "body": "nb",
        "name": "a\u0000b",
        "kind": "board",
        "effective": "2024-01-01",
    }
]


@pytest.fixture
def url(ledger_url: str) -> str:
    prepare(ledger_url)
    return ledger_url


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_nul_in_an_import_file_is_refused_and_every_answer_still_works(
    url: str, tmp_path: Path
) -> None:
    before = state(url)
    result = run(url, "import", write(tmp_path, "nul.json", json.dumps(NUL_BODY)))
    assert_clean_refusal(url, result, before, "name: contains a control character (U+0000)")

    for args in (["bodies", "--on", "2024-06-01"], ["log"], ["projections", "rebuild"]):
        assert run(url, *args).exit_code == 0, args


@pytest.mark.parametrize("name", ["\x85    ", "ab\x85cd"])
def test_a_next_line_in_a_yaml_file_is_refused_not_read_as_a_line_break(
    url: str, tmp_path: Path, name: str
) -> None:
    # YAML folds NEL (U+0085) into a space: the name would arrive as " " or "ab cd".
    text = f"- type: rename-body\n  body: wg\n  effective: '2024-01-01'\n  name: '{name}'\n"
    before = state(url)
    result = run(url, "import", write(tmp_path, "nel.yaml", text))
    assert_clean_refusal(url, result, before, "line 4: contains a control character (U+0085)")


def test_a_nul_in_a_correction_is_refused(url: str) -> None:
    before = state(url)
    result = run(url, "correct", "#2", "--set", 'name="a\\u0000b"', "--reason", "typo")
    assert_clean_refusal(url, result, before, "U+0000")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a\x1b[2Jb", "U+001B"),
        ("carriage\rreturn", "U+000D"),
        ("del\x7f", "U+007F"),
        ("c1\x9b31m", "U+009B"),
        ("over\u202eride", "bidirectional override (U+202E)"),
    ],
)
def test_control_characters_and_bidi_overrides_are_refused_in_any_text(
    url: str, tmp_path: Path, text: str, fragment: str
) -> None:
    entry = {"type": "rename-body", "body": "wg", "name": text, "effective": "2024-01-01"}
    before = state(url)
    result = run(url, "import", write(tmp_path, "x.json", json.dumps([entry])))
    assert_clean_refusal(url, result, before, fragment)


def test_tabs_newlines_and_bidi_isolates_are_kept(url: str, tmp_path: Path) -> None:
    name = "Working\tGroup \u2067\u0645\u062c\u0645\u0648\u0639\u0629\u2069"
    entry = {"type": "rename-body", "body": "wg", "name": name, "effective": "2024-01-01"}
    assert run(url, "import", write(tmp_path, "ok.json", json.dumps([entry]))).exit_code == 0
    with Ledger(url) as ledger:
        events = ledger.aggregate_events(body_id("wg"))
    assert isinstance(events[-1], BodyRenamed)
    assert events[-1].name == name


LOOSE = [
    (
        "- {type: adopt-tor, body: sub, effective: '2024-01-01', sections: [{id: quorum, "
        "number: '1', heading: Q, rules: [{kind: quorum, all_of: [{require: minimum, "
        "at_least: true}]}]}]}\n",
        "at_least': Input should be a valid integer",
    ),
    (
        "- {type: rename-body, body: wg, name: New, effective: 1704067200}\n",
        "field 'effective': expected a date as YYYY-MM-DD",
    ),
    (
        "- {type: declare-interest, meeting: wg-2024-03-14, person: ann, item: '1', "
        "interest: x, withdrew: 'y'}\n",
        "field 'withdrew': Input should be a valid boolean",
    ),
    (
        "- {type: rename-body, body: wg, name: !!binary aGVsbG8=, effective: '2024-01-01'}\n",
        "name: is binary data, not text",
    ),
    (
        '- {type: establish-body, body: "kcsp\\n", name: K, kind: board, '
        "effective: '2024-01-01'}\n",
        "field 'body': must be a short id",
    ),
    (
        "- {type: rename-body, body: wg, name: New, effective: '2024-02-30'}\n",
        "2024-02-30 is not a date that exists",
    ),
    (
        "- {type: rename-body, body: wg, name: New, effective: '2024-01-01T10:00:00'}\n",
        "expected a date as YYYY-MM-DD",
    ),
    (
        "- {type: record-attendance, meeting: wg-2024-03-14, person: bob, name: Bob, "
        "status: present, member: no-such-seat}\n",
        "member 'no-such-seat': wg has never had such a seat",
    ),
    (
        "- {type: record-attendance, meeting: wg-2024-03-14, person: bob, name: Bob, "
        "status: substitute, substitute_for: nobody}\n",
        "substitute_for 'nobody': wg has never had such a seat",
    ),
]


@pytest.mark.parametrize(("text", "fragment"), LOOSE, ids=[f for _, f in LOOSE])
def test_values_the_schema_forbids_are_refused_not_converted(
    url: str, tmp_path: Path, text: str, fragment: str
) -> None:
    before = state(url)
    result = run(url, "import", write(tmp_path, "loose.yaml", text))
    assert_clean_refusal(url, result, before, fragment)


def test_an_import_id_held_with_other_content_is_refused_naming_both(
    url: str, tmp_path: Path
) -> None:
    first = "- {id: wg-rename, type: rename-body, body: wg, name: One, effective: '2024-01-01'}\n"
    assert run(url, "import", write(tmp_path, "a.yaml", first)).exit_code == 0
    again = run(url, "import", write(tmp_path, "a.yaml", first))
    assert again.exit_code == 0
    assert "skipped 1 already recorded" in again.output

    before = state(url)
    other = first.replace("name: One", "name: Two")
    result = run(url, "import", write(tmp_path, "b.yaml", other))
    assert_clean_refusal(url, result, before, "b.yaml: entry 1 (rename-body): id 'wg-rename'")
    assert "is already recorded at #10 with other content" in result.output


def test_a_correction_is_held_to_the_limits_of_first_recording(url: str) -> None:
    before = state(url)
    long_name = json.dumps("x" * 100_000)
    result = run(url, "correct", "#2", "--set", f"name={long_name}", "--reason", "typo")
    refusal = "correction field name: should have at most 300 characters, not 100,000"
    assert_clean_refusal(url, result, before, refusal)


def test_a_correction_cannot_make_a_body_its_own_parent_or_sit_under_its_own_sub_body(
    url: str,
) -> None:
    before = state(url)
    own = run(url, "correct", "#3", "--set", "parent=sub", "--reason", "r")
    assert_clean_refusal(url, own, before, "body 'sub' cannot be its own parent")

    loop = run(
        url, "correct", "#2", "--effective", "2017-01-01", "--set", "parent=sub", "--reason", "r"
    )
    assert_clean_refusal(
        url,
        loop,
        before,
        "body 'wg' cannot sit under 'sub': that makes a loop (wg under sub under wg)",
    )
    assert run(url, "bodies", "--on", "2024-01-01").exit_code == 0


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        ("deep.json", "[" * 1000 + "]" * 1000, "nested more than 64 levels deep"),
        ("deep.yaml", "[" * 1000 + "]" * 1000, "nested more than 64 levels deep"),
        ("self.yaml", "- &a [*a]\n", "nested more than 64 levels deep"),
        ("not-a-list.json", '{"type": "rename-body"}', "expected a list of entries"),
        ("bad.yaml", "- [unclosed", "not valid YAML"),
        ("bad.json", "[{]", "not valid JSON"),
        # JSON streams entry by entry: the same refusals, whatever comes where.
        (
            "nul.json",
            '[{"type": "rename-body", "body": "wg", "name": "a\\u0000b", '
            '"effective": "2024-01-01"}]',
            "contains a control character (U+0000)",
        ),
        ("number.json", "[1]", "entry 1: expected a mapping of fields, got int"),
        ("wrapped.json", '{"events": 5}', "expected a list of entries"),
        (
            "garbage.json",
            '[{"type": "rename-body", "body": "wg", "name": "A", "effective": "2024-01-01"}] [',
            "not valid JSON: parse error: trailing garbage",
        ),
        (
            "late.json",
            "["
            + '{"type": "rename-body", "body": "wg", "name": "A", "effective": "2024-01-01"},'
            * 5000
            + '{"type": "rename-body", "body": "nope", "name": "X", "effective": "2024-01-01"}]',
            "entry 5001 (rename-body): unknown body 'nope'",
        ),
    ],
)
def test_malformed_files_are_refused_in_one_line(
    url: str, tmp_path: Path, name: str, text: str, fragment: str
) -> None:
    before = state(url)
    assert_clean_refusal(url, run(url, "import", write(tmp_path, name, text)), before, fragment)


def test_a_yaml_alias_bomb_in_a_correction_is_refused_before_it_is_built(
    url: str, tmp_path: Path
) -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    bomb = "- type: correct\n  event: '#2'\n  reason: x\n  changes:\n" + "".join(
        f"    {line}\n" for line in levels
    )
    before = state(url)
    result = run(url, "import", write(tmp_path, "bomb.yaml", bomb))
    assert_clean_refusal(url, result, before, "its aliases expand to more than 1,000,000 values")


def test_only_regular_files_are_read(url: str, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for path in (str(fifo), "/dev/zero", str(tmp_path)):
        before = state(url)
        assert_clean_refusal(url, run(url, "import", path), before, "not a regular file")


def test_files_past_the_size_and_entry_limits_are_refused(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = [
        {"type": "rename-body", "body": "wg", "name": f"N{i}", "effective": f"2024-01-0{i}"}
        for i in range(1, 4)
    ]
    path = write(tmp_path, "three.json", json.dumps(entries))
    monkeypatch.setattr(importing, "MAX_ENTRIES", 2)
    before = state(url)
    assert_clean_refusal(
        url, run(url, "import", path), before, "3 entries is more than the 2 one file may hold"
    )
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 100)
    assert_clean_refusal(url, run(url, "import", path), before, "larger than the 100 bytes")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["bodies", "--on", "2024-01-01", "--known-at", "0001-01-01T00:00:00+01:00"],
            "is not a real moment",
        ),
        (["compliance", "wg", "--year", "99999999999999999999"], "not in the range 1<=x<=9999"),
        (["log", "--limit", "99999999999999999999"], "not in the range 1<=x<=1000000000"),
        (["log", "--limit", "-1"], "not in the range 1<=x<=1000000000"),
        (["bodies", "--on", "20240101"], "is not a date written YYYY-MM-DD"),
    ],
)
def test_numbers_and_moments_out_of_range_get_one_line(
    url: str, args: list[str], fragment: str
) -> None:
    before = state(url)
    assert_clean_refusal(url, run(url, *args), before, fragment)


def test_the_last_year_the_ledger_can_hold_is_answered(url: str) -> None:
    result = run(url, "compliance", "wg", "--year", "9999")
    assert result.exit_code == 0, result.output
    assert "wg in 9999: 0 meeting(s) held" in result.output
    assert run(url, "log", "--limit", "1").output.count("rename") == 0


def test_an_actor_with_escape_sequences_is_refused_before_anything_is_recorded(
    url: str,
) -> None:
    before = state(url)
    result = run(
        url, "body", "rename", "wg", "New name", "--effective", "2024-01-01", actor="\x1b[2Jevil"
    )
    assert_clean_refusal(url, result, before, "actor: contains a control character (U+001B)")


def _legacy_event(url: str, name: str) -> None:
    """A rename stored by an older ledger that did not yet refuse control characters."""
    with Ledger(url) as ledger:
        history = ledger.aggregate_events(body_id("wg"))
        last = history[-1]
        event = BodyRenamed.model_construct(
            **{
                **last.model_dump(exclude={"event_id", "originator_version", "name", "corrects"}),
                "originator_version": last.originator_version + 1,
                "event_id": uuid4(),
                "corrects": None,
                "source_key": None,
                "name": name,
                "effective": last.effective,
            }
        )
        ledger._store.save(event)


HOSTILE_NAME = "Evil\x1b]0;pwned\x07\x1b[2J\r\u202eGroup\nsecond line\x9b"


@pytest.mark.parametrize(
    "args",
    [
        ["bodies", "--on", "2024-06-01"],
        ["bodies", "--on", "2024-06-01", "--json"],
        ["log"],
        ["log", "--json"],
        ["log", "--body", "wg"],
        ["members", "wg", "--on", "2024-06-01"],
        ["meetings", "wg"],
        ["quorum", "wg-2024-03-14"],
        ["tor", "history", "wg"],
        ["tor", "show", "wg", "--on", "2024-06-01"],
        ["organisations", "--on", "2024-06-01"],
    ],
    ids=" ".join,
)
def test_stored_escape_sequences_never_reach_the_terminal_raw(url: str, args: list[str]) -> None:
    _legacy_event(url, HOSTILE_NAME)
    result = run(url, *args)
    assert result.exit_code == 0, result.output
    assert_terminal_safe(result.output)
    if args[0] in ("bodies", "log"):
        shown = "Evil\\u001b]0;pwned" if "--json" in args else "Evil\\x1b]0;pwned"
        assert shown in result.output


def test_what_an_earlier_release_stored_past_todays_checks_still_reads(url: str) -> None:
    _legacy_event(url, "x" * 100_000)
    assert run(url, "projections", "rebuild").exit_code == 0
    result = run(url, "bodies", "--on", "2024-06-01", "--json")
    assert result.exit_code == 0, result.output
    assert [b["name"] for b in json.loads(result.output) if b["slug"] == "wg"] == ["x" * 100_000]
    assert run(url, "verify").exit_code == 0


def test_what_a_command_line_quotes_back_is_shown_safely(url: str) -> None:
    result = run(url, "members", "no\x1b[2Jbody\u202e", "--on", "2024-01-01")
    assert lines_of(result) == ["Error: unknown body 'no\\x1b[2Jbody\\u202e'"]
    assert_terminal_safe(run(url, "--bogus\x07").output)
