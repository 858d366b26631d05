"""Motions and their decisions as recorded at any moment: the read model behind
``ledger decision`` and ``ledger decisions``.

Everything about a motion takes effect on its meeting's date, so this keeps one row per
motion per belief (a new row whenever what is recorded about it changes, the old one
closed), indexed by body and date for the lists.  The row holds the motion's state as
the domain's fold of its in-force events gives it, as plain values (``detail``: what
``domain/motion_state.py`` stores and reads back, with nothing of pydantic's, ADR 0023);
validity is never stored, since it depends on what is known of the meeting, the
membership and the ToR.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from ledger.domain.motion_state import MotionState, as_stored, from_stored
from ledger.infra.canonical import canonical_bytes
from ledger.infra.db import Connection
from ledger.projections.base import (
    Delivered,
    EventsOf,
    aggregate_slug,
    bitemporal_columns,
    key_index,
    replace_timeline,
)

TABLE = "proj_decisions"
RECORDED = "recorded_from <= ? AND (recorded_to IS NULL OR recorded_to > ?)"


class DecisionsProjection:
    name = "decisions"
    version = 2  # 2: the motion's state as plain values (was: its events)
    recomputes = True  # rebuilds a motion's row from all of its events
    families: frozenset[str] | None = frozenset({"motion"})  # and retractions
    tables: Sequence[str] = (TABLE,)

    def create(self, db: Connection) -> None:
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (motion TEXT NOT NULL, body TEXT NOT NULL, "
            "meeting TEXT NOT NULL, item TEXT NOT NULL, outcome TEXT, detail TEXT NOT NULL, "
            f"{bitemporal_columns()})"
        )
        db.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_id_idx ON {TABLE} (motion, recorded_to)")
        db.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_body_idx ON {TABLE} (body, valid_from)")
        key_index(db, TABLE, ["motion"])

    def process(self, db: Connection, item: Delivered, events_of: EventsOf) -> None:
        from ledger.domain.decision import (
            motion_id,  # the write side's: imported when events are applied (ADR 0023)
            motion_state,
        )
        from ledger.domain.history import in_force

        event = item.event
        slug = aggregate_slug(event, "motion", events_of, motion_id)
        if slug is None:
            return
        state = motion_state(in_force(events_of(event.originator_id, event.originator_version)))
        segments = []
        if state is not None:
            values = {
                "body": state.body,
                "meeting": state.meeting,
                "item": state.item,
                "outcome": state.decision.outcome if state.decision else None,
                "detail": canonical_bytes(as_stored(state)).decode(),
            }
            segments.append((state.day.isoformat(), None, values))
        replace_timeline(db, TABLE, {"motion": slug}, segments, item.recorded_at)


def _state(row: Any) -> MotionState:
    return from_stored(
        row["motion"],
        row["meeting"],
        row["body"],
        date.fromisoformat(row["valid_from"]),
        row["item"],
        json.loads(row["detail"]),
    )


def motion_as_known(db: Connection, motion: str, known_at: str) -> MotionState | None:
    """The motion ``motion`` as recorded by ``known_at`` (None if not yet recorded)."""
    rows = db.query(
        f"SELECT * FROM {TABLE} WHERE motion = ? AND {RECORDED}", [motion, known_at, known_at]
    )
    return _state(rows[0]) if rows else None


def motions_of(
    db: Connection, body: str | None, first: date | None, last: date | None, known_at: str
) -> list[MotionState]:
    """Every motion (of ``body``, or of all) at meetings between two dates, by date."""
    where, params = [RECORDED], [known_at, known_at]
    if body is not None:
        where.append("body = ?")
        params.append(body)
    if first:
        where.append("valid_from >= ?")
        params.append(first.isoformat())
    if last:
        where.append("valid_from <= ?")
        params.append(last.isoformat())
    rows = db.query(
        f"SELECT * FROM {TABLE} WHERE {' AND '.join(where)} ORDER BY valid_from, meeting, motion",
        params,
    )
    return [_state(r) for r in rows]
