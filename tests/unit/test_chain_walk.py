"""The chain's walk gives the verdict it always gave, row for row and word for word.

``ChainWalk.check_many`` checks a batch of rows in one loop and reads each event's
identity the quick way where it can (``infra/stored_identity.py``).  Here it is run
beside ``reference_check``, the check as it was written before (one row at a time,
every event decoded with ``json.loads``), over small chains tampered with in every
column, with and without the links rehashed after the tampering, as a forger would:
the two must find the same first fault, with the same message, at the same position,
whether the rows come one at a time or in batches.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from ledger.infra.canonical import canonical_bytes
from ledger.infra.chain import GENESIS, ChainWalk, Problem, link_hash, utc_text
from tests.unit.test_stored_identity import SNIPPETS

Row = tuple[Any, ...]


def reference_check(walk: dict[str, Any], row: Row) -> Problem | None:
    """The check as it was, on a row as ``chain_rows`` used to build it."""
    position, nid, recorded_at, source_key, digest, oid, version, topic, state = row
    position, nid = int(position), int(nid)
    oid = None if oid is None else str(oid)
    if isinstance(state, str):
        state = state.encode("utf-8")
    elif state is not None:
        state = bytes(state)
    where = position
    if position != walk["expected_position"]:
        return Problem(walk["expected_position"], "missing from the audit chain (deleted)")
    if state is None or topic is None:
        return Problem(where, "the event is missing (deleted)")
    if nid <= walk["last_nid"]:
        return Problem(where, "out of order (reordered)")
    if link_hash(position, walk["prev"], topic, state) != digest:
        return Problem(where, "the event does not match its hash (modified or reordered)")
    try:
        payload = json.loads(state)
        same_origin = (
            str(payload["originator_id"]).replace("-", "") == str(oid).replace("-", "")
            and payload["originator_version"] == version
        )
        same_index = (
            utc_text(payload["timestamp"]) == recorded_at
            and payload.get("source_key") == source_key
        )
    except (ValueError, KeyError, TypeError):
        same_origin = same_index = False
    if not same_origin:
        return Problem(where, "the event's stored identity was altered")
    if not same_index or recorded_at < walk["last_time"]:
        return Problem(where, "the chain's record of it was altered")
    walk.update(prev=digest, last_nid=nid, last_time=recorded_at, expected_position=position + 1)
    return None


def reference(rows: list[Row]) -> tuple[int, str | None]:
    walk = {"expected_position": 1, "prev": GENESIS, "last_nid": 0, "last_time": ""}
    for held, row in enumerate(rows):
        problem = reference_check(walk, row)
        if problem is not None:
            return held, str(problem)
    return len(rows), None


STAMPS = [
    "2025-01-10T09:00:00.000000Z",
    "2025-01-10T09:00:00.000000Z",
    "2025-02-01T10:00:00.000000Z",
    "2025-03-01T11:00:00.500000Z",
    "2025-04-01T12:00:00.000000Z",
]
IDS = [uuid.UUID(int=n * 7919 + 1) for n in range(len(STAMPS))]
TOPICS = ["body.established/v1", "body.established/v1", "body.renamed/v1"]


def chain(keys: list[str | None]) -> list[Row]:
    """Five links as the ledger writes them (originator ids as SQLite stores them)."""
    rows, prev = [], GENESIS
    for i, (stamp, oid, key) in enumerate(zip(STAMPS, IDS, keys, strict=True)):
        state = canonical_bytes(
            {
                "actor": "clerk",
                "authority": None if i % 2 else {"item": str(i), "votes": [i, [i]]},
                # Every other name has escapes; the rest are plain (stored_identity).
                "name": f"Body {i} \u00e9" if i % 2 else f'Body "{i}" \\ \u00e9',
                "originator_id": str(oid),
                "originator_version": i + 1,
                "source_key": key,
                "timestamp": stamp,
            }
        )
        topic = TOPICS[i % len(TOPICS)]
        prev = link_hash(i + 1, prev, topic, state)
        rows.append((i + 1, 10 * (i + 1), stamp, key, prev, oid.hex, i + 1, topic, state))
    return rows


def rehash(rows: list[Row], start: int) -> list[Row]:
    """Recompute every link from ``start`` on, over whatever the rows now hold."""
    out = rows[:start]
    prev = out[-1][4] if out else GENESIS
    for row in rows[start:]:
        position, topic, state = row[0], row[7], row[8]
        if isinstance(position, int) and isinstance(topic, str) and isinstance(state, bytes):
            prev = link_hash(position, prev, topic, state)
            row = (*row[:4], prev, *row[5:])
        out.append(row)
    return out


def edited_state(state: bytes, data: st.DataObject) -> Any:
    edits = data.draw(
        st.lists(
            st.tuples(st.integers(0, len(state)), st.integers(0, 3), st.sampled_from(SNIPPETS)),
            max_size=2,
        )
    )
    for at, cut, snippet in edits:
        state = state[:at] + snippet + state[at + cut :]
    form = data.draw(st.sampled_from(["bytes", "text", "memoryview"]))
    if form == "text":
        return state.decode("utf-8", "replace")
    return memoryview(state) if form == "memoryview" else state


COLUMN_VALUES: list[st.SearchStrategy[Any]] = [
    st.sampled_from([0, 1, 2, 3, 4, 5, 6]),  # position
    st.sampled_from([0, 5, 10, 20, 30, 40, 50, 60, "30"]),  # notification id
    st.sampled_from([*STAMPS, "2025-01-10T09:00:00.000001Z", "2024-12-31T23:59:59.999999Z"]),
    st.sampled_from([None, "minutes-2025-04", "k0", ""]),  # source key
    st.sampled_from(["f" * 64, GENESIS]),  # hash
    st.sampled_from([None, str(IDS[0]), IDS[1].hex, IDS[2], "x"]),  # originator id
    st.sampled_from([None, 1, 2, 3, 99, True, 2.0]),  # originator version
    st.sampled_from([None, "body.dissolved/v1", *TOPICS]),  # topic
]


@settings(max_examples=600, deadline=None)
@given(st.data())
def test_the_walk_finds_the_first_fault_as_the_reference_check_does(data: st.DataObject) -> None:
    keys = data.draw(st.lists(st.sampled_from([None, "k0", "k1", "k2"]), min_size=5, max_size=5))
    rows = chain(keys)
    for _ in range(data.draw(st.integers(0, 3))):
        i = data.draw(st.integers(0, len(rows) - 1))
        column = data.draw(st.integers(0, 8))
        row = list(rows[i])
        if column == 8:
            # A state already edited (to None, text or a memoryview) is replaced, not
            # edited again.
            editable = isinstance(row[8], bytes)
            row[8] = edited_state(row[8], data) if editable and data.draw(st.booleans()) else None
        else:
            row[column] = data.draw(COLUMN_VALUES[column])
        rows[i] = tuple(row)
        if data.draw(st.booleans()):
            rows = rehash(rows, i)
    if data.draw(st.booleans()):
        del rows[data.draw(st.integers(0, len(rows) - 1))]
    split = data.draw(st.integers(0, len(rows)))

    expected = reference(rows)
    event(expected[1].split(": ", 1)[1] if expected[1] else "intact")

    whole = ChainWalk().check_many(rows)
    assert (whole[0], None if whole[1] is None else str(whole[1])) == expected
    walk, held, found = ChainWalk(), 0, None
    for batch in (rows[:split], rows[split:]):
        count, problem = walk.check_many(batch)
        held += count
        if problem is not None:
            found = str(problem)
            break
    assert (held, found) == expected
    one = ChainWalk()
    singles = [one.check(row) for row in rows[: expected[0] + 1]]
    assert [str(p) for p in singles if p is not None][:1] == ([expected[1]] if expected[1] else [])
    # A walk that learns each topic's layout at once (from whatever its rows hold, tampered
    # or not) and reads the later rows by it finds the same fault, row by row too.
    learning = ChainWalk(learn_after=1)
    learnt = [learning.check(row) for row in rows[: expected[0] + 1]]
    assert [str(p) for p in learnt if p is not None][:1] == ([expected[1]] if expected[1] else [])
    eager = ChainWalk(learn_after=1).check_many(rows)
    assert (eager[0], None if eager[1] is None else str(eager[1])) == expected


def test_an_untouched_chain_holds_and_the_walk_ends_at_its_head() -> None:
    rows = chain(["k0", None, "k1", None, "k2"])
    walk = ChainWalk()

    assert walk.check_many(rows) == (5, None)
    assert (walk.expected_position, walk.prev) == (6, rows[-1][4])
    assert walk.payload == json.loads(rows[-1][8])


def test_a_long_chain_is_read_by_its_learned_layouts_and_still_finds_a_late_fault() -> None:
    """Past ``learn_after`` rows of a topic the walk reads its events by their layout;
    an identity altered after that is still found where the reference finds it."""
    rows, prev = [], GENESIS
    for i in range(40):
        stamp = STAMPS[min(i // 10, len(STAMPS) - 1)]
        state = canonical_bytes(
            {
                "actor": "clerk",
                "authority": None if i % 3 else {"item": str(i), "votes": [i, [i]]},
                "name": f"Body {i}",
                "originator_id": str(IDS[i % len(IDS)]),
                "originator_version": i + 1,
                "source_key": None if i % 2 else f"k{i}",
                "timestamp": stamp,
            }
        )
        topic = TOPICS[i % 2]
        prev = link_hash(i + 1, prev, topic, state)
        oid = IDS[i % len(IDS)].hex
        rows.append(
            (i + 1, i + 1, stamp, None if i % 2 else f"k{i}", prev, oid, i + 1, topic, state)
        )
    walk = ChainWalk(learn_after=4)
    assert walk.check_many(rows[:30]) == (30, None)
    assert set(walk.layouts.quick) == {TOPICS[0], TOPICS[1]}

    tampered = list(rows)
    tampered[33] = (*rows[33][:6], 99, *rows[33][7:])  # the event's version column
    tampered[36] = (*rows[36][:3], "k-forged", *rows[36][4:])  # the chain's source key

    assert reference(tampered[30:34]) != (4, None)
    expected = reference(tampered)
    assert expected == (33, "position 34: the event's stored identity was altered")
    held, problem = walk.check_many(tampered[30:])
    assert (30 + held, str(problem)) == expected


@pytest.mark.parametrize(
    "state",
    [
        # Read as plain text, "\" would close the actor's string and the identity would
        # hold; as JSON the backslash escapes that quote and the event is not JSON.
        b'{"actor":"\\","originator_id":"%(oid)s","originator_version":3,'
        b'"source_key":null,"timestamp":"%(stamp)s"}',
        # A raw control character in a string: json.loads refuses it.
        b'{"actor":"cl\x01rk","originator_id":"%(oid)s","originator_version":3,'
        b'"source_key":null,"timestamp":"%(stamp)s"}',
        b'{"actor":"clerk\n","originator_id":"%(oid)s","originator_version":3,'
        b'"source_key":null,"timestamp":"%(stamp)s"}',
    ],
)
@pytest.mark.parametrize("learn_after", [1, 256])
def test_an_event_that_only_reads_as_plain_text_is_refused_as_the_reference_refuses_it(
    state: bytes, learn_after: int
) -> None:
    """A forger's event, rehashed, that a pattern for plain text would read as intact;
    it is not JSON, so the reference finds its identity altered, and so does the walk
    (which reads only bytes without backslashes or control characters as plain)."""
    rows = chain([None] * 5)
    stamp = rows[2][2]
    forged = state % {b"oid": str(IDS[2]).encode(), b"stamp": stamp.encode()}
    rows[2] = (*rows[2][:8], forged)
    rows = rehash(rows, 2)

    expected = reference(rows)
    assert expected == (2, "position 3: the event's stored identity was altered")
    walk = ChainWalk(learn_after=learn_after)
    held, problem = walk.check_many(rows)
    assert (held, str(problem)) == expected
