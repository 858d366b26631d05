"""The event index: one row per stored event, for ``ledger log``, replay and lookups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger.infra.db import Connection
from ledger.projections.base import Delivered, EventsOf

TABLE = "proj_events"


class EventIndex:
    name = "events"
    # 2: the decision an event cites as its authority; 3: on SQLite the position is the
    # table's rowid, and the decision index holds only the events that cite one
    version = 3
    recomputes = False  # one row per event: every event counts
    families: frozenset[str] | None = None  # every event
    tables: Sequence[str] = (TABLE,)

    def create(self, db: Connection) -> None:
        # On SQLite an INTEGER PRIMARY KEY is the rowid itself: one B-tree fewer to
        # write for every event than a key index beside the table.
        key = "INTEGER" if db.dialect.name == "sqlite" else "BIGINT"
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} ("
            f"position {key} PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, "
            "aggregate_id TEXT NOT NULL, version INTEGER NOT NULL, topic TEXT NOT NULL, "
            "body TEXT, effective TEXT NOT NULL, recorded_at TEXT NOT NULL, "
            "actor TEXT NOT NULL, corrects TEXT, summary TEXT NOT NULL, authority TEXT, "
            "decision TEXT)"
        )
        db.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_body_idx ON {TABLE} (body, position)")
        db.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_eff_idx ON {TABLE} (effective)")
        # Few events cite a decision: only they are indexed (``decision = ?`` implies
        # the index's condition, on both databases).
        db.execute(
            f"CREATE INDEX IF NOT EXISTS {TABLE}_decision_idx ON {TABLE} (decision) "
            "WHERE decision IS NOT NULL"
        )

    def process(self, db: Connection, item: Delivered, events_of: EventsOf) -> None:
        db.execute(INSERT, _row(item))

    def process_many(self, db: Connection, items: Sequence[Delivered]) -> None:
        """Index a batch's events in one statement (nothing else reads them mid-batch)."""
        db.insert_rows(TABLE, COLUMNS, [_row(item) for item in items])


INSERT = f"INSERT INTO {TABLE} VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
COLUMNS = (
    "position",
    "event_id",
    "aggregate_id",
    "version",
    "topic",
    "body",
    "effective",
    "recorded_at",
    "actor",
    "corrects",
    "summary",
    "authority",
    "decision",
)


def _row(item: Delivered) -> list[Any]:
    e = item.event
    return [
        item.position,
        str(e.event_id),
        str(e.originator_id),
        e.originator_version,
        item.topic or e.TOPIC,  # as stored, even if read as a later version
        e.body,
        e.effective.isoformat(),
        item.recorded_at,
        e.actor,
        str(e.corrects) if e.corrects else None,
        e.describe(),
        e.authority.describe() if e.authority else None,
        e.authority.decision if e.authority else None,
    ]
