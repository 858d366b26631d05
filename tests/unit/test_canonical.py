"""The bytes the ledger stores and hashes are RFC 8785 canonical JSON, exactly.

``canonical_bytes`` takes a fast path (``json.dumps`` with sorted keys) that is only
correct for the values the ledger stores: ASCII keys, safe integers, valid Unicode
text.  These tests prove it byte for byte against the ``rfc8785`` package on
generated values and generated real events, and prove that everything outside that
subset is refused before it can be stored.  The audit chain's link hash is checked
against an independent computation an auditor could write in a few lines.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.body import BodyDissolved, BodyEstablished, BodyKind, BodyRenamed
from ledger.domain.events import Authority, EventRetracted, LedgerEvent
from ledger.domain.rules import (
    AnyOf,
    DecisionMethod,
    FractionPresent,
    MeetingFrequency,
    Method,
    MinimumPresent,
    OfficeHolderPresent,
    Period,
    QuorumRule,
    TextRule,
    VotingEligibility,
)
from ledger.domain.tor import (
    SectionAmended,
    SectionInserted,
    SectionRepealed,
    SectionText,
    TorAdopted,
)
from ledger.domain.types import FORBIDDEN
from ledger.infra.canonical import MAX_SAFE_INTEGER, NotCanonicalisable, canonical_bytes
from ledger.infra.chain import GENESIS, link_hash
from ledger.infra.mapper import CanonicalJSONTranscoder, PydanticMapper, decode_event

# Characters whose escaping differs between JSON encoders, if any does.
TRICKY = [
    *(chr(c) for c in range(0x20)),
    '"',
    "\\",
    "/",
    "\x7f",
    "\x80",
    "\x9f",
    "\xa0",
    "é",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ufffd",
    "\uffff",
    "中",
    "\U00010000",
    "\U0001f600",
    "\U0010ffff",
]
UNICODE = st.characters(exclude_categories=["Cs"])  # every code point but surrogates
TEXT = st.one_of(st.text(UNICODE), st.text(st.sampled_from(TRICKY)))
ASCII_KEYS = st.text(st.characters(max_codepoint=0x7F))
# What an event's text may hold (domain/types.py): TRICKY less the control characters
# and bidi overrides the ledger refuses before storing anything.
STORABLE = st.one_of(
    st.text(
        st.characters(
            exclude_categories=["Cs", "Cc"],
            exclude_characters="\u202a\u202b\u202c\u202d\u202e",
        )
    ),
    st.text(st.sampled_from([c for c in TRICKY if not FORBIDDEN.search(c)])),
)


def bounded(low: int, high: int) -> st.SearchStrategy[str]:
    return STORABLE.filter(lambda t: low <= len(t) <= high)


SAFE_INTS = st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
JSON = st.recursive(
    st.none() | st.booleans() | SAFE_INTS | TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(ASCII_KEYS, inner, max_size=5),
    max_leaves=25,
)


def independent(value: Any) -> bytes:
    """What an auditor with only the standard library would compute."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- generated JSON values ----------------------------------------------------------


@settings(max_examples=500)
@given(JSON)
def test_canonical_bytes_are_rfc8785_for_every_storable_json_value(value: Any) -> None:
    encoded = canonical_bytes(value)
    assert encoded == rfc8785.dumps(value)
    assert json.loads(encoded.decode("utf-8")) == value


@given(TEXT)
def test_any_text_is_encoded_as_rfc8785_encodes_it(text: str) -> None:
    assert canonical_bytes(text) == rfc8785.dumps(text)
    assert canonical_bytes({"k": [text]}) == rfc8785.dumps({"k": [text]})


@pytest.mark.parametrize(
    "value",
    [
        MAX_SAFE_INTEGER,
        -MAX_SAFE_INTEGER,
        0,
        -1,
        True,
        False,
        None,
        "",
        "".join(TRICKY),
        {"": 1, "a": 2, "A": 3, "_": 4, "~": 5, " ": 6, "\x00": 7},
        {"b": {"d": [], "c": {}}, "a": [[], {}]},
    ],
    ids=repr,
)
def test_the_edges_of_what_is_storable_match_rfc8785(value: Any) -> None:
    assert canonical_bytes(value) == rfc8785.dumps(value)


def test_control_characters_are_escaped_in_lower_case_hex_and_u2028_is_left_alone() -> None:
    assert (
        canonical_bytes("\x01\x1f\u2028\U0001f600") == '"\\u0001\\u001f\u2028\U0001f600"'.encode()
    )
    assert canonical_bytes("\b\t\n\f\r") == b'"\\b\\t\\n\\f\\r"'


