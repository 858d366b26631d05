"""The quick reading of a stored event's identity says what ``json.loads`` says, or nothing.

``ledger verify`` reads four members of every stored event (``infra/stored_identity.py``)
without decoding the whole event.  These tests prove the claim it rests on: whenever
``claimed_identity`` answers, ``json.loads`` of the same bytes succeeds, gives an
object, and holds exactly those four values (of the same types); and for every event
the ledger stores (canonical JSON, nested no deeper than ``DEPTH``) it does answer,
so the quick path is the one taken.  Bytes no ledger writes (whitespace, escapes in
keys, duplicate keys, NaN, broken UTF-8, truncations, stray brackets) get no answer,
or the right one.  A topic's learned layout (``Layouts``) answers, wherever it
answers, exactly as the general pattern does, whatever event it was learned from.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ledger.infra.canonical import canonical_bytes
from ledger.infra.chain import utc_text
from ledger.infra.stored_identity import (
    DEPTH,
    Layouts,
    claimed_identity,
    is_plain,
    layout_matcher,
    layout_of,
    matcher,
)
from tests.unit.test_canonical import EVENTS, JSON, MAPPER

IDS = st.uuids().map(str)
VERSIONS = st.integers(min_value=0, max_value=10**15)
MOMENTS = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(utc_text)
KEYS = st.none() | st.text(max_size=80)
NAMES = st.from_regex(r"\A[a-z_]{1,20}\Z")


def json_view(state: bytes) -> tuple[Any, ...] | None:
    """The four members as the chain's check reads them from ``json.loads`` (with their
    types); None where that decode, or one of the lookups, fails."""
    try:
        payload = json.loads(state)
        found = (
            payload["originator_id"],
            payload["originator_version"],
            payload.get("source_key"),
            payload["timestamp"],
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return found + tuple(type(value) for value in found)


def quick_view(state: bytes) -> tuple[Any, ...] | None:
    claimed = claimed_identity(state)
    if claimed is None:
        return None
    oid, version, key, stamp = claimed
    found = (oid, int(version), key, stamp)
    return found + tuple(type(value) for value in found)


def assert_agrees(state: bytes) -> bool:
    """The quick answer, where there is one, is json.loads's; True if there was one."""
    quick = quick_view(state)
    if quick is not None:
        assert type(json.loads(state)) is dict
        assert json_view(state) == quick, state
    return quick is not None


def escaped(text: str | None) -> bool:
    """Whether canonical JSON writes ``text`` with an escape in it."""
    return any(ch in '"\\' or ord(ch) < 0x20 for ch in text or "")


def depth(value: Any) -> int:
    """Containers nested inside ``value`` (0 for a scalar)."""
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


# --- what the ledger stores: always answered, and rightly -----------------------------


@settings(max_examples=200)
@given(EVENTS)
def test_every_stored_event_shallow_enough_is_read_quickly_and_as_json_reads_it(
    generated: Any,
) -> None:
    state = MAPPER.to_stored_event(generated).state
    payload = json.loads(state)

    answered = assert_agrees(state)

    deep = max(depth(v) for v in payload.values()) > DEPTH
    assert answered or deep or escaped(payload["source_key"])


@settings(max_examples=300)
@given(
    st.dictionaries(NAMES, JSON, max_size=8),
    IDS,
    VERSIONS,
    KEYS,
    MOMENTS,
)
def test_any_canonical_object_with_the_four_members_is_read_as_json_reads_it(
    others: dict[str, Any], oid: str, version: int, key: str | None, stamp: str
) -> None:
    doc = {
        **others,
        "originator_id": oid,
        "originator_version": version,
        "source_key": key,
        "timestamp": stamp,
    }
    state = canonical_bytes(doc)

    answered = assert_agrees(state)

    if not escaped(key) and max((depth(v) for v in others.values()), default=0) <= DEPTH:
        assert answered  # the quick path is the one taken for what the ledger writes


# --- bytes no ledger writes: no answer, or json.loads's -----------------------------

