"""Bodies over both time axes: which bodies existed on a date, as known at a moment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from ledger.domain.body_state import BodyState
from ledger.domain.segments import Segment
from ledger.infra.db import Connection
from ledger.projections.base import (
    Delivered,
    EventsOf,
    OpenRows,
    as_of_clause,
    bitemporal_columns,
    open_index,
)

if TYPE_CHECKING:
    from ledger.domain.events import LedgerEvent

TABLE = "proj_bodies"
RECORDED = "recorded_from <= ? AND (recorded_to IS NULL OR recorded_to > ?)"


class BodiesProjection:
    name = "bodies"
    version = 2  # 2: one index (open_idx) for the three
    recomputes = True  # rebuilds its rows for an aggregate from all of its events
    families: frozenset[str] | None = frozenset({"body"})  # and retractions
    tables: Sequence[str] = (TABLE,)

    def create(self, db: Connection) -> None:
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} ("
            "slug TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, parent TEXT, "
            f"established TEXT NOT NULL, dissolved TEXT, {bitemporal_columns()})"
        )
        open_index(db, TABLE, ["slug"])

    def process(self, db: Connection, item: Delivered, events_of: EventsOf) -> None:
        self.process_batch(db, [item], events_of)

    def process_batch(
        self, db: Connection, items: Sequence[Delivered], events_of: EventsOf
    ) -> None:
        """Apply a catch-up batch's recorded moments, in order: the bodies' open rows
        read at once (every open row of a body seen afresh, the last one of a body
        carried on), changed in memory, and written in one UPDATE and one INSERT."""
        # The write side's: imported when events are applied (ADR 0023).
        from ledger.domain.body import body_id, timeline
        from ledger.domain.history import in_force

        mine = [i for i in items if i.event.body and i.event.originator_id == body_id(i.event.body)]
        if not mine:
            return
        rows = OpenRows(db, TABLE, "slug", VALUES)
        first: dict[str, Delivered] = {}
        for item in mine:
            first.setdefault(str(item.event.body), item)
        rows.preload(
            [slug for slug, i in first.items() if not i.since],
            [slug for slug, i in first.items() if i.since],
            # A body whose first event is in the batch has no row before it.
            [slug for slug, i in first.items() if i.event.originator_version == 1],
        )
        for item in mine:
            event, slug = item.event, str(item.event.body)
            if item.since:
                new = events_of(event.originator_id, event.originator_version, item.since)
                if self._carry_on(rows, item, slug, new):
                    continue
            events = events_of(event.originator_id, event.originator_version)
            segments = [
                (
                    seg.valid_from.isoformat(),
                    seg.valid_to.isoformat() if seg.valid_to else None,
                    _values(seg.state),
                )
                for seg in timeline(in_force(events))
            ]
            rows.replace(slug, segments, item.recorded_at)
        rows.flush()

    def _carry_on(
        self, rows: OpenRows, item: Delivered, slug: str, new: Sequence[LedgerEvent]
    ) -> bool:
        """Apply the moment's new events to the body's last open row, when they follow on
        from it (no correction, none taking effect before it starts): the same rows as
        working from every event, without re-reading them.  False: work from all."""
        from ledger.domain.body import step
        from ledger.domain.errors import RuleViolation
        from ledger.domain.events import EventRetracted

        if not new or any(e.corrects is not None or isinstance(e, EventRetracted) for e in new):
            return False
        tail = rows.tail(slug)
        if tail is None:
            return False
        held = _state({"slug": slug, **tail.values})
        changes = [(date.fromisoformat(tail.valid_from), held)]
        for e in new:
            if e.effective < changes[-1][0]:
                return False
            try:
                state = step(changes[-1][1], e)
            except RuleViolation:
                return False  # refused there too, as from all events
            if changes[-1][0] == e.effective:
                changes[-1] = (e.effective, state)
            else:
                changes.append((e.effective, state))
        if len(changes) == 1 and changes[0][1] == held:
            return True  # nothing the rows say has changed
        segments = [
            (
                start.isoformat(),
                changes[i + 1][0].isoformat() if i + 1 < len(changes) else None,
                _values(state),
            )
            for i, (start, state) in enumerate(changes)
        ]
        rows.carry(slug, tail, segments, item.recorded_at)
        return True


VALUES = ("name", "kind", "parent", "established", "dissolved")


def _values(state: BodyState) -> dict[str, Any]:
    return {
        "name": state.name,
        "kind": state.kind,
        "parent": state.parent,
        "established": state.established.isoformat(),
        "dissolved": state.dissolved.isoformat() if state.dissolved else None,
    }


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
