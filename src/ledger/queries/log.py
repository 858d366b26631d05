"""The log: every event in the ledger's order, with its envelope and chain hash."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from ledger.infra import chain
from ledger.infra.db import Connection


@dataclass(frozen=True)
class LogEntry:
    position: int
    recorded_at: str
    effective: str
    topic: str
    body: str | None
    actor: str
    summary: str
    authority: str | None
    event_id: str
    corrects: str | None
    hash: str


_COLUMNS = (
    "p.position, p.recorded_at, p.effective, p.topic, p.body, p.actor, p.summary, "
    "p.authority, p.event_id, p.corrects, c.hash"
)


def iter_log_entries(
    db: Connection,
    body: str | None,
    effective_from: date | None,
    effective_to: date | None,
    limit: int | None,
) -> Iterator[LogEntry]:
    """Events in position order, optionally for one body and a range of effective
    dates, read through one cursor a page at a time (a log of a million events is never
    held whole)."""
    where, params = ["1=1"], []
    if body:
        where.append("p.body = ?")
        params.append(body)
    if effective_from:
        where.append("p.effective >= ?")
        params.append(effective_from.isoformat())
    if effective_to:
        where.append("p.effective <= ?")
        params.append(effective_to.isoformat())
    statement = (
        f"SELECT {_COLUMNS} FROM proj_events p JOIN {chain.CHAIN_TABLE} c "
        f"ON c.position = p.position WHERE {' AND '.join(where)} ORDER BY p.position"
    )
    if limit:
        statement += f" LIMIT {int(limit)}"
    for batch in db.batches(statement, params, size=2_000):
        for position, *rest in batch:
            yield LogEntry(int(position), *rest)


def log_entries(
    db: Connection,
    body: str | None,
    effective_from: date | None,
    effective_to: date | None,
    limit: int | None,
) -> list[LogEntry]:
    """Events in position order, optionally for one body and a range of effective dates."""
    return list(iter_log_entries(db, body, effective_from, effective_to, limit))
