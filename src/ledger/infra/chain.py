"""The audit chain: every stored event, in the ledger's global order, hashed to the last.

Link ``n`` is SHA-256 over the canonical JSON (RFC 8785) of::

    {"event": <the stored event>, "position": n, "prev": <hash of link n-1>, "topic": ...}

with ``prev`` of the first link sixty-four zeros.  The stored event bytes are
already canonical, so the link is hashed from them directly.  The chain is written
in the same transaction as the events, under the write lock, so it is never behind.
Beside it, the Merkle tree over the same stored bytes (``infra/merkle.py``, ADR 0015)
gives the proofs an export carries and ``verify.py`` checks with nothing but Python.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple
from uuid import UUID

from ledger.infra.stored_identity import PLAIN_BYTES, Layouts, Twins, is_plain
from ledger.infra.stored_identity import matcher as identity_matcher

GENESIS = "0" * 64
CHAIN_TABLE = "ledger_chain"


# A time already in the form ``utc_text`` writes (years 1000 to 9999: strftime does not
# pad a shorter year to four digits, so those are rewritten, as before).
_UTC_TEXT = re.compile(r"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


def utc_text(moment: datetime | str) -> str:
    """A recorded time as fixed-width UTC text, so text order is time order."""
    if isinstance(moment, str):
        parsed = datetime.fromisoformat(moment)
        if _UTC_TEXT.fullmatch(moment):
            # Already that text, and a real time (it parsed): strftime would give it back
            # unchanged, at many times the cost of the parse.
            return moment
        moment = parsed
    if moment.tzinfo is None:
        raise ValueError("recorded times are timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_LINK = b'{"event":%b,"position":%d,"prev":"%b","topic":%b}'


@lru_cache(maxsize=512)
def _topic_json(topic: str) -> bytes:
    """A topic as canonical JSON text (there are a few dozen topics)."""
    return json.dumps(topic, ensure_ascii=False).encode()


def link_bytes(position: int, prev: str, topic: str, state: bytes) -> bytes:
    """The canonical JSON of one link, spliced around the already-canonical event bytes."""
    return _LINK % (state, position, prev.encode(), _topic_json(topic))


def link_hash(position: int, prev: str, topic: str, state: bytes) -> str:
    """SHA-256 hex of link ``position``."""
    from hashlib import sha256  # not at import: a read of the read models hashes nothing

    return sha256(link_bytes(position, prev, topic, state)).hexdigest()


def create_statements(dialect_name: str, table: str) -> list[str]:
    big = "BIGINT" if dialect_name == "postgresql" else "INTEGER"
    name = table.split(".")[-1]
    return [
        f"CREATE TABLE IF NOT EXISTS {table} ("
        f"position {big} PRIMARY KEY, "
        f"notification_id {big} NOT NULL UNIQUE, "
        "recorded_at TEXT NOT NULL, "
        "source_key TEXT UNIQUE, "
        "hash TEXT NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {name}_recorded_idx ON {table} (recorded_at)",
    ]


class RecordedTimeConflict(Exception):
    """Another writer recorded a later time first."""


class NewLink(NamedTuple):
    """A link about to be added to the audit chain (a tuple: one is made per event)."""

    position: int
    notification_id: int
    recorded_at: str
    source_key: str | None
    hash: str


def build_links(
    head: tuple[int, str, str] | None,
    stored: Sequence[Any],
    notification_ids: Sequence[int],
) -> list[NewLink]:
    """The links for newly inserted events, after ``head`` (position, hash, recorded_at)."""
    from hashlib import sha256  # here, not at import (see link_hash)

    position, prev, last_time = head if head else (0, GENESIS, "")
    links = []
    # The plain twin reads most events, and quicker; the general pattern, compiled on
    # first use (twice the twin's time, in a one-shot command), only where it must.
    plain_fullmatch = identity_matcher(plain=True)
    stamp, recorded = None, ""
    for event, nid in zip(stored, notification_ids, strict=True):
        # The event's timestamp and source key, as json.loads would read them
        # (stored_identity.py), from its canonical bytes, else decoded; by the plain
        # twin of the pattern where the bytes hold no backslash or control character.
        state = event.state
        try:
            text = state.decode("utf-8")
        except UnicodeDecodeError:
            found = None
        else:
            found = (plain_fullmatch if is_plain(state) else identity_matcher())(text)
        if found is not None:
            _, _, source_key, timestamp = found.groups()
        else:
            payload = json.loads(event.state)
            source_key, timestamp = payload.get("source_key"), payload["timestamp"]
        if timestamp != stamp:  # the events of one write share one
            stamp, recorded = timestamp, utc_text(timestamp)
        if recorded < last_time:
            raise RecordedTimeConflict(f"recorded time {recorded} is before {last_time}")
        position += 1
        prev = sha256(link_bytes(position, prev, event.topic, state)).hexdigest()
        links.append(NewLink(position, nid, recorded, source_key, prev))
        last_time = recorded
    return links


# --- verification -------------------------------------------------------------------


@dataclass
class Problem:
    """One link of the chain that does not hold, and why."""

    position: int
    what: str

    def __str__(self) -> str:
        return f"position {self.position}: {self.what}"


@dataclass
class VerifyReport:
    """What ``ledger verify`` found."""

    events: int = 0
    head_position: int = 0
    head_hash: str = GENESIS
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        return min(self.problems, key=lambda p: p.position) if self.problems else None


class ChainRow(NamedTuple):
    """One link as read: the chain's row, joined to the event it names (None where that
    is gone).  A plain tuple of the same nine columns, in this order, will do as well."""

    position: int
    notification_id: int
    recorded_at: str
    source_key: str | None
    hash: str
    originator_id: Any  # text (SQLite) or a UUID (PostgreSQL)
    originator_version: int | None
    topic: str | None
    state: bytes | None


def stored_bytes(value: bytes | memoryview | str | None) -> bytes | None:
    """The stored state as bytes (SQLite stores whatever it is given: an edited state
    may come back as text)."""
    if value is None or type(value) is bytes:
        return value
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


class ChainWalk:
    """Checks the links one at a time, in position order, from the first: ``check``
    returns the fault of a row (None: it holds), and after a fault the walk is over.

    ``ledger verify`` walks every row, a batch at a time (``check_many``); ``ledger
    replay`` walks them as it goes.  ``learn_after`` is how often a topic is met before
    the walk learns its events' layout (default ``stored_identity.LEARN_AFTER``; see
    ``stored_identity.Layouts``)."""

    def __init__(self, learn_after: int | None = None) -> None:
        self.expected_position = 1
        self.prev = GENESIS
        self.last_nid = 0
        self.last_time = ""
        self.state: bytes | None = None  # the stored event of the last row that held
        self.layouts = Layouts(learn_after)
        self.first_nid: int | None = None  # the notification id of the first row (check_rows)
        self._topics: dict[Any, tuple[bytes, Twins | None]] = {}

    @property
    def payload(self) -> dict[str, Any]:
        """The last row's event, parsed (once it holds)."""
        return {} if self.state is None else json.loads(self.state)

    def check(self, row: Sequence[Any]) -> Problem | None:
        """The first thing wrong with ``row`` as the next link, or None (then it is the
        head of the walk)."""
        return self.check_many((row,))[1]

    def check_many(self, rows: Iterable[Sequence[Any]]) -> tuple[int, Problem | None]:
        """Check ``rows`` (``ChainRow``s, or tuples of the same columns) in order, as the
        next links: how many held, and the fault of the first that did not (None: all
        held).  Every check is made on every row, in the order below; only the reading
        of the event's identity is quicker where its bytes allow (``stored_identity``)."""
        from hashlib import sha256  # here, not at import (see link_hash)

        expected, prev = self.expected_position, self.prev
        last_nid, last_time, last_state = self.last_nid, self.last_time, self.state
        start, problem = expected, None
        last_stamp: str | None = None  # the last timestamp read, and its utc_text:
        last_text = ""
        fullmatch, plain_fullmatch = identity_matcher(), identity_matcher(plain=True)
        link, unplain = _LINK, PLAIN_BYTES
        topics, missed = self._topics, self.layouts.missed
        for row in rows:
            position, nid, recorded_at, source_key, digest, oid, version, topic, state = row
            if type(nid) is not int:
                nid = int(nid)
            if position != expected:
                problem = Problem(expected, "missing from the audit chain (deleted)")
                break
            if state is None or topic is None:
                problem = Problem(position, "the event is missing (deleted)")
                break
            if type(state) is not bytes:
                state = stored_bytes(state)
            if nid <= last_nid:
                problem = Problem(position, "out of order (reordered)")
                break
            try:  # the topic as canonical JSON, and its learned layout (None: not yet)
                topic_json, twins = topics[topic]
            except KeyError:
                topic_json, twins = topics[topic] = (_topic_json(topic), None)
            if sha256(link % (state, position, prev.encode(), topic_json)).hexdigest() != digest:
                problem = Problem(
                    position, "the event does not match its hash (modified or reordered)"
                )
                break
            try:  # stored_identity.claimed_identity, inline
                text = state.decode()
            except UnicodeDecodeError:
                found = None
            else:
                # The topic's learned layout first, else the general pattern (the same
                # groups wherever the layout matches: stored_identity.Layouts); their
                # plain twins where the bytes hold no backslash and no control character.
                plain = len(state.translate(None, unplain)) == len(state)  # is_plain
                found = None if twins is None else twins[plain](text)
                if found is None:
                    found = plain_fullmatch(text) if plain else fullmatch(text)
                    if found is not None:
                        learned = missed(topic, text, found)
                        if learned is not None:
                            topics[topic] = (topic_json, learned)
            if found is not None:
                # The four members, each as json.loads(state) would give it (proven in
                # stored_identity.py); the same comparisons as below, without the decode.
                c_oid, c_version, c_key, c_stamp = found.groups()
                if c_stamp != last_stamp:  # utc_text is pure: rows often share one
                    try:
                        last_text = utc_text(c_stamp)
                    except (ValueError, KeyError, TypeError):
                        problem = Problem(position, "the event's stored identity was altered")
                        break
                    last_stamp = c_stamp
                if not (
                    c_oid.replace("-", "")
                    == (oid.replace("-", "") if type(oid) is str else _plain_id(oid))
                    and int(c_version) == version
                ):
                    problem = Problem(position, "the event's stored identity was altered")
                    break
                if last_text != recorded_at or c_key != source_key or recorded_at < last_time:
                    problem = Problem(position, "the chain's record of it was altered")
                    break
            else:
                try:
                    payload = json.loads(state)
                    same_origin = (
                        str(payload["originator_id"]).replace("-", "") == _plain_id(oid)
                        and payload["originator_version"] == version
                    )
                    same_index = (
                        utc_text(payload["timestamp"]) == recorded_at
                        and payload.get("source_key") == source_key
                    )
                except (ValueError, KeyError, TypeError):
                    same_origin = same_index = False
                if not same_origin:
                    problem = Problem(position, "the event's stored identity was altered")
                    break
                if not same_index or recorded_at < last_time:
                    problem = Problem(position, "the chain's record of it was altered")
                    break
            prev, last_nid, last_time, last_state = digest, nid, recorded_at, state
            expected += 1
        self.expected_position, self.prev = expected, prev
        self.last_nid, self.last_time, self.state = last_nid, last_time, last_state
        return expected - start, problem


