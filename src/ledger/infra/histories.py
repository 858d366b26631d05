"""Reading one aggregate's stored events, in version order, with a per-process cache.

Stored events never change, so a history read once is good up to its version: a newer
version in the store makes this process read only the events after the ones it holds.
The cache keeps each aggregate's ``History`` (with what it has folded of it, see
``domain/history.py``), so a write to an aggregate with a long history neither re-reads
nor re-decodes nor re-folds it.  It holds at most ``limit`` events, the aggregates used
least recently going first; only committed events enter it (it is read through
``db``, by the ledger's own connection, before or after a write, or given a write's
events once they are committed).

A history pushed out of the events it may hold is compacted rather than dropped
(``History.compact``): it keeps its version and its folds, a few hundred bytes, so a
write that only appends to it in effective order (a body renamed) carries its folded
state on without reading its events again.  At most ``SUMMARIES`` compacted
histories are kept, the least recently used going first.

Under the write lock the cache checks itself against the chain's head, read once by the
read models' check (``observe``): when the head is the one it last saw (the last write
was this process's own), every history it holds is complete and none is looked up
again; when another process wrote since, the aggregates it wrote are dropped (one
query), and if the chain is not the one it knew, everything is.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.infra.chain import CHAIN_TABLE, GENESIS
from ledger.infra.db import Connection
from ledger.infra.errors import storage_errors

# The events, their folds and the mapper are imported when a history is first read:
# a ledger opened for a read of the read models never needs them (ADR 0023).
if TYPE_CHECKING:
    from ledger.domain.events import LedgerEvent
    from ledger.domain.history import History, Loader

LIMIT = 20_000  # events held in decoded form, across aggregates
SUMMARIES = 50_000  # compacted histories (version and folds, no events) kept
RESYNC = 10_000  # links written by others past which the cache starts again, empty


class Histories:
    """Every stored event of an aggregate (corrected and retracted ones too)."""

    def __init__(self, db: Connection, limit: int = LIMIT, summaries: int = SUMMARIES):
        self.db = db
        self.limit = limit
        self.summaries = summaries
        self._cache: OrderedDict[UUID, History] = OrderedDict()
        self._compacted: OrderedDict[UUID, History] = OrderedDict()
        self._held = 0
        # Aggregates found to have no stored event, as of the head below: a write's
        # first event of an aggregate (a body established) need not ask the store.
        self._absent: set[UUID] = set()
        # The chain head (position, hash) as of which every history held is complete.
        self._synced: tuple[int, str] | None = None

    def clear(self) -> None:
        self._cache.clear()
        self._compacted.clear()
        self._held = 0
        self._absent.clear()
        self._synced = None

    def observe(self, position: int, head_hash: str) -> None:
        """The chain's head, as read under the write lock: make every history held
        complete as of it."""
        head = (position, head_hash)
        if self._synced == head:
            return
        synced, self._synced = self._synced, None
        if synced is not None and synced[0] < position <= synced[0] + RESYNC:
            nid = self.db.dialect.notification_id
            rows = self.db.query(
                f"SELECT c.position, c.hash, e.originator_id FROM {CHAIN_TABLE} c "
                f"JOIN {self.db.dialect.events} e ON e.{nid} = c.notification_id "
                "WHERE c.position >= ? ORDER BY c.position",
                [max(synced[0], 1)],
            )
            same = bool(rows) and (
                rows[0]["hash"] == synced[1] if synced[0] else synced[1] == GENESIS
            )
            if same:
                for r in rows if not synced[0] else rows[1:]:
                    self._take(_uuid(r["originator_id"]))
                self._synced = head
                return
        self.clear()
        self._synced = head

    def _complete(self) -> bool:
        """True while the write lock is held and the cache is complete as of the head."""
        head = self.db.head if self.db.writing else None
        return head is not None and self._synced == head[:2]

    def held(self, aggregate_id: Any, version: int) -> LedgerEvent | None:
        """The event at ``version`` of an aggregate, if held (``aggregate_id`` as stored)."""
        history = self._cache.get(_uuid(aggregate_id))
        found = None if history is None else history.after(version - 1)
        if not found:
            return None
        event = found[0]
        return event if event.originator_version == version else None

    def _take(self, aggregate_id: UUID) -> History | None:
        """The history held for the aggregate, out of the cache (None if not held)."""
        self._absent.discard(aggregate_id)
        found = self._cache.pop(aggregate_id, None)
        if found is not None:
            self._held -= found.held
            return found
        return self._compacted.pop(aggregate_id, None)

    def _put(self, history: History) -> None:
        self._cache[history.id] = history
        self._held += history.held

    def _read(
        self, aggregate_id: UUID, after: int = 0, upto: int | None = None
    ) -> list[LedgerEvent]:
        """The aggregate's stored events after version ``after`` (up to ``upto``), decoded."""
        from ledger.infra.mapper import decode_event

        bound, params = "", [self._key(aggregate_id), after]
        if upto is not None:
            bound, params = " AND originator_version <= ?", [*params, upto]
        with storage_errors("cannot read the log"):
            rows = self.db.query(
                f"SELECT topic, state FROM {self.db.dialect.events} "
                f"WHERE originator_id = ? AND originator_version > ?{bound} "
                "ORDER BY originator_version",
                params,
            )
        return [decode_event(r["topic"], bytes(r["state"])) for r in rows]

    def _load(self, aggregate_id: UUID, version: int) -> list[LedgerEvent]:
        """An aggregate's stored events up to ``version`` (a compacted history's)."""
        return self._read(aggregate_id, 0, version)

    def _key(self, aggregate_id: UUID) -> object:
        return self.db.dialect.originator(aggregate_id)

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
        complete = version is None and self._complete()
        if complete and aggregate_id in self._absent:
            return _history(aggregate_id, self._load)  # nothing stored, as of the head
        cached = self._take(aggregate_id)
        if version is None:
            if complete:
                if cached is not None:
                    self._put(cached)
                    return cached
                version = -1  # not held: read whatever the store holds of it
            else:
                version = self.latest(aggregate_id)
        if cached is None:
            cached = _history(aggregate_id, self._load)
        if cached.version < version or version < 0:
            cached.extend(self._read(aggregate_id, cached.version))
        if complete and not cached.exists and len(self._absent) < self.summaries:
            self._absent.add(aggregate_id)
        if cached.exists:
            self._put(cached)
            if not self.db.writing:
                self._evict()  # a write's own histories stay until it adopts them
        return cached

    def _evict(self) -> None:
        """Compact the least recently used histories down to the limit of events held,
        keeping at most ``summaries`` compacted ones."""
        while self._held > self.limit and len(self._cache) > 1:
            _, history = self._cache.popitem(last=False)
            self._held -= history.held
            if history.compact():
                self._compacted[history.id] = history
        while len(self._compacted) > self.summaries:
            self._compacted.popitem(last=False)

    def adopt(self, histories: Iterable[History]) -> None:
        """Hold a write's histories once it has saved them (the stored events and the
        write's own, with what the write folded of them), so neither the read models
        catching up after it nor the next write read, decode or fold them again.

        What was held before makes room first, then the write's own histories are held
        as far as the limit allows (the newest kept whole, so the read models' catch-up
        finds a small write's events here; a big write's chunk that touched more than
        the limit has its oldest compacted).  Under the write lock, with the cache
        complete at the write's start, it is complete at the head after it."""
        self._evict()
        complete = self._synced is not None and self.db.writing and self.db.head is not None
        for history in histories:
            if not history.exists:
                continue
            history.settle()
            self._take(history.id)
            self._put(history)
        self._evict()
        head = self.db.head
        self._synced = head[:2] if complete and head is not None else None

    def events(self, aggregate_id: UUID) -> list[LedgerEvent]:
        return list(self.history(aggregate_id).events)

    def events_between(self, aggregate_id: UUID, after: int, version: int) -> list[LedgerEvent]:
        """The stored events after version ``after``, up to and including ``version``.

        When this process does not hold the aggregate's events after ``after`` (nor
        the aggregate as far as ``after``), only those are read (and not kept: the
        cache holds whole histories)."""

        cached = self._cache.get(aggregate_id) or self._compacted.get(aggregate_id)
        held = None
        if cached is not None and cached.version >= after:
            held = self.history(aggregate_id, version).after(after)
        if held is None and after:
            return self._read(aggregate_id, after, version)
        if held is None:
            held = self.history(aggregate_id, version).events
        if held and held[-1].originator_version == version:
            return list(held)
        return [e for e in held if after < e.originator_version <= version]


def _uuid(value: Any) -> UUID:
    """An aggregate id as the store gives it (text on SQLite, a UUID on PostgreSQL)."""
    return value if isinstance(value, UUID) else UUID(str(value))


def _history(aggregate_id: UUID, loader: Loader) -> History:
    """A new, empty History (imported here: a write asks for a history of every event,
    and most of them the cache holds)."""
    from ledger.domain.history import History

    return History(aggregate_id, loader=loader)