BASE = canonical_bytes(
    {
        "actor": "clerk",
        "authority": {"item": "4", "meeting": "m-1", "note": None, "votes": [1, 2, [3]]},
        "body": "kcsp",
        "name": 'Kent "CSP" \\ \u00e9\U0001f600',
        "originator_id": "542dcafa-ea41-56ab-a992-a054d408b1a2",
        "originator_version": 7,
        "source_key": "sha256:89a8",
        "timestamp": "2025-01-10T09:00:00.000000Z",
        "votes": [],
    }
)
SNIPPETS = [
    b" ",
    b"\n",
    b"\t",
    b"\x00",
    b"\x1f",
    b"\xff",
    b"\xed\xa0\x80",  # a surrogate in UTF-8, which json.loads lets through
    b"\xef\xbb\xbf",
    b'"',
    b"\\",
    b"\\u005f",
    b"\\ud800",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"NaN",
    b"-Infinity",
    b"1e999",
    b"12345678901234567",
    b"-0",
    b"1.0",
    b"true",
    b"null",
    b'"originator_id":"x",',
    b',"originator_id":"x"',
    b',"originator_version":8',
    b',"originator_version":8.0',
    b',"source_key":"other"',
    b',"timestamp":"2030-01-01T00:00:00.000000Z"',
    b',"originator\\u005fid":"x"',
    b',"x":{"originator_id":"y"}',
    b"[" * 40,
]
EDITS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=len(BASE)),
        st.integers(min_value=0, max_value=3),
        st.sampled_from(SNIPPETS),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=800)
@given(EDITS)
def test_an_edited_event_gets_no_answer_or_json_loads_answer(
    edits: list[tuple[int, int, bytes]],
) -> None:
    state = BASE
    for at, cut, snippet in edits:
        at = min(at, len(state))
        state = state[:at] + snippet + state[at + cut :]

    assert_agrees(state)


@pytest.mark.parametrize(
    "state",
    [
        BASE.replace(b'"votes":[]}', b'"votes":[],"originator_id":"later"}'),
        BASE.replace(b'"body"', b'"originator\\u005fid":"x","body"'),
        BASE.replace(b'"body"', b'"originator_version":1,"body"'),
        BASE.replace(b":7,", b":7.0,"),
        BASE.replace(b":7,", b":-7,"),
        BASE.replace(b":7,", b':"7",'),
        BASE.replace(b'"sha256:89a8"', b"12"),
        BASE.replace(b'"sha256:89a8"', b'"sha\\u0032"'),
        BASE.replace(b"09:00:00", b"09:00\\u003a00"),
        BASE.replace(b'{"actor"', b'{ "actor"'),
        BASE.replace(b'"votes":[]', b'"votes":NaN'),
        BASE.replace(b'"votes":[]', b'"votes":[[[[[]]]]]'),
        BASE.replace(b'"votes":[]', b'"votes":1' + b"0" * 5000),
        BASE.replace(b"clerk", b"cl\x01rk"),
        BASE.replace(b"clerk", b"cl\xffrk"),
        BASE[:-1],
        BASE + b" ",
        BASE + b"{}",
        b"\xef\xbb\xbf" + BASE,
        b"[" + BASE + b"]",
        BASE.replace(b'"source_key":"sha256:89a8",', b""),
    ],
)
def test_bytes_no_ledger_writes_are_left_to_json_loads(state: bytes) -> None:
    assert claimed_identity(state) is None


def test_the_members_are_read_at_the_top_level_only() -> None:
    nested = BASE.replace(b'"body"', b'"a":{"originator_id":"inner","timestamp":"t"},"body"')

    assert assert_agrees(nested)
    assert quick_view(nested) == quick_view(BASE)


@example("2025-01-10T09:00:00.000000Z")
@example("0999-01-10T09:00:00.000000Z")
@example("2025-02-29T09:00:00.000000Z")
@example("2025-01-10T09:00:00.000000+01:00")
@example("2025-01-10T09:00:00Z")
@example("2025-01-10 09:00:00.000000Z")
@example("2025-01-10T09:00:00.000000")
@settings(max_examples=500)
@given(
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z\Z")
    | st.datetimes(timezones=st.just(UTC)).map(utc_text)
    | st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat())
    | st.datetimes(timezones=st.just(timezone(timedelta(hours=5)))).map(lambda d: d.isoformat())
)
def test_utc_text_of_text_is_what_parsing_and_formatting_gives(text: str) -> None:
    def formatted() -> str:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ValueError("recorded times are timezone-aware")
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    try:
        expected: str | type[Exception] = formatted()
    except (ValueError, OverflowError) as exc:
        expected = type(exc)
    try:
        got: str | type[Exception] = utc_text(text)
    except (ValueError, OverflowError) as exc:
        got = type(exc)

    assert got == expected


# --- layouts: a learned layout answers as the general pattern, or not at all -----------


