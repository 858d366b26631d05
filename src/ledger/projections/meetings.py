"""Meetings as recorded at any moment: status, agenda, attendance and interests.

Everything about a meeting takes effect on its date, so this read model keeps one row
per meeting per belief: a new row whenever what is recorded about the meeting changes
(attendance corrected when the minutes were approved, say), the old one closed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from msgspec.structs import asdict

from ledger.domain.meeting_state import Attendance, Interest, Item, MeetingState
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

TABLE = "proj_meetings"


def _values(state: MeetingState) -> dict[str, Any]:
    detail = {
        "items": [asdict(i) for i in state.items],
        "attendance": [asdict(a) for a in state.attendance],
        "interests": [asdict(i) for i in state.interests],
    }
    return {
        "body": state.body,
        "title": state.title,
        "public": int(state.public),
        "status": state.status,
        "minutes_approved_at": state.minutes_approved_at,
        "reason": state.reason,
        "detail": canonical_bytes(detail).decode(),
    }


class MeetingsProjection:
    name = "meetings"
    version = 1
    recomputes = True  # rebuilds its rows for an aggregate from all of its events
    families: frozenset[str] | None = frozenset({"meeting"})  # and retractions
    tables: Sequence[str] = (TABLE,)

    def create(self, db: Connection) -> None:
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (meeting TEXT NOT NULL, body TEXT NOT NULL, "
            "title TEXT, public INTEGER NOT NULL, status TEXT NOT NULL, minutes_approved_at TEXT, "
            f"reason TEXT, detail TEXT NOT NULL, {bitemporal_columns()})"
        )
        db.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_id_idx ON {TABLE} (meeting, recorded_to)")
        db.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_body_idx ON {TABLE} (body, valid_from)")
        key_index(db, TABLE, ["meeting"])

    def process(self, db: Connection, item: Delivered, events_of: EventsOf) -> None:
        from ledger.domain.history import (
            in_force,  # the write side's: imported when events are applied (ADR 0023)
        )
        from ledger.domain.meeting import meeting_id, meeting_state

        event = item.event
        slug = aggregate_slug(event, "meeting", events_of, meeting_id)
        if slug is None:
            return
        state = meeting_state(in_force(events_of(event.originator_id, event.originator_version)))
        segments = [] if state is None else [(state.day.isoformat(), None, _values(state))]
        replace_timeline(db, TABLE, {"meeting": slug}, segments, item.recorded_at)


def _state(row: Any) -> MeetingState:
    detail = json.loads(row["detail"])
    # Positional, in each dataclass's field order (the detail holds every field, as
    # ``asdict`` wrote it): cheaper than keywords, for the 30-odd rows of a meeting.
    items = tuple(
        Item(i["item"], i["title"], i["paper"], i["classification"], i["financial"])
        for i in detail["items"]
    )
    attendance = tuple(
        Attendance(
            a["person"],
            a["name"],
            a["status"],
            a["member"],
            a["substitute_for"],
            a["from_item"],
            a["to_item"],
        )
        for a in detail["attendance"]
    )
    interests = tuple(
        Interest(i["person"], i["item"], i["interest"], i["withdrew"]) for i in detail["interests"]
    )
    return MeetingState(
        row["meeting"],
        row["body"],
        date.fromisoformat(row["valid_from"]),
        row["title"],
        bool(row["public"]),
        row["status"],
        items,
        attendance,
        interests,
        row["minutes_approved_at"],
        row["reason"],
    )


RECORDED = "recorded_from <= ? AND (recorded_to IS NULL OR recorded_to > ?)"


def meeting_as_known(db: Connection, meeting: str, known_at: str) -> MeetingState | None:
    rows = db.query(
        f"SELECT * FROM {TABLE} WHERE meeting = ? AND {RECORDED}", [meeting, known_at, known_at]
    )
    return _state(rows[0]) if rows else None


def meetings_of(
    db: Connection, body: str, first: date | None, last: date | None, known_at: str
) -> list[MeetingState]:
    where, params = [f"body = ? AND {RECORDED}"], [body, known_at, known_at]
    if first:
        where.append("valid_from >= ?")
        params.append(first.isoformat())
    if last:
        where.append("valid_from <= ?")
        params.append(last.isoformat())
    rows = db.query(
        f"SELECT * FROM {TABLE} WHERE {' AND '.join(where)} ORDER BY valid_from, meeting", params
    )
    return [_state(r) for r in rows]
