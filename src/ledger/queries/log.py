"""The log: every event in the ledger's order, with its envelope and chain hash."""

from __future__ import annotations

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


def log_entries(
    db: Connection,
    body: str | None,
    effective_from: date | None,
    effective_to: date | None,
    limit: int | None,
) -> list[LogEntry]:
    """Events in position order, optionally for one body and a range of effective dates."""
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
        f"SELECT p.*, c.hash FROM proj_events p JOIN {chain.CHAIN_TABLE} c "
        f"ON c.position = p.position WHERE {' AND '.join(where)} ORDER BY p.position"
    )
    if limit:
        statement += f" LIMIT {int(limit)}"
    return [
        LogEntry(
            position=int(r["position"]),
            recorded_at=r["recorded_at"],
            effective=r["effective"],
            topic=r["topic"],
            body=r["body"],
            actor=r["actor"],
            summary=r["summary"],
            authority=r["authority"],
            event_id=r["event_id"],
            corrects=r["corrects"],
            hash=r["hash"],
        )
        for r in db.query(statement, params)
    ]
