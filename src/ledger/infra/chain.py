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

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import IntegrityError

GENESIS = "0" * 64
CHAIN_TABLE = "ledger_chain"


def utc_text(moment: datetime | str) -> str:
    """A recorded time as fixed-width UTC text, so text order is time order."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        raise ValueError("recorded times are timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def link_bytes(position: int, prev: str, topic: str, state: bytes) -> bytes:
    """The canonical JSON of one link, spliced around the already-canonical event bytes."""
    return b"".join(
        (
            b'{"event":',
            state,
            b',"position":',
            str(position).encode(),
            b',"prev":"',
            prev.encode(),
            b'","topic":',
            json.dumps(topic, ensure_ascii=False).encode(),
            b"}",
        )
    )


def link_hash(position: int, prev: str, topic: str, state: bytes) -> str:
    """SHA-256 hex of link ``position``."""
    return hashlib.sha256(link_bytes(position, prev, topic, state)).hexdigest()


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


class ChainConflict(IntegrityError):
    """The write met another writer's later recorded time; retry with a fresh time."""


@dataclass(frozen=True)
class NewLink:
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
    position, prev, last_time = head if head else (0, GENESIS, "")
    links = []
    for event, nid in zip(stored, notification_ids, strict=True):
        payload = json.loads(event.state)
        recorded = utc_text(payload["timestamp"])
        if recorded < last_time:
            raise RecordedTimeConflict(f"recorded time {recorded} is before {last_time}")
        position += 1
        prev = link_hash(position, prev, event.topic, event.state)
        links.append(NewLink(position, nid, recorded, payload.get("source_key"), prev))
        last_time = recorded
    return links


# --- verification -------------------------------------------------------------------


@dataclass
class Problem:
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


@dataclass(frozen=True)
class ChainRow:
    position: int
    notification_id: int
    recorded_at: str
    source_key: str | None
    hash: str
    originator_id: str | None
    originator_version: int | None
    topic: str | None
    state: bytes | None


class ChainWalk:
    """Checks the links one at a time, in position order, from the first: ``check``
    returns the fault of a row (None: it holds), and after a fault the walk is over.

    ``ledger verify`` walks every row; ``ledger replay`` walks them as it goes."""

    def __init__(self) -> None:
        self.expected_position = 1
        self.prev = GENESIS
        self.last_nid = 0
        self.last_time = ""
        self.payload: dict[str, Any] = {}  # the last row's event, parsed (once it holds)

    def check(self, row: ChainRow) -> Problem | None:
        """The first thing wrong with ``row`` as the next link, or None (then it is the
        head of the walk)."""
        where = row.position
        if row.position != self.expected_position:
            return Problem(self.expected_position, "missing from the audit chain (deleted)")
        if row.state is None or row.topic is None:
            return Problem(where, "the event is missing (deleted)")
        if row.notification_id <= self.last_nid:
            return Problem(where, "out of order (reordered)")
        recomputed = link_hash(row.position, self.prev, row.topic, row.state)
        if recomputed != row.hash:
            return Problem(where, "the event does not match its hash (modified or reordered)")
        try:
            payload = json.loads(row.state)
            same_origin = (
                str(payload["originator_id"]).replace("-", "")
                == str(row.originator_id).replace("-", "")
                and payload["originator_version"] == row.originator_version
            )
            same_index = (
                utc_text(payload["timestamp"]) == row.recorded_at
                and payload.get("source_key") == row.source_key
            )
        except (ValueError, KeyError, TypeError):
            same_origin = same_index = False
        if not same_origin:
            return Problem(where, "the event's stored identity was altered")
        if not same_index or row.recorded_at < self.last_time:
            return Problem(where, "the chain's record of it was altered")
        self.prev = row.hash
        self.last_nid = row.notification_id
        self.last_time = row.recorded_at
        self.expected_position += 1
        self.payload = payload
        return None


def check_rows(
    rows: Iterator[ChainRow],
    report: VerifyReport,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Walk the chain in order, recomputing every link; record problems in ``report``."""
    walk = ChainWalk()
    for row in rows:
        if progress:
            progress(1)
        problem = walk.check(row)
        if problem is not None:
            report.problems.append(problem)
            return
        report.events += 1
        report.head_position = row.position
        report.head_hash = row.hash


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
