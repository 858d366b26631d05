"""Reading one aggregate's stored events, in version order, with a per-process cache.

Stored events never change, so a history read once is good up to its version: a newer
version in the store makes this process read only the events after the ones it holds.
The cache keeps each aggregate's ``History`` (with what it has folded of it, see
``domain/history.py``), so a write to an aggregate with a long history neither re-reads
nor re-decodes nor re-folds it.  It holds at most ``limit`` events, the aggregates used
least recently going first; only committed events enter it (it is read through
``db``, by the ledger's own connection, before or after a write, or given a write's
events once they are committed).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.infra.db import Connection
from ledger.infra.errors import storage_errors

# The events, their folds and the mapper are imported when a history is first read:
# a ledger opened for a read of the read models never needs them (ADR 0023).
if TYPE_CHECKING:
    from ledger.domain.events import LedgerEvent
    from ledger.domain.history import History

LIMIT = 20_000  # events held in decoded form, across aggregates


class Histories:
    """Every stored event of an aggregate (corrected and retracted ones too)."""

    def __init__(self, db: Connection, limit: int = LIMIT):
        self.db = db
        self.limit = limit
        self._cache: OrderedDict[UUID, History] = OrderedDict()
        self._held = 0

    def clear(self) -> None:
        self._cache.clear()
        self._held = 0

    def _key(self, aggregate_id: UUID) -> object:
        return aggregate_id.hex if self.db.dialect.name == "sqlite" else aggregate_id

    def latest(self, aggregate_id: UUID) -> int:
        """The aggregate's newest stored version (0 if it has none)."""
        found = self.db.scalar(
            f"SELECT MAX(originator_version) FROM {self.db.dialect.events} WHERE originator_id = ?",
            [self._key(aggregate_id)],
        )
        return int(found or 0)

    def history(self, aggregate_id: UUID, version: int | None = None) -> History:
        """The stored history up to at least ``version`` (the newest stored if None).

        The History returned is the cache's own: fork it before appending to it."""
        from ledger.domain.history import History
        from ledger.infra.mapper import decode_event

        if version is None:
            version = self.latest(aggregate_id)
        cached = self._cache.get(aggregate_id)
        if cached is None:
            cached = History(aggregate_id)
        if cached.version < version:
            with storage_errors("cannot read the log"):
                rows = self.db.query(
                    f"SELECT topic, state FROM {self.db.dialect.events} "
                    "WHERE originator_id = ? AND originator_version > ? "
                    "ORDER BY originator_version",
                    [self._key(aggregate_id), cached.version],
                )
                cached.events.extend(decode_event(r["topic"], bytes(r["state"])) for r in rows)
            self._held += len(rows)
        if cached.events:
            self._cache[aggregate_id] = cached
            self._cache.move_to_end(aggregate_id)
            self._evict()
        return cached

    def _evict(self) -> None:
        while self._held > self.limit and len(self._cache) > 1:
            _, dropped = self._cache.popitem(last=False)
            self._held -= len(dropped.events)

    def adopt(self, histories: Iterable[History]) -> None:
        """Hold a write's histories once it has committed (the stored events and the
        write's own, with what the write folded of them), so neither the read models
        catching up after it nor the next write read, decode or fold them again."""
        for history in histories:
            if not history.events:
                continue
            history.settle()
            old = self._cache.pop(history.id, None)
            self._held += len(history.events) - (len(old.events) if old else 0)
            self._cache[history.id] = history
        self._evict()

    def events(self, aggregate_id: UUID) -> list[LedgerEvent]:
        return list(self.history(aggregate_id).events)

    def events_between(self, aggregate_id: UUID, after: int, version: int) -> list[LedgerEvent]:
        """The stored events after version ``after``, up to and including ``version``.

        When this process does not hold the aggregate as far as ``after``, only those
        are read (and not kept: the cache holds whole histories)."""
        from ledger.infra.mapper import decode_event

        cached = self._cache.get(aggregate_id)
        if after and (cached is None or cached.version < after):
            with storage_errors("cannot read the log"):
                rows = self.db.query(
                    f"SELECT topic, state FROM {self.db.dialect.events} "
                    "WHERE originator_id = ? AND originator_version > ? "
                    "AND originator_version <= ? ORDER BY originator_version",
                    [self._key(aggregate_id), after, version],
                )
            return [decode_event(r["topic"], bytes(r["state"])) for r in rows]
        events = self.history(aggregate_id, version).events
        if not after and events and events[-1].originator_version == version:
            return list(events)
        return [e for e in events[after:] if after < e.originator_version <= version]
