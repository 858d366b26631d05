"""One attempt at recording a batch of commands: all of its events, or none.

A big write (an import) is checked and saved a chunk of entries at a time inside its
one transaction: after each chunk is saved, ``settle()`` lets go of what the chunk
held (its events now read back from the store, through the process's cache), while
the checks left for the end of the write, its warnings and its counts go on."""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, runtime_checkable
from uuid import UUID, uuid4

from eventsourcing.application import Application

from ledger.domain.commands import E, Entry
from ledger.domain.errors import (
    EntryViolation,
    LedgerError,
    NotFound,
    StorageError,
    ValidationError,
)
from ledger.domain.events import LedgerEvent
from ledger.domain.guards import check_references
from ledger.domain.history import History
from ledger.domain.ids import ledger_uuid
from ledger.domain.types import CHECKED
from ledger.infra.chain import CHAIN_TABLE, utc_text
from ledger.infra.db import Connection
from ledger.infra.histories import Histories
from ledger.infra.mapper import decode_event

POSITION = re.compile(r"^#?(\d+)$")


class UnitOfWork:
    """Implements the domain's Context over the event store, collecting new events."""

    def __init__(
        self,
        stored: Histories,
        db: Connection,
        timestamp: Any,
        actor: str,
        *,
        catch_up: Callable[[], object] | None = None,
    ):
        self.stored = stored
        # Brings the read models up to what this write has saved so far (a chunked
        # write lets them follow a batch at a time; the event index may lag).
        self.catch_up = catch_up
        self.db = db
        self.timestamp = timestamp
        self.actor = actor
        self.histories: dict[UUID, History] = {}
        self.pending: list[LedgerEvent] = []
        self.entry_key: str | None = None
        self.entry_digest: str | None = None
        self.entry_label = ""
        self.warnings: list[str] = []
        # key -> (check, label of the last entry that asked for it)
        self._at_end: dict[str, tuple[Callable[[], None], str]] = {}
        self._entry_count = 0
        self._by_key: dict[str, LedgerEvent] = {}
        # event id -> the entry that recorded it, for the events of the aggregates an
        # end check may blame an entry of (a fund's books: EntryViolation)
        self._labels: dict[UUID, str] = {}
        self._blamable: set[UUID] = set()

    def begin_entry(self, key: str | None, digest: str | None = None, label: str = "") -> None:
        """Start the events of one command; ``key`` is its import key, if any,
        ``digest`` the hash of its content when the key is the entry's own id, and
        ``label`` what names it in messages."""
        self.entry_key = key
        self.entry_digest = digest
        self.entry_label = label
        self._entry_count = 0

    def warn(self, message: str) -> None:
        line = f"{self.entry_label}: {message}" if self.entry_label else message
        if line not in self.warnings:
            self.warnings.append(line)

    def at_end(self, key: str, check: Callable[[], None], blames: UUID | None = None) -> None:
        first = self._at_end.get(key)
        self._at_end[key] = (first[0] if first else check, self.entry_label)
        if blames is not None:
            self._blamable.add(blames)

    def settle(self) -> None:
        """The chunk's events are saved (in the write's transaction): let go of them and
        of the chunk's histories, read from the store again when next asked for."""
        self.histories.clear()
        self.pending = []
        self._by_key.clear()

    def finish(self) -> None:
        """Run the checks the entries left for the end of the write; a refusal names the
        last entry that asked for its check."""
        for check, label in self._at_end.values():
            self.entry_label = label
            try:
                check()
            except LedgerError as exc:
                if isinstance(exc, EntryViolation) and exc.event_id in self._labels:
                    label = self._labels[exc.event_id]  # the entry whose event broke it
                raise type(exc)(f"{label}: {exc}" if label else str(exc)) from None

    def history(self, aggregate_id: UUID) -> History:
        if aggregate_id not in self.histories:
            # The stored history, as this process holds it (read only past what it
            # held), forked: this write's events go to the fork alone.
            self.histories[aggregate_id] = self.stored.history(aggregate_id).fork()
        return self.histories[aggregate_id]

    def new_event(self, cls: type[E], history: History, **fields: Any) -> E:
        self._entry_count += 1
        key = self.entry_key
        if key is not None and self._entry_count > 1:
            key = f"{key}#{self._entry_count}"
        event_id = entry_event_id(key, self.entry_digest) if key else uuid4()
        fields.update(
            originator_id=history.id,
            originator_version=history.version + 1,
            timestamp=self.timestamp,
            event_id=event_id,
            actor=self.actor,
            source_key=key,
        )
        event = cls.model_validate(fields, context=CHECKED)
        # Every new event, from a handler or a correction, is checked against the
        # other aggregates it names before anything sees it (domain/guards.py).
        check_references(self, event)
        return event

    def record(self, events: list[LedgerEvent]) -> None:
        for event in events:
            self.history(event.originator_id).append(event)
            self.pending.append(event)
            if event.originator_id in self._blamable:
                self._labels[event.event_id] = self.entry_label
            if event.source_key:
                self._by_key[event.source_key] = event

    def resolve_event(self, ref: str) -> LedgerEvent:
        ref = ref.strip()
        if ref in self._by_key:
            return self._by_key[ref]
        match = POSITION.match(ref)
        keyed = None if ref.startswith("#") else self._stored("c.source_key = ?", ref)
        if keyed is not None:
            return keyed
        if match:
            row = self._stored("c.position = ?", int(match.group(1)))
        else:
            try:
                event_id = UUID(ref)
            except ValueError:
                row = self._stored("c.source_key = ?", ref)
            else:
                for event in self.pending:
                    if event.event_id == event_id:
                        return event
                row = self._stored_by_event_id(event_id)
        if row is None:
            raise NotFound(f"no event '{ref}' in the ledger (give an event id, #position or key)")
        return row

    def _stored(self, where: str, value: Any) -> LedgerEvent | None:
        nid = self.db.dialect.notification_id
        rows = self.db.query(
            f"SELECT e.topic, e.state FROM {CHAIN_TABLE} c "
            f"JOIN {self.db.dialect.events} e ON e.{nid} = c.notification_id WHERE {where}",
            [value],
        )
        return decode_event(rows[0]["topic"], bytes(rows[0]["state"])) if rows else None

    def _stored_by_event_id(self, event_id: UUID) -> LedgerEvent | None:
        query = "SELECT position FROM proj_events WHERE event_id = ?"
        rows = self.db.query(query, [str(event_id)])
        if not rows and self.catch_up is not None:
            self.catch_up()  # saved by an earlier chunk of this write, not yet indexed
            rows = self.db.query(query, [str(event_id)])
        return self._stored("c.position = ?", int(rows[0]["position"])) if rows else None