def test_every_code_point_is_encoded_as_the_standard_library_and_rfc8785_encode_it() -> None:
    # The ledger writes with msgspec; an auditor recomputes with json.dumps.  Every
    # character but the surrogates, a block at a time, in text and in a key's value.
    for start in range(0, 0x110000, 0x1000):
        block = "".join(chr(c) for c in range(start, start + 0x1000) if not 0xD800 <= c < 0xE000)
        for value in (block, {"k": block, "a": [block, 1, None, True]}):
            assert canonical_bytes(value) == independent(value)
    assert canonical_bytes("".join(TRICKY)) == rfc8785.dumps("".join(TRICKY))


def test_text_that_is_not_valid_unicode_is_refused_on_either_path() -> None:
    for value in ("\ud800", {"k": ["a", "\udfff"]}):
        with pytest.raises(NotCanonicalisable, match="not valid Unicode"):
            canonical_bytes(value)


# --- generated real events ----------------------------------------------------------

SLUGS = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,20}\Z")
ZONES = st.one_of(
    st.just(UTC),
    st.builds(
        lambda minutes: timezone(timedelta(minutes=minutes)),
        st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59),
    ),
)
authority = st.builds(
    Authority,
    meeting=st.none() | bounded(0, 200),
    item=st.none() | bounded(0, 50),
    paper=st.none() | bounded(0, 500),
    note=st.none() | bounded(0, 2000),
)
ENVELOPE: dict[str, st.SearchStrategy[Any]] = {
    "originator_id": st.uuids(),
    "originator_version": st.integers(min_value=1, max_value=MAX_SAFE_INTEGER),
    "timestamp": st.datetimes(timezones=ZONES),
    "event_id": st.uuids(),
    "effective": st.dates(),
    "actor": STORABLE,
    "authority": st.none() | authority,
    "corrects": st.none() | st.uuids(),
    "source_key": st.none() | STORABLE,
    "body": st.none() | SLUGS,
}
NON_EMPTY = bounded(1, 300)
RULES = st.lists(
    st.sampled_from(
        [
            DecisionMethod(method=Method.CONSENSUS, fallback=Method.TWO_THIRDS),
            MeetingFrequency(at_least=4, per=Period.YEAR, public=True),
            VotingEligibility(categories=["responsible-authority", "co-opted"]),
            TextRule(text="The chair has a casting vote. ½ “quoted”"),
            QuorumRule(
                all_of=[
                    MinimumPresent(at_least=4, category="responsible-authority"),
                    AnyOf(
                        options=[
                            FractionPresent(numerator=1, denominator=3),
                            OfficeHolderPresent(office="chair"),
                        ]
                    ),
                ]
            ),
        ]
    ),
    max_size=3,
)
section = st.builds(
    SectionText,
    id=SLUGS,
    number=bounded(1, 20),
    heading=NON_EMPTY,
    text=bounded(0, 50_000),
    rules=RULES,
)


MAPPER = PydanticMapper(transcoder=CanonicalJSONTranscoder())


def event(cls: type[LedgerEvent], **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.builds(cls, **ENVELOPE, **fields)


EVENTS = st.one_of(
    event(
        BodyEstablished, name=NON_EMPTY, kind=st.sampled_from(BodyKind), parent=st.none() | SLUGS
    ),
    event(BodyRenamed, name=NON_EMPTY),
    event(BodyDissolved, reason=st.none() | bounded(1, 2000)),
    event(EventRetracted, reason=bounded(1, 2000)),
    event(
        TorAdopted,
        title=st.none() | bounded(1, 500),
        sections=st.lists(section, max_size=3, unique_by=lambda s: s.id),
    ),
    event(
        SectionAmended,
        section=SLUGS,
        number=st.none() | bounded(1, 20),
        heading=st.none() | NON_EMPTY,
        text=st.none() | bounded(0, 50_000),
        rules=st.none() | RULES,
    ),
    event(SectionInserted, section=section, after=st.none() | SLUGS, first=st.booleans()),
    event(SectionRepealed, section=SLUGS),
)


@settings(max_examples=300)
@given(EVENTS)
def test_every_kind_of_event_is_stored_as_its_rfc8785_bytes(generated: LedgerEvent) -> None:
    dumped = generated.model_dump(mode="json")
    stored = MAPPER.to_stored_event(generated)

    assert canonical_bytes(dumped) == rfc8785.dumps(dumped)
    assert stored.state == rfc8785.dumps(dumped)
    assert stored.topic == generated.TOPIC
    assert decode_event(stored.topic, stored.state) == generated


# --- what is refused ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.0, "floating-point"),
        (0.5, "floating-point"),
        (float("nan"), "floating-point"),
        (float("inf"), "floating-point"),
        (-0.0, "floating-point"),
        ({"a": [1, {"b": 2.5}]}, r"\$\.a\[1\]\.b: floating-point"),
        (MAX_SAFE_INTEGER + 1, "beyond"),
        (-MAX_SAFE_INTEGER - 1, "beyond"),
        (10**30, "beyond"),
        ([1, 2**64], r"\$\[1\]: integer"),
        ({"é": 1}, "not ASCII"),
        ({"a": {"ключ": 1}}, "not ASCII"),
        ({1: "a"}, "not ASCII"),
        ({None: "a"}, "not ASCII"),
        ("\ud800", "not valid Unicode"),
        ("a\udfffb", "not valid Unicode"),
        (["ok", {"k": "\udc80"}], r"\$\[1\]\.k: text"),
        (b"bytes", "bytes is not a JSON value"),
        ({1, 2}, "set is not a JSON value"),
        (Decimal("1.5"), "Decimal is not a JSON value"),
        (datetime(2020, 1, 1, tzinfo=UTC), "datetime is not a JSON value"),
        (date(2020, 1, 1), "date is not a JSON value"),
        (UUID(int=1), "UUID is not a JSON value"),
    ],
    ids=repr,
)
def test_values_outside_the_storable_subset_are_refused(value: Any, message: str) -> None:
    with pytest.raises(NotCanonicalisable, match=message):
        canonical_bytes(value)


