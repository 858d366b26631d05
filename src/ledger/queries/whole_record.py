"""The whole record, read from end to end: what an export holds.

``snapshot(db)`` fixes a moment, the head of the log as it stands: its position, its
hash and its recorded time.  Every read of the ``WholeRecord`` it returns is bounded by
it (the events up to that position; every read model as known at that recorded time),
so an export made while others write is still one consistent picture.  The reads
return what the questions' answers hold over all time: every stored event with its
envelope, authority, chain hash and leaf hash; every version of each body,
organisation, ToR section, seat and office (``queries/versions.py``); and each body's
meetings and motions.  Each is an iterator that reads the database a batch at a time,
so a long history is never held in memory at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ledger.domain.decision import MotionState
from ledger.domain.meeting import MeetingState
from ledger.infra import chain, merkle
from ledger.infra.db import Connection
from ledger.projections import decisions, meetings
from ledger.queries import versions
from ledger.queries.known import NOW
from ledger.queries.versions import (
    BodyVersion,
    OfficeVersion,
    OrganisationVersion,
    SeatVersion,
    SectionVersion,
)

BATCH = versions.BATCH

__all__ = [
    "BodyVersion",
    "EventRecord",
    "OfficeVersion",
    "OrganisationVersion",
    "SeatVersion",
    "SectionVersion",
    "WholeRecord",
    "snapshot",
]


@dataclass(frozen=True)
class EventRecord:
    """One stored event as the log holds it: its place, its envelope and its hashes."""

    position: int
    recorded_at: str
    effective: str
    topic: str
    event_id: str
    aggregate_id: str
    version: int
    body: str | None
    actor: str
    meeting: str | None  # the authority it cites: meeting and item, paper, decision, note
    item: str | None
    paper: str | None
    decision: str | None
    note: str | None
    corrects: str | None
    corrected_by: tuple[str, ...]  # later events that correct or retract this one
    key: str | None  # the import key it was recorded from
    summary: str
    hash: str  # the audit chain's link at this position
    leaf_hash: str  # RFC 9162: SHA-256(0x00 || the stored canonical bytes)


@dataclass(frozen=True)
class WholeRecord:
    """The record up to ``size`` events, as known at ``recorded_at`` (the head's time)."""

    db: Connection
    size: int
    head_hash: str
    recorded_at: str | None  # UTC text; None for an empty ledger

    @property
    def known_at(self) -> datetime | None:
        """The moment every answer is read as known at (None: an empty ledger, now)."""
        return datetime.fromisoformat(self.recorded_at) if self.recorded_at else None

    @property
    def _known(self) -> str:
        return self.recorded_at or NOW

    # --- the log ----------------------------------------------------------------------

    def event_count(self, body: str | None, first: date | None, last: date | None) -> int:
        """How many events ``events`` yields for the same selection."""
        where, params = _event_filter(self.size, body, first, last)
        return int(self.db.scalar(f"SELECT COUNT(*) FROM proj_events p WHERE {where}", params))

    def events(
        self, body: str | None, first: date | None, last: date | None
    ) -> Iterator[EventRecord]:
        """The events of ``body`` (or all) effective between two dates (inclusive), in
        the log's order, each with what it cites and what corrects it."""
        correctors = self._correctors()
        nid = self.db.dialect.notification_id
        after = 0
        while True:
            where, params = _event_filter(self.size, body, first, last)
            rows = self.db.query(
                f"SELECT p.*, c.hash, e.state FROM proj_events p "
                f"JOIN {chain.CHAIN_TABLE} c ON c.position = p.position "
                f"JOIN {self.db.dialect.events} e ON e.{nid} = c.notification_id "
                f"WHERE {where} AND p.position > ? ORDER BY p.position LIMIT {BATCH}",
                [*params, after],
            )
            for row in rows:
                yield _event(row, correctors.get(row["event_id"], ()))
            if len(rows) < BATCH:
                return
            after = int(rows[-1]["position"])

    def _correctors(self) -> dict[str, tuple[str, ...]]:
        # Only the corrections and retractions, a small part of any log, are held.
        found: dict[str, tuple[str, ...]] = {}
        for row in self.db.query(
            "SELECT corrects, event_id FROM proj_events "
            "WHERE corrects IS NOT NULL AND position <= ? ORDER BY position",
            [self.size],
        ):
            found[row["corrects"]] = (*found.get(row["corrects"], ()), row["event_id"])
        return found

    # --- versions over time -----------------------------------------------------------

    def body_ids(self) -> list[str]:
        """Every body the record holds, by id."""
        return versions.body_ids(self.db, self._known)

    def bodies(
        self, body: str | None, first: date | None, last: date | None
    ) -> Iterator[BodyVersion]:
        """Every version of each body (or one) in force at some time between two dates."""
        return versions.body_versions(self.db, self._known, body, first, last)

    def organisations(
        self, only: set[str] | None, first: date | None, last: date | None
    ) -> Iterator[OrganisationVersion]:
        """Every version of each organisation (or of those in ``only``) in force at some
        time between two dates."""
        return versions.organisation_versions(self.db, self._known, only, first, last)

    def sections(
        self, body: str | None, first: date | None, last: date | None, on: date
    ) -> Iterator[SectionVersion]:
        """Every version of each ToR section, with its status on ``on``."""
        return versions.section_versions(self.db, self._known, body, first, last, on)

    def seats(
        self, body: str | None, first: date | None, last: date | None
    ) -> Iterator[SeatVersion]:
        """Every version of each seat: who held it for which organisation, from when to when."""
        return versions.seat_versions(self.db, self._known, body, first, last)

    def offices(
        self, body: str | None, first: date | None, last: date | None
    ) -> Iterator[OfficeVersion]:
        """Every version of each office (chair, vice-chair): its holder, from when to when."""
        return versions.office_versions(self.db, self._known, body, first, last)

    # --- meetings and motions ---------------------------------------------------------

    def meetings(
        self, body: str | None, first: date | None, last: date | None
    ) -> Iterator[MeetingState]:
        """Each meeting (of ``body``, or of every body in turn) dated between two dates,
        with its agenda, attendance and interests: one body's meetings at a time."""
        for slug in [body] if body is not None else self.body_ids():
            yield from meetings.meetings_of(self.db, slug, first, last, self._known)

    def motions(
        self, body: str | None, first: date | None, last: date | None
    ) -> Iterator[MotionState]:
        """Each motion (of ``body``, or of every body in turn) at a meeting between two
        dates, with its decision and votes as recorded: one body's motions at a time."""
        for slug in [body] if body is not None else self.body_ids():
            yield from decisions.motions_of(self.db, slug, first, last, self._known)


def snapshot(db: Connection) -> WholeRecord:
    """The record as it stands: bounded by the head of the log now."""
    rows = db.query(
        f"SELECT position, hash, recorded_at FROM {chain.CHAIN_TABLE} "
        "ORDER BY position DESC LIMIT 1"
    )
    if not rows:
        return WholeRecord(db, 0, chain.GENESIS, None)
    return WholeRecord(db, int(rows[0]["position"]), rows[0]["hash"], str(rows[0]["recorded_at"]))


def _event_filter(
    size: int, body: str | None, first: date | None, last: date | None
) -> tuple[str, list[Any]]:
    where, params = ["p.position <= ?"], list[Any]([size])
    if body is not None:
        where.append("p.body = ?")
        params.append(body)
    if first is not None:
        where.append("p.effective >= ?")
        params.append(first.isoformat())
    if last is not None:
        where.append("p.effective <= ?")
        params.append(last.isoformat())
    return " AND ".join(where), params


def _event(row: Any, corrected_by: tuple[str, ...]) -> EventRecord:
    state = row["state"]
    data = state.encode("utf-8") if isinstance(state, str) else bytes(state)
    stored = json.loads(data)
    authority = stored.get("authority") or {}
    return EventRecord(
        position=int(row["position"]),
        recorded_at=row["recorded_at"],
        effective=row["effective"],
        topic=row["topic"],
        event_id=row["event_id"],
        aggregate_id=row["aggregate_id"],
        version=int(row["version"]),
        body=row["body"],
        actor=row["actor"],
        meeting=authority.get("meeting"),
        item=authority.get("item"),
        paper=authority.get("paper"),
        decision=authority.get("decision"),
        note=authority.get("note"),
        corrects=row["corrects"],
        corrected_by=corrected_by,
        key=stored.get("source_key"),
        summary=row["summary"],
        hash=row["hash"],
        leaf_hash=merkle.leaf_hash(data).hex(),
    )
