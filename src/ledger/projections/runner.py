"""Keeps projections up to date from the log, in order, resumably, on both databases.

The library's ProjectionRunner needs PostgreSQL's LISTEN/NOTIFY; this pull loop works
the same on SQLite and PostgreSQL.  It reads the log by audit-chain position (which
follows commit order and has no gaps), applies each event to every projection that
has not yet seen it, and records the position reached in the same transaction as the
projection's writes, so a crash never loses or repeats an event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ledger.infra.chain import CHAIN_TABLE
from ledger.infra.db import Connection
from ledger.infra.mapper import decode_event
from ledger.projections.base import Delivered, Projection

TRACKING = "ledger_projections"
BATCH = 10_000


class ProjectionRunner:
    """Pulls new events from the log into the projections."""

    def __init__(self, db: Connection, projections: Sequence[Projection]):
        self.db = db
        self.projections = list(projections)
        self._ready = False
        self._cache: dict[Any, list[Any]] = {}

    def setup(self) -> None:
        """Create tracking and projection tables; rebuild any whose version changed."""
        self.db.execute(
            f"CREATE TABLE IF NOT EXISTS {TRACKING} ("
            "name TEXT PRIMARY KEY, version INTEGER NOT NULL, position BIGINT NOT NULL)"
        )
        known = {r["name"]: r["version"] for r in self.db.query(f"SELECT * FROM {TRACKING}")}
        for projection in self.projections:
            if known.get(projection.name) not in (None, projection.version):
                self._drop(projection)
            projection.create(self.db)
            if known.get(projection.name) != projection.version:
                self.db.execute(
                    f"INSERT INTO {TRACKING} (name, version, position) VALUES (?, ?, 0)",
                    [projection.name, projection.version],
                )
        self._ready = True

    def _drop(self, projection: Projection) -> None:
        for table in projection.tables:
            self.db.execute(f"DROP TABLE IF EXISTS {table}")
        self.db.execute(f"DELETE FROM {TRACKING} WHERE name = ?", [projection.name])

    def positions(self) -> dict[str, int]:
        rows = self.db.query(f"SELECT name, position FROM {TRACKING}")
        return {r["name"]: int(r["position"]) for r in rows}

    def behind(self) -> int:
        """How many events the slowest projection has still to apply."""
        if not self._ready:
            self.setup()
        head = self.db.scalar(f"SELECT MAX(position) FROM {CHAIN_TABLE}") or 0
        done = min(self.positions().values(), default=0)
        return int(head) - done

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Apply every event not yet applied; returns how many were read.

        Each batch is one transaction that first takes the projections' lock and reads
        the positions reached, so two processes catching up at once never apply an
        event twice: the second waits, then finds the work done.
        """
        if not self._ready:
            self.setup()
        if self.behind() <= 0:
            return 0  # the common case for a read: no lock, two indexed lookups
        read = 0
        nid = self.db.dialect.notification_id
        while True:
            with self.db.transaction():
                self._lock()
                done = self.positions()
                start = min((done.get(p.name, 0) for p in self.projections), default=0)
                rows = self.db.query(
                    "SELECT c.position, c.recorded_at, e.topic, e.state "
                    f"FROM {CHAIN_TABLE} c JOIN {self.db.dialect.events} e "
                    f"ON e.{nid} = c.notification_id "
                    "WHERE c.position > ? ORDER BY c.position LIMIT ?",
                    [start, BATCH],
                )
                if not rows:
                    return read
                items = [
                    Delivered(
                        int(row["position"]),
                        row["recorded_at"],
                        decode_event(row["topic"], bytes(row["state"])),
                        row["topic"],
                    )
                    for row in rows
                ]
                # An aggregate changed again at the same recorded time (one import) leaves
                # its intermediate states believed for no time at all: projections that
                # recompute the whole aggregate need only its last event of that moment.
                last_of_moment = {(i.event.originator_id, i.recorded_at): i.position for i in items}
                self._cache.clear()
                for item in items:
                    superseded = (
                        last_of_moment[(item.event.originator_id, item.recorded_at)]
                        != item.position
                    )
                    for projection in self.projections:
                        if done[projection.name] >= item.position:
                            continue
                        if superseded and projection.recomputes:
                            continue
                        projection.process(self.db, item, self.events_of)
                last = int(rows[-1]["position"])
                for projection in self.projections:
                    if done[projection.name] < last:
                        self.db.execute(
                            f"UPDATE {TRACKING} SET position = ? WHERE name = ?",
                            [last, projection.name],
                        )
            read += len(rows)
            if progress:
                progress(len(rows))

    def _lock(self) -> None:
        # SQLite: BEGIN IMMEDIATE already holds the only write lock.  PostgreSQL: lock
        # the tracking rows, so concurrent catch-ups take turns.
        if self.db.dialect.name == "postgresql":
            self.db.execute(f"SELECT name FROM {TRACKING} ORDER BY name FOR UPDATE")

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Drop every projection and rebuild it from the log alone."""
        self.setup()
        for projection in self.projections:
            self._drop(projection)
        self.setup()
        return self.catch_up(progress)

    def events_of(self, aggregate_id: Any, up_to_version: int) -> list[Any]:
        """An aggregate's stored events up to a version (for projections that recompute).

        Read once per batch and sliced: events are immutable, so the cache is exact."""
        cached = self._cache.get(aggregate_id)
        if cached is None or cached[-1].originator_version < up_to_version:
            key = aggregate_id.hex if self.db.dialect.name == "sqlite" else aggregate_id
            rows = self.db.query(
                f"SELECT topic, state FROM {self.db.dialect.events} WHERE originator_id = ? "
                "ORDER BY originator_version",
                [key],
            )
            cached = [decode_event(r["topic"], bytes(r["state"])) for r in rows]
            self._cache[aggregate_id] = cached
        return [e for e in cached if e.originator_version <= up_to_version]
