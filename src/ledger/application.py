"""The one service API.  The CLI, the tests and any future front end use only this.

Commands go in (pydantic models, one at a time or a whole import file); events are
recorded all together or not at all; ids and read models come out.  Nothing else
writes events.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, PersistenceError
from eventsourcing.utils import Environment

from ledger import committee, constitution
from ledger.domain import clock
from ledger.domain.body import BodyState
from ledger.domain.commands import Command
from ledger.domain.errors import (
    ConcurrentWriteError,
    LedgerError,
    NotFound,
    StorageError,
    ValidationError,
)
from ledger.domain.events import LedgerEvent
from ledger.domain.history import project_history
from ledger.domain.organisation import OrganisationState
from ledger.domain.quorum import QuorumResult
from ledger.domain.tor import tor_id
from ledger.infra import chain
from ledger.infra.db import Connection, DatabaseConfig, parse_url
from ledger.infra.mapper import CanonicalJSONTranscoder, PydanticMapper
from ledger.projections import bodies as bodies_projection
from ledger.projections import organisations as organisations_projection
from ledger.projections.bodies import BodiesProjection
from ledger.projections.constitution import ConstitutionProjection
from ledger.projections.events_index import EventIndex
from ledger.projections.meetings import MeetingsProjection
from ledger.projections.membership import MembershipProjection
from ledger.projections.organisations import OrganisationsProjection
from ledger.projections.runner import ProjectionRunner
from ledger.registry import handler_for
from ledger.unit_of_work import UnitOfWork

Progress = Callable[[int], None] | None
ATTEMPTS = 5
META = "ledger_meta"


class _Store(Application[UUID]):
    """The eventsourcing application underneath: persistence pinned by our own URL."""

    name = "Ledger"
    env: ClassVar[dict[str, str]] = {}

    def construct_env(self, name: str, env: Any = None) -> Environment:
        # Only the settings derived from the database URL: a developer's shell
        # variables must never redirect a ledger (or a test) to another database.
        return Environment(name, dict(env or {}))

    def construct_mapper(self) -> PydanticMapper:
        return PydanticMapper(transcoder=CanonicalJSONTranscoder())


@dataclass(frozen=True)
class Entry:
    """A command with its import key (None for commands typed at the CLI)."""

    command: Command
    key: str | None = None
    label: str = ""


@dataclass
class Receipt:
    """What a write recorded."""

    recorded: int = 0
    skipped: int = 0
    positions: list[int] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)
    head_position: int = 0
    head_hash: str = chain.GENESIS
    dry_run: bool = False


@dataclass(frozen=True)
class LogEntry:
    position: int
    recorded_at: str
    effective: str
    topic: str
    body: str | None
    actor: str
    summary: str
    authority: str | None
    event_id: str
    corrects: str | None
    hash: str


def default_actor() -> str:
    """``LEDGER_ACTOR``, else the operating-system user."""
    actor = os.environ.get("LEDGER_ACTOR")
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _utc(moment: datetime | None) -> str:
    return chain.utc_text(moment) if moment is not None else "9999-12-31T23:59:59.999999Z"


class Ledger:
    """An open ledger: ``Ledger("ledger.db")`` or ``Ledger("postgresql://…")``."""

    def __init__(self, url: str | None = None, *, actor: str | None = None):
        self.config: DatabaseConfig = parse_url(url)
        self.actor = actor or default_actor()
        try:
            self.db = Connection(self.config)
            self._store = _Store(env=self.config.eventsourcing_env())
        except LedgerError:
            raise
        except (PersistenceError, OSError) as exc:
            raise StorageError(f"cannot open {self.config.describe()}: {exc}") from None
        assert getattr(self._store.recorder, "events_table_name", None) == self.db.dialect.events
        self.db.execute(f"CREATE TABLE IF NOT EXISTS {META} (key TEXT PRIMARY KEY, value TEXT)")
        self._histories: dict[UUID, list[LedgerEvent]] = {}
        self.projections = ProjectionRunner(
            self.db,
            [
                EventIndex(),
                BodiesProjection(),
                ConstitutionProjection(),
                OrganisationsProjection(),
                MembershipProjection(),
                MeetingsProjection(),
            ],
        )

    # --- lifecycle ------------------------------------------------------------------

    def close(self) -> None:
        """Release the database connections."""
        self._store.close()
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing --------------------------------------------------------------------

    def execute(
        self,
        entries: Sequence[Entry | Command],
        *,
        dry_run: bool = False,
        progress: Progress = None,
    ) -> Receipt:
        """Record the commands' events all together, or nothing (raises LedgerError).

        ``progress`` is told how many entries were checked, then how many events the
        read models have applied.

        Entries whose import key the ledger already holds are skipped.  A write that
        meets another writer's write is re-checked against the new state and retried.
        """
        batch = [e if isinstance(e, Entry) else Entry(e) for e in entries]
        for _attempt in range(ATTEMPTS):
            self.projections.catch_up()
            uow = UnitOfWork(self._store, self.db, clock.now(), self.actor)
            known = self._known_keys([e.key for e in batch if e.key])
            receipt = Receipt(dry_run=dry_run)
            seen: set[str] = set()
            for entry in batch:
                if entry.key and (entry.key in known or entry.key in seen):
                    receipt.skipped += 1
                    continue
                if entry.key:
                    seen.add(entry.key)
                uow.begin_entry(entry.key)
                try:
                    uow.record(handler_for(entry.command)(uow, entry.command))
                except LedgerError as exc:
                    prefix = f"{entry.label}: " if entry.label else ""
                    raise type(exc)(f"{prefix}{exc}") from None
                if progress:
                    progress(1)
            receipt.recorded = len(uow.pending)
            receipt.event_ids = [str(e.event_id) for e in uow.pending]
            if dry_run or not uow.pending:
                receipt.head_position, receipt.head_hash = self.head()
                return receipt
            try:
                recordings = self._store.save(*uow.pending)
            except IntegrityError:
                # Another writer got in first (retry with a fresh time), unless the
                # clock itself is behind the record.
                self._check_clock(clock.now())
                continue
            except PersistenceError as exc:
                raise StorageError(f"the database refused the write: {exc}") from None
            nids = [r.notification.id for r in recordings]
            receipt.positions = self._positions_of(nids)
            self.projections.catch_up(progress)
            receipt.head_position, receipt.head_hash = self.head()
            return receipt
        raise ConcurrentWriteError(
            "another writer kept changing the same records; nothing was recorded, try again"
        )

    def _check_clock(self, moment: datetime) -> None:
        """Refuse to write while the clock reads earlier than the last recorded time."""
        last = self.db.scalar(
            f"SELECT recorded_at FROM {chain.CHAIN_TABLE} ORDER BY position DESC LIMIT 1"
        )
        if last is not None and str(last) > chain.utc_text(moment):
            raise StorageError(
                f"this machine's clock reads {chain.utc_text(moment)}, before the ledger's last "
                f"recorded time {last}; recorded times never go backwards, so check the clock"
            )

    def _known_keys(self, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.query(
                f"SELECT source_key FROM {chain.CHAIN_TABLE} WHERE source_key IN ({marks})", chunk
            )
            found.update(r["source_key"] for r in rows)
        return found

    def _positions_of(self, nids: list[int]) -> list[int]:
        if not nids:
            return []
        rows = self.db.query(
            f"SELECT position FROM {chain.CHAIN_TABLE} WHERE notification_id >= ? "
            "AND notification_id <= ? ORDER BY position",
            [min(nids), max(nids)],
        )
        return [int(r["position"]) for r in rows]

    # --- the record -----------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        """The position and hash of the last link of the audit chain."""
        rows = self.db.query(
            f"SELECT position, hash FROM {chain.CHAIN_TABLE} ORDER BY position DESC LIMIT 1"
        )
        return (int(rows[0]["position"]), rows[0]["hash"]) if rows else (0, chain.GENESIS)

    def count(self) -> int:
        return int(self.db.scalar(f"SELECT COUNT(*) FROM {chain.CHAIN_TABLE}") or 0)

    def log(
        self,
        *,
        body: str | None = None,
        effective_from: date | None = None,
        effective_to: date | None = None,
        limit: int | None = None,
    ) -> list[LogEntry]:
        """Events in the ledger's order, optionally for one body and effective dates."""
        self.projections.catch_up()
        where, params = ["1=1"], []
        if body:
            where.append("p.body = ?")
            params.append(body)
        if effective_from:
            where.append("p.effective >= ?")
            params.append(effective_from.isoformat())
        if effective_to:
            where.append("p.effective <= ?")
            params.append(effective_to.isoformat())
        statement = (
            f"SELECT p.*, c.hash FROM proj_events p JOIN {chain.CHAIN_TABLE} c "
            f"ON c.position = p.position WHERE {' AND '.join(where)} ORDER BY p.position"
        )
        if limit:
            statement += f" LIMIT {int(limit)}"
        return [
            LogEntry(
                position=int(r["position"]),
                recorded_at=r["recorded_at"],
                effective=r["effective"],
                topic=r["topic"],
                body=r["body"],
                actor=r["actor"],
                summary=r["summary"],
                authority=r["authority"],
                event_id=r["event_id"],
                corrects=r["corrects"],
                hash=r["hash"],
            )
            for r in self.db.query(statement, params)
        ]

    def verify(self, *, expect: str | None = None, progress: Progress = None) -> chain.VerifyReport:
        """Recompute the whole audit chain from the stored events; report the first fault."""
        report = chain.VerifyReport()
        chain.check_rows(self._chain_rows(), report, progress)
        inserted = self._first_unchained_event()
        if inserted is not None:
            report.problems.append(inserted)
        if expect:
            chain.check_anchor(report, expect, self._hash_at, self._position_of_hash)
        return report

    def _chain_rows(self) -> Iterator[chain.ChainRow]:
        nid = self.db.dialect.notification_id
        after = 0
        while True:
            rows = self.db.query(
                f"SELECT c.position, c.notification_id, c.recorded_at, c.source_key, c.hash, "
                f"e.originator_id, e.originator_version, e.topic, e.state "
                f"FROM {chain.CHAIN_TABLE} c LEFT JOIN {self.db.dialect.events} e "
                f"ON e.{nid} = c.notification_id WHERE c.position > ? "
                "ORDER BY c.position LIMIT 5000",
                [after],
            )
            if not rows:
                return
            for r in rows:
                yield chain.ChainRow(
                    position=int(r["position"]),
                    notification_id=int(r["notification_id"]),
                    recorded_at=r["recorded_at"],
                    source_key=r["source_key"],
                    hash=r["hash"],
                    originator_id=None if r["originator_id"] is None else str(r["originator_id"]),
                    originator_version=r["originator_version"],
                    topic=r["topic"],
                    state=None if r["state"] is None else bytes(r["state"]),
                )
            after = int(rows[-1]["position"])

    def _first_unchained_event(self) -> chain.Problem | None:
        nid = self.db.dialect.notification_id
        rows = self.db.query(
            f"SELECT MIN(e.{nid}) AS nid FROM {self.db.dialect.events} e WHERE NOT EXISTS "
            f"(SELECT 1 FROM {chain.CHAIN_TABLE} c WHERE c.notification_id = e.{nid})"
        )
        if not rows or rows[0]["nid"] is None:
            return None
        before = self.db.scalar(
            f"SELECT COUNT(*) FROM {chain.CHAIN_TABLE} WHERE notification_id < ?",
            [rows[0]["nid"]],
        )
        return chain.Problem(
            int(before) + 1, "an event is there that the chain never recorded (inserted)"
        )

    def _hash_at(self, position: int) -> str | None:
        value = self.db.scalar(
            f"SELECT hash FROM {chain.CHAIN_TABLE} WHERE position = ?", [position]
        )
        return None if value is None else str(value)

    def _position_of_hash(self, digest: str) -> int | None:
        value = self.db.scalar(
            f"SELECT position FROM {chain.CHAIN_TABLE} WHERE hash = ?", [digest.lower()]
        )
        return None if value is None else int(value)

    # --- read models ----------------------------------------------------------------

    def bodies(
        self, on: date, *, known_at: datetime | None = None, include_dissolved: bool = False
    ) -> list[BodyState]:
        """The bodies as they stood on ``on``, as the ledger knew at ``known_at`` (default now)."""
        self.projections.catch_up()
        found = bodies_projection.bodies_on(self.db, on, _utc(known_at))
        return [b for b in found if include_dissolved or b.dissolved is None or b.dissolved > on]

    def organisations(
        self, on: date, *, known_at: datetime | None = None, include_closed: bool = False
    ) -> list[OrganisationState]:
        """The organisations as they stood on ``on``, as known at ``known_at`` (default now)."""
        self.projections.catch_up()
        found = organisations_projection.organisations_on(self.db, on, _utc(known_at))
        return [o for o in found if include_closed or o.closed is None or o.closed > on]

    def members(
        self, body: str, on: date, *, known_at: datetime | None = None
    ) -> committee.MembersReport:
        """Who sat on ``body`` on ``on`` (seats, representatives, substitutes, offices)."""
        self.require_body(body)
        return committee.members_report(self.db, body, on, _utc(known_at))

    def meetings(
        self,
        body: str,
        *,
        first: date | None = None,
        last: date | None = None,
        known_at: datetime | None = None,
    ) -> list[committee.MeetingSummary]:
        """The body's meetings between two dates, each with its quorum at the start."""
        self.require_body(body)
        return committee.meeting_list(self.db, body, first, last, _utc(known_at))

    def quorum(
        self, meeting: str, *, item: str | None = None, known_at: datetime | None = None
    ) -> QuorumResult:
        """Was the meeting (or one agenda item) quorate under the rules in force that day,
        and why: who counted, who did not, and each requirement of the rule."""
        self.projections.catch_up()
        return committee.quorum(self.db, meeting, item, _utc(known_at))

    def compliance(
        self, body: str, year: int, *, known_at: datetime | None = None
    ) -> committee.ComplianceReport:
        """Meetings held in a year against the ToR's meeting-frequency rules."""
        self.require_body(body)
        return committee.compliance(self.db, body, year, _utc(known_at))

    def require_body(self, slug: str) -> None:
        """Raise NotFound unless the ledger has ever recorded a body with this id."""
        self.projections.catch_up()
        if not self.db.scalar("SELECT COUNT(*) FROM proj_bodies WHERE slug = ?", [slug]):
            raise NotFound(f"unknown body '{slug}'")

    def aggregate_events(self, aggregate_id: UUID) -> list[LedgerEvent]:
        """Every stored event of one aggregate, in version order (corrected ones too)."""
        from eventsourcing.application import AggregateNotFoundError

        # Stored events never change, so a history read before is good up to its
        # version: only a newer version makes this process read it again.
        latest = self.db.scalar(
            f"SELECT MAX(originator_version) FROM {self.db.dialect.events} WHERE originator_id = ?",
            [aggregate_id.hex if self.db.dialect.name == "sqlite" else aggregate_id],
        )
        cached = self._histories.get(aggregate_id)
        if cached is not None and cached[-1].originator_version == latest:
            return list(cached)
        try:
            history = self._store.repository.get(aggregate_id, projector_func=project_history)
        except AggregateNotFoundError:
            return []
        self._histories[aggregate_id] = list(history.events)
        return list(history.events)

    def tor(
        self,
        body: str,
        on: date,
        *,
        known_at: datetime | None = None,
        section: str | None = None,
    ) -> constitution.TorReport:
        """The terms of reference (or one section) in force on ``on`` as known at
        ``known_at`` (default now), with the events that made it so and the changes
        known to be pending after ``on``."""
        self.require_body(body)
        label = _utc(known_at) if known_at else None
        events = [
            e
            for e in self.aggregate_events(tor_id(body))
            if known_at is None or e.timestamp <= known_at
        ]
        return constitution.report(self.db, body, on, _utc(known_at), label, events, section)

    def tor_diff(
        self, body: str, first: date, second: date, *, known_at: datetime | None = None
    ) -> constitution.Redline:
        """The per-section redline between the ToR in force on two dates."""
        self.require_body(body)
        return constitution.redline(self.db, body, first, second, _utc(known_at))

    def tor_history(self, body: str, section: str | None = None) -> list[constitution.HistoryEntry]:
        """Every recorded change to a body's ToR (or one section), oldest first."""
        self.require_body(body)
        events = self.aggregate_events(tor_id(body))
        if not events:
            raise NotFound(f"{body} has no terms of reference recorded")
        entries = constitution.history(self.db, events, section)
        if section is not None and not entries:
            raise NotFound(f"{body}'s terms of reference have never had a section '{section}'")
        return entries

    def rebuild_projections(self, progress: Progress = None) -> int:
        """Drop every read model and rebuild it from the log; returns events read."""
        return self.projections.rebuild(progress)

    # --- metadata -------------------------------------------------------------------

    def is_empty(self) -> bool:
        return self.count() == 0

    def wipe(self) -> None:
        """Delete this ledger's tables (used only to rebuild a demo ledger); then close."""
        tables = [
            self.db.dialect.events,
            chain.CHAIN_TABLE,
            META,
            "ledger_projections",
            *(t for p in self.projections.projections for t in p.tables),
        ]
        self._store.close()
        for table in tables:
            self.db.execute(f"DROP TABLE IF EXISTS {table}")
        self.db.close()

    def meta(self, key: str) -> str | None:
        value = self.db.scalar(f"SELECT value FROM {META} WHERE key = ?", [key])
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute(f"DELETE FROM {META} WHERE key = ?", [key])
        self.db.execute(f"INSERT INTO {META} (key, value) VALUES (?, ?)", [key, value])


def require(condition: bool, message: str) -> None:
    """Raise a ValidationError with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ValidationError(message)
