"""Bodies over both time axes: which bodies existed on a date, as known at a moment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from ledger.domain.body import BodyState, body_id, timeline
from ledger.domain.history import Segment, in_force
from ledger.infra.db import Connection
from ledger.projections.base import (
    Delivered,
    EventsOf,
    as_of_clause,
    bitemporal_columns,
    key_index,
    replace_timeline,
)

TABLE = "proj_bodies"
RECORDED = "recorded_from <= ? AND (recorded_to IS NULL OR recorded_to > ?)"


class BodiesProjection:
    name = "bodies"
    version = 1
    recomputes = True  # rebuilds its rows for an aggregate from all of its events
    tables: Sequence[str] = (TABLE,)

    def create(self, db: Connection) -> None:
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} ("
            "slug TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, parent TEXT, "
            f"established TEXT NOT NULL, dissolved TEXT, {bitemporal_columns()})"
        )
        db.execute(
            f"CREATE INDEX IF NOT EXISTS {TABLE}_asof_idx ON {TABLE} (valid_from, recorded_from)"
        )
        db.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_slug_idx ON {TABLE} (slug, recorded_to)")
        key_index(db, TABLE, ["slug"])

    def process(self, db: Connection, item: Delivered, events_of: EventsOf) -> None:
        event = item.event
        if event.body is None or event.originator_id != body_id(event.body):
            return
        events = in_force(events_of(event.originator_id, event.originator_version))
        segments = [
            (
                seg.valid_from.isoformat(),
                seg.valid_to.isoformat() if seg.valid_to else None,
                {
                    "name": seg.state.name,
                    "kind": seg.state.kind,
                    "parent": seg.state.parent,
                    "established": seg.state.established.isoformat(),
                    "dissolved": seg.state.dissolved.isoformat() if seg.state.dissolved else None,
                },
            )
            for seg in timeline(events)
        ]
        replace_timeline(db, TABLE, {"slug": event.body}, segments, item.recorded_at)


def _state(r: Any) -> BodyState:
    return BodyState(
        slug=r["slug"],
        name=r["name"],
        kind=r["kind"],
        parent=r["parent"],
        established=date.fromisoformat(r["established"]),
        dissolved=date.fromisoformat(r["dissolved"]) if r["dissolved"] else None,
    )


def bodies_on(db: Connection, day: date, known_at: str) -> list[BodyState]:
    """Every body's state on ``day`` as recorded by ``known_at`` (UTC text), by slug."""
    rows = db.query(
        f"SELECT * FROM {TABLE} WHERE {as_of_clause()}",
        [day.isoformat(), day.isoformat(), known_at, known_at],
    )
    # Sorted here, not by the database, whose collation may order hyphens otherwise.
    return sorted((_state(r) for r in rows), key=lambda b: b.slug)


def body_segments(
    db: Connection, known_at: str, slugs: Sequence[str] | None = None
) -> list[Segment[BodyState]]:
    """Every body's states over effective time as recorded by ``known_at``: by slug,
    then date (a rename or a dissolution starts a segment)."""
    where, params = RECORDED, [known_at, known_at]
    if slugs is not None:
        if not slugs:
            return []
        where += f" AND slug IN ({','.join('?' * len(slugs))})"
        params.extend(slugs)
    rows = db.query(f"SELECT * FROM {TABLE} WHERE {where}", params)
    found = [
        Segment(
            date.fromisoformat(r["valid_from"]),
            date.fromisoformat(r["valid_to"]) if r["valid_to"] else None,
            _state(r),
        )
        for r in rows
    ]
    return sorted(found, key=lambda s: (s.state.slug, s.valid_from))


def body_timeline(
    db: Connection, slug: str, known_at: str
) -> list[tuple[date, date | None, BodyState]]:
    """One body's states over effective time as recorded by ``known_at``: each with the
    day it starts and the day it ends (None: still), oldest first."""
    rows = db.query(
        f"SELECT * FROM {TABLE} WHERE slug = ? AND {RECORDED} ORDER BY valid_from",
        [slug, known_at, known_at],
    )
    return [
        (
            date.fromisoformat(r["valid_from"]),
            date.fromisoformat(r["valid_to"]) if r["valid_to"] else None,
            _state(r),
        )
        for r in rows
    ]