def entry_event_id(key: str, digest: str | None) -> UUID:
    """The event id of an imported entry's event: from its key, and for an entry keyed
    by its own id, from its content too, so other content under that id is told apart."""
    return ledger_uuid(f"entry:{key}" + (f":{digest}" if digest else ""))


def recorded_ids(db: Connection, keys: list[str]) -> dict[str, tuple[int, str]]:
    """For each key already recorded: the chain position and event id it was stored with."""
    found: dict[str, tuple[int, str]] = {}
    nid = db.dialect.notification_id
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = db.query(
            f"SELECT c.source_key, c.position, e.state FROM {CHAIN_TABLE} c "
            f"JOIN {db.dialect.events} e ON e.{nid} = c.notification_id "
            f"WHERE c.source_key IN ({marks})",
            chunk,
        )
        for r in rows:
            stored = json.loads(bytes(r["state"]))
            found[r["source_key"]] = (int(r["position"]), str(stored["event_id"]))
    return found


def refuse_changed_entries(db: Connection, entries: Sequence[Entry], known: set[str]) -> None:
    """Raise ValidationError if an entry's own id is already recorded with other content.

    An event recorded before content digests were kept has an id made from its key
    alone; such an entry is taken as the same one, as it always was."""
    keyed = [e for e in entries if e.digest and e.key in known]
    if not keyed:
        return
    stored = recorded_ids(db, [e.key for e in keyed if e.key])
    for entry in keyed:
        assert entry.key is not None
        position, event_id = stored[entry.key]
        same = {
            str(entry_event_id(entry.key, digest))
            for digest in (entry.digest, None, entry.legacy_digest)
        }
        if event_id not in same:
            raise ValidationError(
                f"{entry.label or 'entry'}: id '{entry.key}' is already recorded at #{position} "
                "with other content; nothing was recorded (give this entry a new id, or change "
                f"the record with 'ledger correct {entry.key}')"
            )


@runtime_checkable
class SerialisingRecorder(Protocol):
    def serialised(self, db: Connection) -> AbstractContextManager[None]:
        """Hold the ledger's write lock for a block; inserts inside join its transaction."""


def write_lock(store: Application[UUID], db: Connection) -> AbstractContextManager[None]:
    """The ledger's write lock, held from the handlers' check to the save.

    SQLite: ``BEGIN IMMEDIATE`` on ``db``.  PostgreSQL: an advisory lock for the schema.
    Writers queue on it (up to 30 s) instead of meeting each other's writes."""
    recorder = store.recorder
    serialised = getattr(recorder, "serialised", None)  # a runtime Protocol check costs more
    assert serialised is not None, f"{type(recorder).__name__} does not take the write lock"
    return serialised(db)  # type: ignore[no-any-return]


def pause_before_retry(attempt: int) -> None:
    """A short, jittered, growing wait, so writers that met do not meet again at once."""
    time.sleep(random.uniform(0, 0.02 * 2**attempt))


def known_keys(
    db: Connection, keys: list[str], after: int | None = None
) -> tuple[set[str], set[str]]:
    """The import keys among ``keys`` that the ledger already holds: those recorded
    before the write that began after position ``after`` (None: every one), and those
    the write itself has recorded (in an earlier chunk of it)."""
    before: set[str] = set()
    during: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = db.query(
            f"SELECT source_key, position FROM {CHAIN_TABLE} WHERE source_key IN ({marks})",
            chunk,
        )
        for r in rows:
            (during if after is not None and int(r["position"]) > after else before).add(
                r["source_key"]
            )
    return before, during


def positions_of(db: Connection, nids: list[int]) -> list[int]:
    """The chain positions of the stored events with these notification ids."""
    if not nids:
        return []
    rows = db.query(
        f"SELECT position FROM {CHAIN_TABLE} WHERE notification_id >= ? "
        "AND notification_id <= ? ORDER BY position",
        [min(nids), max(nids)],
    )
    return [int(r["position"]) for r in rows]


def check_clock(db: Connection, moment: datetime) -> None:
    """Refuse to write while the clock reads earlier than the last recorded time."""
    last = db.scalar(f"SELECT recorded_at FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
    if last is not None and str(last) > utc_text(moment):
        raise StorageError(
            f"this machine's clock reads {utc_text(moment)}, before the ledger's last "
            f"recorded time {last}; recorded times never go backwards, so check the clock"
        )