def _plain_id(oid: Any) -> str:
    """An originator id as text without dashes, as ``str(oid).replace("-", "")`` gives
    it (a UUID's ``hex`` is that text, without building the dashed form first)."""
    if type(oid) is str:
        return oid.replace("-", "")
    if type(oid) is UUID:
        return oid.hex
    return str(oid).replace("-", "")


def check_rows(
    batches: Iterable[Sequence[Sequence[Any]]],
    report: VerifyReport,
    progress: Callable[[int], None] | None = None,
) -> ChainWalk:
    """Walk the chain in order, a batch of rows at a time, recomputing every link;
    record the first problem in ``report``.  ``progress`` advances once a batch, by
    the rows it looked at.  Returns the walk as it ended (the notification ids of the
    first and last rows that held, for the search for unchained events)."""
    walk = ChainWalk()
    for batch in batches:
        held, problem = walk.check_many(batch)
        if held and walk.first_nid is None:
            walk.first_nid = int(batch[0][1])
        report.events += held
        report.head_position, report.head_hash = walk.expected_position - 1, walk.prev
        if progress:
            progress(held + (problem is not None))
        if problem is not None:
            report.problems.append(problem)
            break
    return walk


def check_anchor(
    report: VerifyReport,
    expect: str,
    hash_at: Callable[[int], str | None],
    position_of_hash: Callable[[str], int | None],
) -> None:
    """Compare the chain with a published head: ``POSITION:HASH`` (or a bare ``HASH``)."""
    text = expect.strip().lower()
    pos_text, _, digest = text.rpartition(":")
    if pos_text and not pos_text.isdigit():
        raise ValueError(f"published head {expect!r} is not POSITION:HASH")
    if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
        raise ValueError(f"published head {expect!r} does not hold a SHA-256 hex digest")
    if pos_text:
        position = int(pos_text)
    else:
        found = 0 if digest == GENESIS else position_of_hash(digest)
        if found is None:
            report.problems.append(
                Problem(
                    report.head_position + 1,
                    "the published head is nowhere in the chain (truncated or rewritten)",
                )
            )
            return
        position = found
    if position > report.head_position:
        report.problems.append(
            Problem(
                report.head_position + 1,
                f"truncated: the published head is at position {position}, "
                f"the ledger ends at {report.head_position}",
            )
        )
        return
    # Position 0 is the genesis every chain starts from: the head of an empty ledger.
    if (GENESIS if position == 0 else hash_at(position)) != digest:
        report.problems.append(
            Problem(position, "does not match the published head (the record was rewritten)")
        )