@given(
    JSON,
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=MAX_SAFE_INTEGER + 1) | st.integers(max_value=-MAX_SAFE_INTEGER - 1),
        st.text(st.characters(categories=["Cs"]), min_size=1),
    ),
)
def test_one_bad_value_anywhere_is_refused(value: Any, bad: Any) -> None:
    with pytest.raises(NotCanonicalisable):
        canonical_bytes({"ok": value, "nested": [value, {"bad": bad}]})


def test_refusal_is_a_value_error() -> None:
    assert issubclass(NotCanonicalisable, ValueError)


# --- the audit chain's link hash ----------------------------------------------------

PREVS = st.one_of(st.just(GENESIS), st.text("0123456789abcdef", min_size=64, max_size=64))
OBJECTS = st.dictionaries(ASCII_KEYS, JSON, max_size=6)


def auditors_link_hash(position: int, prev: str, topic: str, event: Any) -> str:
    link = {"event": event, "position": position, "prev": prev, "topic": topic}
    return hashlib.sha256(independent(link)).hexdigest()


@settings(max_examples=300)
@given(st.integers(min_value=1, max_value=MAX_SAFE_INTEGER), PREVS, TEXT, OBJECTS)
def test_link_hash_is_sha256_of_the_canonical_link(
    position: int, prev: str, topic: str, payload: dict[str, Any]
) -> None:
    state = canonical_bytes(payload)
    digest = link_hash(position, prev, topic, state)

    assert digest == auditors_link_hash(position, prev, topic, json.loads(state))
    link = {"event": payload, "position": position, "prev": prev, "topic": topic}
    assert digest == hashlib.sha256(rfc8785.dumps(link)).hexdigest()


@settings(max_examples=100)
@given(EVENTS, st.integers(min_value=1, max_value=10**6), PREVS)
def test_link_hash_of_a_stored_event_is_what_an_auditor_recomputes(
    generated: LedgerEvent, position: int, prev: str
) -> None:
    stored = MAPPER.to_stored_event(generated)

    digest = link_hash(position, prev, stored.topic, stored.state)

    assert digest == auditors_link_hash(position, prev, stored.topic, json.loads(stored.state))


def test_the_first_link_follows_sixty_four_zeros() -> None:
    state = canonical_bytes({"name": "Kent CSP", "originator_version": 1})
    expected = hashlib.sha256(
        b'{"event":{"name":"Kent CSP","originator_version":1},"position":1,'
        b'"prev":"' + b"0" * 64 + b'","topic":"body.established/v1"}'
    ).hexdigest()

    assert GENESIS == "0" * 64
    assert link_hash(1, GENESIS, "body.established/v1", state) == expected


def test_changing_any_part_of_a_link_changes_its_hash() -> None:
    state = canonical_bytes({"name": "Kent CSP"})
    base = link_hash(2, GENESIS, "body.renamed/v1", state)

    assert link_hash(3, GENESIS, "body.renamed/v1", state) != base
    assert link_hash(2, "1" + GENESIS[1:], "body.renamed/v1", state) != base
    assert link_hash(2, GENESIS, "body.renamed/v2", state) != base
    assert link_hash(2, GENESIS, "body.renamed/v1", canonical_bytes({"name": "Kent CSP."})) != base
