"""Reading one aggregate's stored events, in version order, with a per-process cache.

Stored events never change, so a history read once is good up to its version: only a
newer version in the store makes this process read the aggregate again.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application

from ledger.domain.events import LedgerEvent
from ledger.domain.history import project_history
from ledger.infra.db import Connection
from ledger.infra.errors import storage_errors


class Histories:
    """Every stored event of an aggregate (corrected and retracted ones too)."""

    def __init__(self, store: Application[UUID], db: Connection):
        self.store = store
        self.db = db
        self._cache: dict[UUID, list[LedgerEvent]] = {}

    def events(self, aggregate_id: UUID) -> list[LedgerEvent]:
        latest = self.db.scalar(
            f"SELECT MAX(originator_version) FROM {self.db.dialect.events} WHERE originator_id = ?",
            [aggregate_id.hex if self.db.dialect.name == "sqlite" else aggregate_id],
        )
        cached = self._cache.get(aggregate_id)
        if cached is not None and cached[-1].originator_version == latest:
            return list(cached)
        try:
            with storage_errors("cannot read the log"):
                history = self.store.repository.get(aggregate_id, projector_func=project_history)
        except AggregateNotFoundError:
            return []
        self._cache[aggregate_id] = list(history.events)
        return list(history.events)
