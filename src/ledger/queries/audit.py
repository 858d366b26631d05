"""The audit chain as stored: its head, and a full recomputation that names the first fault."""

from __future__ import annotations

from collections.abc import Callable, Generator
from contextlib import closing
from datetime import datetime
from typing import Any

from ledger.infra import chain
from ledger.infra.db import Connection

Progress = Callable[[int], None] | None


def head(db: Connection) -> tuple[int, str]:
    """The position and hash of the last link of the audit chain."""
    rows = db.query(
        f"SELECT position, hash FROM {chain.CHAIN_TABLE} ORDER BY position DESC LIMIT 1"
    )
    return (int(rows[0]["position"]), rows[0]["hash"]) if rows else (0, chain.GENESIS)


def head_recorded_at(db: Connection) -> datetime | None:
    """When the last event of the audit chain was recorded (None: nothing recorded yet)."""
    rows = db.query(f"SELECT recorded_at FROM {chain.CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
    if not rows:
        return None
    return datetime.fromisoformat(str(rows[0]["recorded_at"]).replace("Z", "+00:00"))


def count(db: Connection) -> int:
    """How many events the chain holds."""
    return int(db.scalar(f"SELECT COUNT(*) FROM {chain.CHAIN_TABLE}") or 0)


BATCH = 10_000  # links read at a time


def verify(db: Connection, expect: str | None, progress: Progress = None) -> chain.VerifyReport:
    """Recompute the whole chain from the stored events; with ``expect`` (POSITION:HASH),
    also check that a published head is still part of it."""
    report = chain.VerifyReport()
    with closing(chain_links(db)) as links:
        walk = chain.check_rows(links, report, progress)
    # Every link held: each names an event of its own (notification ids strictly rise),
    # so if the log holds no more events than that, none is unchained, and the search
    # for one (a scan of the log against the chain's index) can be spared.
    if not report.ok or not _all_chained(db, walk, report.events):
        inserted = first_unchained_event(db)
        if inserted is not None:
            report.problems.append(inserted)
    if expect:
        chain.check_anchor(
            report, expect, lambda p: _hash_at(db, p), lambda h: _position_of_hash(db, h)
        )
    return report


def chain_links(
    db: Connection, after: int = 0, until: int | None = None, batch: int = BATCH
) -> Generator[list[tuple[Any, ...]], None, None]:
    """The chain's rows after position ``after`` (up to ``until``), each joined to the
    event it names (None where that is gone), as tuples of ``chain.ChainRow``'s nine
    columns, ``batch`` at a time, read through one cursor.

    The originator id comes as text on both backends: PostgreSQL's text of a UUID is the
    canonical lower-case form ``str(uuid.UUID)`` writes, so the walk compares the same
    characters, and the driver builds no UUID object for each row (about 0.8 us a row,
    measured on 100,000)."""
    nid = db.dialect.notification_id
    bound = "" if until is None else f" AND c.position <= {int(until)}"
    oid = "e.originator_id::text" if db.dialect.name == "postgresql" else "e.originator_id"
    return db.batches(
        f"SELECT c.position, c.notification_id, c.recorded_at, c.source_key, c.hash, "
        f"{oid}, e.originator_version, e.topic, e.state "
        f"FROM {chain.CHAIN_TABLE} c LEFT JOIN {db.dialect.events} e "
        f"ON e.{nid} = c.notification_id WHERE c.position > ?{bound} "
        f"ORDER BY c.position",
        [after],
        batch,
    )


def chain_rows(
    db: Connection, after: int = 0, until: int | None = None, batch: int = 5000
) -> Generator[chain.ChainRow, None, None]:
    """The chain's rows after position ``after`` (up to ``until``), one at a time."""
    with closing(chain_links(db, after, until, batch)) as links:
        for rows in links:
            for r in rows:
                yield chain.ChainRow(
                    int(r[0]),
                    int(r[1]),
                    r[2],
                    r[3],
                    r[4],
                    None if r[5] is None else str(r[5]),
                    r[6],
                    r[7],
                    chain.stored_bytes(r[8]),
                )


def first_unchained_event(db: Connection) -> chain.Problem | None:
    """The first event that no chain row names (inserted behind the ledger's back), at
    the position it would take in the chain; None if every event is chained."""
    nid = db.dialect.notification_id
    rows = db.query(
        f"SELECT MIN(e.{nid}) AS nid FROM {db.dialect.events} e WHERE NOT EXISTS "
        f"(SELECT 1 FROM {chain.CHAIN_TABLE} c WHERE c.notification_id = e.{nid})"
    )
    if not rows or rows[0]["nid"] is None:
        return None
    before = db.scalar(
        f"SELECT COUNT(*) FROM {chain.CHAIN_TABLE} WHERE notification_id < ?", [rows[0]["nid"]]
    )
    return chain.Problem(
        int(before) + 1, "an event is there that the chain never recorded (inserted)"
    )


def _all_chained(db: Connection, walk: chain.ChainWalk, chained: int) -> bool:
    """Whether the log holds no event but the ``chained`` ones the walk saw hold, their
    notification ids strictly rising from ``walk.first_nid`` to ``walk.last_nid``.

    Where those ids leave no gap (as many as the span between them: the usual case),
    every id in the span is a chained event's, so an unchained one can only lie outside
    it: two probes of the log's key instead of counting it (a scan of a whole index,
    a third of a second at a million events).  Otherwise the log is counted."""
    nid = db.dialect.notification_id
    if walk.first_nid is None:
        outside = db.scalar(f"SELECT 1 FROM {db.dialect.events} LIMIT 1")
        return outside is None
    if walk.last_nid - walk.first_nid + 1 == chained:
        outside = db.scalar(
            f"SELECT 1 FROM {db.dialect.events} WHERE {nid} < ? OR {nid} > ? LIMIT 1",
            [walk.first_nid, walk.last_nid],
        )
        return outside is None
    return int(db.scalar(f"SELECT COUNT(*) FROM {db.dialect.events}") or 0) == chained


def _hash_at(db: Connection, position: int) -> str | None:
    value = db.scalar(f"SELECT hash FROM {chain.CHAIN_TABLE} WHERE position = ?", [position])
    return None if value is None else str(value)


def _position_of_hash(db: Connection, digest: str) -> int | None:
    value = db.scalar(f"SELECT position FROM {chain.CHAIN_TABLE} WHERE hash = ?", [digest.lower()])
    return None if value is None else int(value)
