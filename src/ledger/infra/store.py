"""The eventsourcing application underneath a ledger, opened as its user may.

Persistence is pinned by the ledger's own database URL: a developer's shell variables
never redirect a ledger (or a test) to another database.  Only a user who may create
tables (the owner) creates anything; a writer or reader finds them, or is told why not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import Recording
from eventsourcing.utils import Environment

from ledger.domain.errors import StorageError
from ledger.domain.events import LedgerEvent
from ledger.infra.db import Connection
from ledger.infra.errors import mask, storage_errors
from ledger.infra.mapper import CanonicalJSONTranscoder, PydanticMapper
from ledger.infra.meta import META
from ledger.infra.urls import DatabaseConfig


class EventStore(Application[UUID]):
    """The event store, repository and recorder, with our mapper and chained recorders."""

    name = "Ledger"
    env: ClassVar[dict[str, str]] = {}

    def construct_env(self, name: str, env: Any = None) -> Environment:
        return Environment(name, dict(env or {}))

    def construct_mapper(self) -> PydanticMapper:
        return PydanticMapper(transcoder=CanonicalJSONTranscoder())

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's save, for the ledger's own events: collected as they are,
        without asking each (through a runtime Protocol check, the slowest part of a
        large save) whether it is an event or an aggregate."""
        if not all(isinstance(obj, LedgerEvent) for obj in objs):
            return super().save(*objs, **kwargs)
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        processing_event.events.extend(objs)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # deprecated, as the library calls it
        return recordings

    def append(self, events: Sequence[LedgerEvent]) -> list[int]:
        """Store the ledger's own new events (mapped, inserted and chained by the
        recorder), without the library's records of what was saved, which nothing
        here reads: the notification ids, or none when the recorder chained them after
        the head the write read under its lock (``Connection.head`` then says where
        they are; on PostgreSQL it does not wait for the ids)."""
        mapper = self.mapper
        stored = [mapper.to_stored_event(event) for event in events]
        return list(self.recorder.insert_events(stored) or [])


def open_store(config: DatabaseConfig, db: Connection) -> EventStore:
    """The store for ``config``, creating its tables only if ``db``'s user may."""
    where = f"cannot open {config.describe()}"
    with storage_errors(where, config.password):
        try:
            store = EventStore(env=config.eventsourcing_env(create_tables=db.access.create))
        except OSError as exc:
            raise StorageError(mask(f"{where}: {exc}", config.password)) from None
    if db.access.create:
        db.execute(f"CREATE TABLE IF NOT EXISTS {META} (key TEXT PRIMARY KEY, value TEXT)")
    elif not db.table_exists(db.dialect.events):
        store.close()
        raise StorageError(
            f"there is no ledger in {config.describe()}: its tables have not been created "
            "(its owner creates them with `ledger init`)"
        )
    assert getattr(store.recorder, "events_table_name", None) == db.dialect.events
    return store
