"""The Merkle tree over the stored log: its root at any size, and proofs against it.

Leaf ``i`` is the event at chain position ``i + 1``: SHA-256(0x00 || the event's stored
canonical bytes).  Leaves are read from the database in position order, a batch at a
time, so a root or a proof of a million events never holds the log in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from ledger.infra import chain, merkle
from ledger.infra.db import Connection
from ledger.queries.audit import count

BATCH = 5000


@dataclass(frozen=True)
class TreeHead:
    """The size of the tree and its root (hex), as a checkpoint states them."""

    size: int
    root: str


class LogChanged(Exception):
    """The log does not hold the leaves the tree was asked for (an event is missing)."""


def leaf_source(db: Connection) -> merkle.LeafSource:
    """Leaf hashes of the stored events, by leaf index (position - 1)."""

    def leaves(start: int, end: int) -> Iterator[bytes]:
        for _position, _topic, state in stored_events(db, end, after=start):
            yield merkle.leaf_hash(state)

    return leaves


def prover(db: Connection) -> merkle.Prover:
    """Roots and proofs for the log as it stands."""
    return merkle.Prover(leaf_source(db), count(db))


def tree_head(db: Connection, size: int | None = None) -> TreeHead:
    """The root of the tree of the first ``size`` events (default: all)."""
    tree = prover(db)
    n = tree.size if size is None else size
    return TreeHead(n, tree.root(n).hex())


@dataclass(frozen=True)
class SinceReport:
    """Whether today's log extends a checkpoint, and how that was shown."""

    origin: str
    checkpoint_size: int
    checkpoint_root: str
    size: int
    root: str
    consistency_proof: list[str]
    signature: str  # "good", "not checked: ...", or why it failed


def stored_events(db: Connection, size: int, *, after: int = 0) -> Iterator[tuple[int, str, bytes]]:
    """(position, topic, stored bytes) of the events after position ``after`` up to
    ``size``, in order, read through one cursor a batch at a time; LogChanged if one is
    missing."""
    nid = db.dialect.notification_id
    expected = after
    with closing(
        db.batches(
            f"SELECT c.position, e.topic, e.state FROM {chain.CHAIN_TABLE} c "
            f"JOIN {db.dialect.events} e ON e.{nid} = c.notification_id "
            "WHERE c.position > ? AND c.position <= ? ORDER BY c.position",
            [after, size],
            BATCH,
        )
    ) as batches:
        for rows in batches:
            for position, topic, state in rows:
                expected += 1
                if int(position) != expected:
                    raise LogChanged(f"the log has no event at position {expected}")
                data = state.encode("utf-8") if isinstance(state, str) else bytes(state)
                yield expected, str(topic), data
    if expected < size:
        raise LogChanged(f"the log has no event at position {expected + 1}")


def selected_positions(
    db: Connection, size: int, body: str | None, first: str | None, last: str | None
) -> set[int]:
    """The positions (up to ``size``) of the events of ``body`` effective between two
    dates: a partial export's events."""
    where, params = ["position <= ?"], list[Any]([size])
    if body is not None:
        where.append("body = ?")
        params.append(body)
    if first is not None:
        where.append("effective >= ?")
        params.append(first)
    if last is not None:
        where.append("effective <= ?")
        params.append(last)
    rows = db.query(f"SELECT position FROM proj_events WHERE {' AND '.join(where)}", params)
    return {int(r["position"]) for r in rows}