def edit(state: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    for at, cut, snippet in edits:
        at = min(at, len(state))
        state = state[:at] + snippet + state[at + cut :]
    return state


def test_the_layout_of_a_stored_event_is_its_keys_and_the_depth_of_each_value() -> None:
    layout = layout_of(BASE.decode())

    assert layout == (
        ("actor", 0),
        ("authority", 3),
        ("body", 0),
        ("name", 0),
        ("originator_id", -1),
        ("originator_version", -1),
        ("source_key", -1),
        ("timestamp", -1),
        ("votes", 1),
    )
    spelt = layout_matcher(layout)(BASE.decode())
    general = matcher()(BASE.decode())
    assert spelt is not None
    assert general is not None
    assert spelt.groups() == general.groups()


@pytest.mark.parametrize(
    "text",
    [
        BASE.decode().replace('"votes":[]', '"votes":[[[[1]]]]'),  # deeper than DEPTH
        '{"originator_version":1,"originator_id":"x","source_key":null,"timestamp":"t"}',
        '{"originator_id":"x","originator_version":1,"timestamp":"t","source_key":null}',
        '{"originator_id":"x","a":1,"originator_version":1,"source_key":null,"timestamp":"t"}',
        '{"originator_id":"x","originator_version":1,"timestamp":"t"}',
        "[1]",
        "not json",
    ],
)
def test_no_layout_is_learned_where_the_general_pattern_could_not_match_it(text: str) -> None:
    assert layout_of(text) is None


def test_a_layout_spells_keys_as_json_reads_them_so_an_escaped_key_is_not_matched() -> None:
    text = BASE.decode().replace('"body"', '"bo\\u0064y"')
    layout = layout_of(text)
    assert layout is not None
    assert ("body", 0) in layout

    assert layout_matcher(layout)(text) is None
    assert matcher()(text) is None  # json.loads reads it, as before


@settings(max_examples=800)
@given(EDITS | st.just([]), EDITS)
def test_a_learned_layout_answers_as_the_general_pattern_or_not_at_all(
    learned_from: list[tuple[int, int, bytes]], edits: list[tuple[int, int, bytes]]
) -> None:
    """The layout may be learned from an edited event (a forger's, rehashed) as well as
    from one the ledger wrote; either way, over any other edited event, what it matches
    the general pattern matches, with the same four groups."""
    try:
        sample = edit(BASE, learned_from).decode("utf-8")
    except UnicodeDecodeError:
        return
    layout = layout_of(sample)
    if layout is None:
        return
    try:
        text = edit(BASE, edits).decode("utf-8")
    except UnicodeDecodeError:
        return

    spelt = layout_matcher(layout)(text)
    general = matcher()(text)

    if spelt is not None:
        assert general is not None, text
        assert spelt.groups() == general.groups(), text


def test_a_topic_is_learned_after_enough_general_matches_and_deepened_by_later_ones() -> None:
    layouts = Layouts(learn_after=2)
    shallow = BASE.decode().replace(
        '{"item":"4","meeting":"m-1","note":null,"votes":[1,2,[3]]}', "null"
    )
    general = matcher()

    found = general(shallow)
    assert found is not None
    assert layouts.missed("body.renamed/v1", shallow, found) is None
    assert layouts.quick == {}
    learned = layouts.missed("body.renamed/v1", shallow, found)
    assert learned == layouts.quick["body.renamed/v1"]
    spelt, _ = layouts.quick["body.renamed/v1"]
    assert spelt(shallow) is not None
    assert spelt(BASE.decode()) is None  # its authority is an object: the general pattern reads it

    deep = general(BASE.decode())
    assert deep is not None
    layouts.missed("body.renamed/v1", BASE.decode(), deep)  # the 3rd: not a doubling
    assert layouts.quick["body.renamed/v1"][0](BASE.decode()) is None
    layouts.missed("body.renamed/v1", BASE.decode(), deep)  # the 4th: learned again, deeper
    deeper, deeper_plain = layouts.quick["body.renamed/v1"]
    assert deeper(BASE.decode()) is not None
    assert deeper(shallow) is not None
    plain = BASE.replace(b'Kent \\"CSP\\" \\\\', b"Kent CSP")
    assert is_plain(plain)
    assert not is_plain(BASE)
    assert deeper_plain(plain.decode()) is not None
    assert deeper_plain(plain.decode()).groups() == deep.groups()


FRAGMENTS = [
    "null",
    "true",
    "false",
    "0",
    "-1",
    "12.5e-3",
    '""',
    '"plain"',
    '"esc\\"aped\\u00e9"',
    "[]",
    "{}",
    '[1,"a",[null]]',
    '{"a":{"b":[1]}}',
    '{"originator_id":"inner"}',
    "[[[[1]]]]",
    "NaN",
    "-Infinity",
    "01",
    "1.",
    "12345678901234567",
    '"ctl\x01"',
    '"bad\\x"',
    "[1,]",
    '{"a"}',
    '{"a":1,}',
    "nul",
    "[",
    '"open',
    "1 ",
    '"a","extra":1',
]


def spelt_out(values: list[str]) -> str:
    """An object of BASE's keys, in order, with ``values`` as they are written."""
    keys = ["actor", "authority", "body", "originator_id", "originator_version"]
    keys += ["source_key", "timestamp", "votes"]
    return "{" + ",".join(f'"{k}":{v}' for k, v in zip(keys, values, strict=True)) + "}"


WELL_FORMED = JSON.map(lambda v: canonical_bytes(v).decode())
VALUES = st.sampled_from(FRAGMENTS) | WELL_FORMED
IDENTITY_VALUES = ['"x-1"', "3", '"k"', '"2025-01-10T09:00:00.000000Z"']


@settings(max_examples=1500)
@given(
    st.tuples(*[WELL_FORMED] * 3).map(list),
    WELL_FORMED,
    st.lists(st.tuples(st.integers(0, 7), VALUES), min_size=1, max_size=2),
)
def test_a_learned_layout_reads_any_value_as_the_general_pattern_does(
    first: list[str], last: str, replaced: list[tuple[int, str]]
) -> None:
    """A layout learned from one event, over another with one or two of its values
    replaced by values of every kind, well formed or not (in an identity member too):
    the layout's answer, where it gives one, is the general pattern's."""
    values = [*first, *IDENTITY_VALUES, last]
    sample = spelt_out(values)
    layout = layout_of(sample)
    if layout is None or matcher()(sample) is None:
        return  # nested deeper than DEPTH: never learned
    for at, value in replaced:
        values[at] = value
    text = spelt_out(values)

    spelt = layout_matcher(layout)(text)
    general = matcher()(text)

    if spelt is not None:
        assert general is not None, text
        assert spelt.groups() == general.groups(), text


# --- plain twins: on a plain event, exactly what the strict patterns match ------------

PLAIN_BASE = canonical_bytes(
    {
        "actor": "clerk",
        "authority": {"item": "4", "meeting": "m-1", "note": None, "votes": [1, 2, [3]]},
        "body": "kcsp",
        "name": "Kent CSP \u00e9\U0001f600",
        "originator_id": "542dcafa-ea41-56ab-a992-a054d408b1a2",
        "originator_version": 7,
        "source_key": "sha256:89a8",
        "timestamp": "2025-01-10T09:00:00.000000Z",
        "votes": [],
    }
)


def same_match(a: Any, b: Any) -> bool:
    return (a is None and b is None) or (
        a is not None and b is not None and a.groups() == b.groups()
    )


@given(st.binary(max_size=40))
def test_a_plain_event_is_one_without_a_backslash_or_a_control_byte(state: bytes) -> None:
    assert is_plain(state) == all(byte >= 0x20 and byte != 0x5C for byte in state)


@settings(max_examples=800)
@given(EDITS | st.just([]), EDITS)
def test_on_a_plain_event_each_twin_matches_as_its_strict_pattern(
    learned_from: list[tuple[int, int, bytes]], edits: list[tuple[int, int, bytes]]
) -> None:
    state = edit(PLAIN_BASE, edits)
    if not is_plain(state):
        return
    try:
        text = state.decode("utf-8")
    except UnicodeDecodeError:
        return

    assert same_match(matcher(plain=True)(text), matcher()(text)), text
    try:
        layout = layout_of(edit(PLAIN_BASE, learned_from).decode("utf-8"))
    except UnicodeDecodeError:
        return
    if layout is not None:
        strict, plain = layout_matcher(layout), layout_matcher(layout, plain=True)
        assert same_match(plain(text), strict(text)), text


@settings(max_examples=1000)
@given(
    st.tuples(*[WELL_FORMED] * 3).map(list),
    WELL_FORMED,
    st.lists(st.tuples(st.integers(0, 7), VALUES), max_size=2),
)
def test_on_plain_values_of_every_kind_each_twin_matches_as_its_strict_pattern(
    first: list[str], last: str, replaced: list[tuple[int, str]]
) -> None:
    values = [*first, *IDENTITY_VALUES, last]
    layout = layout_of(spelt_out(values))
    for at, value in replaced:
        values[at] = value
    text = spelt_out(values)
    if not is_plain(text.encode()):
        return

    assert same_match(matcher(plain=True)(text), matcher()(text)), text
    if layout is not None:
        strict, plain = layout_matcher(layout), layout_matcher(layout, plain=True)
        assert same_match(plain(text), strict(text)), text
