"""Organisations over both time axes: which stood on a date, as known at a moment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from ledger.domain.organisation_state import OrganisationState
from ledger.domain.segments import Segment
from ledger.infra.db import Connection
from ledger.projections.base import (
    Delivered,
    EventsOf,
    as_of_clause,
    bitemporal_columns,
    open_index,
    replace_timeline,
)

TABLE = "proj_organisations"
RECORDED = "recorded_from <= ? AND (recorded_to IS NULL OR recorded_to > ?)"


class OrganisationsProjection:
    name = "organisations"
    version = 3  # 2: the org-id.guide identifier; 3: one index (open_idx) for the three
    recomputes = True  # rebuilds its rows for an aggregate from all of its events
    families: frozenset[str] | None = frozenset({"organisation"})  # and retractions
    tables: Sequence[str] = (TABLE,)

    def create(self, db: Connection) -> None:
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} ("
            "slug TEXT NOT NULL, name TEXT NOT NULL, short_name TEXT, sector TEXT NOT NULL, "
            "registered TEXT NOT NULL, closed TEXT, successor TEXT, identifier TEXT, "
            f"{bitemporal_columns()})"
        )
        open_index(db, TABLE, ["slug"])

    def process(self, db: Connection, item: Delivered, events_of: EventsOf) -> None:
        from ledger.domain.events import (
            EventRetracted,  # the write side's: imported when events are applied (ADR 0023)
        )
        from ledger.domain.history import in_force
        from ledger.domain.organisation import OrganisationEvent, organisation_id, timeline

        event = item.event
        if isinstance(event, OrganisationEvent):
            slug = event.organisation
            events = events_of(event.originator_id, event.originator_version)
        elif isinstance(event, EventRetracted) and event.body is None:
            # A retraction carries no organisation field: the aggregate's first event says.
            events = events_of(event.originator_id, event.originator_version)
            first = events[0] if events else None
            if not isinstance(first, OrganisationEvent):
                return
            slug = first.organisation
        else:
            return
        if event.originator_id != organisation_id(slug):
            return
        segments = [
            (
                seg.valid_from.isoformat(),
                seg.valid_to.isoformat() if seg.valid_to else None,
                {
                    "name": seg.state.name,
                    "short_name": seg.state.short_name,
                    "sector": seg.state.sector,
                    "registered": seg.state.registered.isoformat(),
                    "closed": seg.state.closed.isoformat() if seg.state.closed else None,
                    "successor": seg.state.successor,
                    "identifier": seg.state.identifier,
                },
            )
            for seg in timeline(in_force(events))
        ]
        replace_timeline(db, TABLE, {"slug": slug}, segments, item.recorded_at)


def organisations_on(
    db: Connection, day: date, known_at: str, slugs: Sequence[str] | None = None
) -> list[OrganisationState]:
    """Every organisation's (or only these ``slugs``') state on ``day`` as recorded by
    ``known_at`` (UTC text), by slug.

    Sorted here rather than by the database, whose collation may order hyphens otherwise.
    """
    params: list[str] = [day.isoformat(), day.isoformat(), known_at, known_at]
    where = as_of_clause()
    if slugs is not None:
        if not slugs:
            return []
        where += f" AND slug IN ({','.join('?' * len(slugs))})"
        params.extend(slugs)
    rows = db.query(f"SELECT * FROM {TABLE} WHERE {where}", params)
    return sorted((_state(r) for r in rows), key=lambda o: o.slug)


def organisation_segments(
    db: Connection, known_at: str, slugs: Sequence[str] | None = None
) -> list[Segment[OrganisationState]]:
    """Every organisation's states over effective time as recorded by ``known_at``: by
    slug, then date (a rename or a closure starts a segment)."""
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


def _state(r: Any) -> OrganisationState:
    return OrganisationState(
        slug=r["slug"],
        name=r["name"],
        short_name=r["short_name"],
        sector=r["sector"],
        registered=date.fromisoformat(r["registered"]),
        closed=date.fromisoformat(r["closed"]) if r["closed"] else None,
        successor=r["successor"],
        identifier=r["identifier"],
    )
