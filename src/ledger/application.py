"""The one service API.  The CLI, the web view, the tests and any future front end use
only this.

``Ledger`` is a thin facade.  Its one write path, ``execute``, runs commands through
their handlers in a unit of work and records their events all together or not at all.
Every read method catches the read models up and hands the question to one function
in ``ledger.queries``; files are read and planned by ``ledger.interchange``.  New
capabilities follow the same pattern: a query module (or a command), and here one
method of a few lines that delegates to it.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, overload
from uuid import UUID, uuid4

from ledger.domain import clock
from ledger.domain.errors import (
    ConcurrentWriteError,
    IntegrityFailure,
    LedgerError,
    NotFound,
    StorageError,
    ValidationError,
)
from ledger.infra.chain import GENESIS
from ledger.infra.db import Connection
from ledger.infra.errors import describe as describe_failure
from ledger.infra.errors import is_database_error, mask
from ledger.infra.histories import Histories
from ledger.infra.meta import log_ready, read_meta, write_meta
from ledger.infra.urls import DatabaseConfig, parse_url
from ledger.projections.catalogue import all_projections, ledger_tables
from ledger.projections.names import READ_MODELS
from ledger.projections.runner import ProjectionRunner
from ledger.queries.known import known_at_text

# What only some methods use is imported in them, so that a command pays only for its
# own: `ledger quorum` never loads the import planner, the command handlers, the
# exports or the replay (tests/cli/test_startup.py keeps it so).
if TYPE_CHECKING:
    from ledger.domain.body_state import BodyState
    from ledger.domain.checkpoint import CheckpointRecorded, RecordCheckpoint
    from ledger.domain.commands import Command, Entry
    from ledger.domain.events import Authority, LedgerEvent
    from ledger.domain.history import Segment
    from ledger.domain.meeting import MeetingState
    from ledger.domain.organisation import OrganisationState
    from ledger.domain.quorum import QuorumResult
    from ledger.domain.tor_text import ParsedDocument
    from ledger.infra import chain, roles
    from ledger.infra.store import EventStore
    from ledger.infra.unit_of_work import UnitOfWork
    from ledger.interchange.export import Written
    from ledger.interchange.tor_document import TorCommand
    from ledger.queries import constitution, proofs, timelines
    from ledger.queries.budget import AllocationReport, BudgetReport, BudgetSeries, FundSummary
    from ledger.queries.compliance import ComplianceReport
    from ledger.queries.decisions import DecisionReport
    from ledger.queries.forward_plan import PendingDecision
    from ledger.queries.log import LogEntry
    from ledger.queries.meetings import MeetingReport, MeetingSummary
    from ledger.queries.members import MembersReport
    from ledger.queries.read_models import ReadModelReport
    from ledger.queries.replay import Bound, Replay
    from ledger.queries.replay import Step as ReplayStep
    from ledger.queries.whole_record import WholeRecord

__all__ = [
    "Entry",
    "Ledger",
    "LogEntry",
    "Receipt",
    "Replay",
    "ReplayStep",
    "TorDocumentImport",
    "import_schema",
    "roles_sql",
]

Progress = Callable[[int], None] | None
StageProgress = Callable[[str, int | None], Progress] | None
ATTEMPTS = 5
# A write of more entries than this (an import) is checked and saved this many at a
# time, inside its one transaction, so what it holds in memory does not grow with it.
# Each aggregate a chunk touches costs once a chunk (its history forked, then taken
# back into the cache), so fewer, larger chunks cost less: 5,000 took about 0.85 of
# the CPU of 2,000 in a 100,000-event import (ADR 0022's addendum).
CHUNK = 5_000
CATCH_UP_EVERY = 10_000  # events saved by a write before its read models follow them

# The names this module offers besides its own, each imported when first asked for.
_ELSEWHERE = {
    "Entry": ("ledger.domain.commands", "Entry"),
    "LogEntry": ("ledger.queries.log", "LogEntry"),
    "Replay": ("ledger.queries.replay", "Replay"),
    "ReplayStep": ("ledger.queries.replay", "Step"),
}


def __getattr__(name: str) -> Any:
    if name in _ELSEWHERE:
        module, attribute = _ELSEWHERE[name]
        return getattr(import_module(module), attribute)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Positions(Sequence[int]):
    """The chain positions a write recorded at: one run, first to last (a write holds
    the write lock, so no other write's events come between its own)."""

    def __init__(self, first: int = 0, last: int = -1):
        self.run = range(first, last + 1)

    def extend(self, positions: Sequence[int]) -> None:
        if not positions:
            return
        first = self.run.start if self.run else positions[0]
        if positions[0] != first + len(self.run) or positions[-1] - positions[0] + 1 != len(
            positions
        ):
            raise IntegrityFailure("a write's chain positions are not one run")
        self.run = range(first, positions[-1] + 1)

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[int]: ...
    def __getitem__(self, index: int | slice) -> int | Sequence[int]:
        return self.run[index]

    def __len__(self) -> int:
        return len(self.run)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"Positions({self.run.start}, {self.run.stop - 1})"


class EventIds(Sequence[str]):
    """The ids of the events a write recorded, in order, 16 bytes each."""

    def __init__(self) -> None:
        self.packed = bytearray()

    def append(self, event_id: UUID) -> None:
        self.packed += event_id.bytes

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        i = range(len(self))[index]
        return str(UUID(bytes=bytes(self.packed[16 * i : 16 * i + 16])))

    def __len__(self) -> int:
        return len(self.packed) // 16

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"EventIds({list(self)!r})"


@dataclass
class Receipt:
    """What a write recorded."""

    recorded: int = 0
    skipped: int = 0
    positions: Positions = field(default_factory=Positions)
    event_ids: EventIds = field(default_factory=EventIds)
    head_position: int = 0
    head_hash: str = GENESIS
    dry_run: bool = False
    # What the clerk should know about what was recorded: e.g. a seat whose voting flag
    # the ToR's voting-eligibility rule contradicts.  Never a reason nothing was recorded.
    warnings: list[str] = field(default_factory=list)


@dataclass
class TorDocumentImport:
    """A ToR document: what was parsed, the commands it meant, and what was recorded."""

    body: str
    effective: str
    parsed: ParsedDocument
    commands: list[TorCommand]
    receipt: Receipt


def default_actor() -> str:
    """``LEDGER_ACTOR``, else the operating-system user."""
    actor = os.environ.get("LEDGER_ACTOR")
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def roles_sql(url: str | None, prefix: str) -> str:
    """What ``create_roles`` runs, as a SQL script; opens no database."""
    from ledger.infra import roles

    config = parse_url(url)
    names = roles.roles_for(prefix)
    roles.require_own_schema(config)
    events = config.dialect.events
    return roles.script(config.schema, names, ledger_tables(events), events, config.safe_url)


def generate_key(path: Path, name: str) -> str:
    """Make an Ed25519 signing key for checkpoints, write it to ``path`` (a new file only
    its owner can read), and return its verifier key."""
    from ledger.infra.checkpoint import generate, write_key

    signer = generate(name)
    write_key(signer, path)
    return signer.verifier_key()


def verifier_source() -> str:
    """The stand-alone verifier (``verify.py``): standard library only."""
    from ledger.interchange import verifier

    return Path(verifier.__file__).read_text(encoding="utf-8")


def verify_export(path: Path, checkpoint: str | None, key: str | None) -> Any:
    """Check a jsonl export as ``verify.py`` does; its TrailError names the first bad line."""
    from ledger.interchange import verifier

    try:
        with path.open(encoding="utf-8") as handle:
            return verifier.check_trail((line.rstrip("\n") for line in handle), checkpoint, key)
    except verifier.TrailError as exc:
        raise IntegrityFailure(f"NOT VERIFIED: {path} {exc}") from None
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise IntegrityFailure(f"NOT VERIFIED: {path} is not UTF-8 text, as an export is") from None


def import_schema() -> dict[str, Any]:
    """The JSON Schema of an import file, generated from the command models."""
    from ledger.interchange import importing

    return importing.import_schema()


ORIGIN = "checkpoint_origin"  # the meta key of the origin line the ledger signs


class Ledger:
    """An open ledger: ``Ledger("ledger.db")`` or ``Ledger("postgresql://…")``."""

    def __init__(
        self, url: str | None = None, *, actor: str | None = None, read_only: bool = False
    ):
        config = parse_url(url)
        self.config: DatabaseConfig = replace(config, read_only=True) if read_only else config
        self.actor = actor or default_actor()
        self.db = Connection(self.config)
        # The event store (the eventsourcing library) is opened when a write first needs
        # it, or now if the log's tables are not all there yet (it creates them, or says
        # there is no ledger): a read of the read models never imports the library.
        self._event_store: EventStore | None = None
        try:
            if not log_ready(self.db):
                self._open_store()
        except BaseException:
            self.db.close()
            raise
        self._histories = Histories(self.db)
        self.projections = ProjectionRunner(
            self.db,
            all_projections,
            on_created=self._regrant,
            histories=self._histories,
            read_models=READ_MODELS,
        )

    def _open_store(self) -> EventStore:
        from ledger.infra.store import open_store

        if self._event_store is None:
            self._event_store = open_store(self.config, self.db)
        return self._event_store

    @property
    def _store(self) -> EventStore:
        """The event store, opened on first use."""
        return self._open_store()

    def _close_store(self) -> None:
        if self._event_store is not None:
            self._event_store.close()
            self._event_store = None

    @property
    def read_only(self) -> bool:
        """True when this ledger was opened (or may only be used) for reading."""
        return self.db.access.read_only

    def require_writable(self, consequence: str) -> None:
        """Raise StorageError, ending with ``consequence``, if this ledger is read-only."""
        if self.read_only:
            raise StorageError(
                f"{self.describe()} is read-only here ({self.db.access.why}): {consequence}"
            )

    # --- lifecycle ------------------------------------------------------------------

    def close(self) -> None:
        """Release the database connections."""
        self._close_store()
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> str:
        """Where this ledger is, for messages (never with a password)."""
        return self.config.describe()

    def init(self) -> int:
        """Create every table the ledger needs (if missing); returns the events held."""
        self.projections.setup()
        return self.count()

    def create_roles(self, prefix: str) -> roles.Roles:
        """Create PREFIX_owner, PREFIX_writer and PREFIX_reader for this PostgreSQL ledger's
        schema and grant them exactly their part (run as a superuser; see docs/security.md)."""
        from ledger.infra import roles

        names = roles.roles_for(prefix)
        roles.require_own_schema(self.config)
        self.init()
        roles.create(self.db, names, ledger_tables(self.db.dialect.events))
        return names

    def _regrant(self) -> None:
        # A table the owner has just (re)created gets the roles' privileges at once.
        from ledger.infra import roles

        prefix = self.meta(roles.META_KEY) if self.config.kind == "postgresql" else None
        if prefix:
            roles.grant(self.db, roles.roles_for(prefix), ledger_tables(self.db.dialect.events))

    # --- writing: the one command path ----------------------------------------------

    def execute(
        self,
        entries: Iterable[Entry | Command],
        *,
        dry_run: bool = False,
        progress: Progress = None,
    ) -> Receipt:
        """Record the commands' events all together, or nothing (raises LedgerError).

        ``progress`` is told how many entries were checked, then how many events the
        read models have applied.

        Entries whose import key the ledger already holds are skipped.  Writers queue
        for the write lock, held from the check to the save, so each is checked against
        the state it appends to; one that still meets a write (a writer that did not
        take turns) is re-checked against the new state and retried, reading
        ``entries`` again (an iterator is read into a list first).

        A write of many entries (an import) is checked and saved ``CHUNK`` entries at a
        time inside its one transaction, the read models following every
        ``CATCH_UP_EVERY`` events and at its end: it holds one chunk in memory, and
        still records all of it or nothing.  The
        checks left for the end of the write run before its last chunk is saved.  A
        dry run saves nothing, so it checks every entry in memory.
        """
        from eventsourcing.persistence import IntegrityError

        from ledger.infra.unit_of_work import (
            UnitOfWork,
            check_clock,
            pause_before_retry,
            write_lock,
        )

        if isinstance(entries, Iterator):
            entries = list(entries)
        if not dry_run:
            self.require_writable("nothing was recorded")
        self.projections.ready()
        for attempt in range(ATTEMPTS):
            saving = False
            try:
                # The write lock is held from the check to the save: writers queue, and
                # each is checked against the very state it appends to.
                with nullcontext() if dry_run else write_lock(self._store, self.db):
                    self.projections.catch_up()
                    uow = UnitOfWork(
                        self._histories,
                        self.db,
                        clock.now(),
                        self.actor,
                        catch_up=None if dry_run else self.projections.catch_up,
                    )
                    receipt = Receipt(dry_run=dry_run)
                    if dry_run:
                        self._check([_entry(e) for e in entries], uow, receipt, progress)
                        self._finish(uow, receipt)
                    else:
                        # The events, their chain links and the read models commit
                        # together (SQLite: in the write lock's own transaction, this
                        # one a savepoint).
                        with self.db.transaction():
                            saving = True
                            self._record(entries, uow, receipt, progress)
                        if receipt.recorded and self.db.head is not None:
                            receipt.head_position, receipt.head_hash = self.db.head[:2]
            except BaseException as exc:
                if saving:
                    self._histories.clear()  # it may hold events now rolled back
                if isinstance(exc, IntegrityError):
                    # Another writer got in first without taking turns (or the clock is
                    # behind the record): re-check against the new state, after a pause.
                    check_clock(self.db, clock.now())
                    pause_before_retry(attempt)
                    continue
                self._refused(exc)
            if not (receipt.recorded and receipt.head_position):
                receipt.head_position, receipt.head_hash = self.head()
            return receipt
        raise ConcurrentWriteError(
            "another writer kept changing the same records; nothing was recorded, try again"
        )

    def _record(
        self,
        entries: Iterable[Entry | Command],
        uow: UnitOfWork,
        receipt: Receipt,
        progress: Progress,
    ) -> None:
        """Check and save the entries a chunk at a time, in the write's transaction."""
        from ledger.infra.collector import frozen_between_steps

        # The head before the write, as the write lock's check read it (or read now).
        start = self.db.head[0] if self.db.head is not None else self.head()[0]
        chunks = _chunks(entries, CHUNK)
        chunk = next(chunks, [])
        following = next(chunks, None)  # read ahead: is this chunk the last?
        # A write of many chunks (an import): what lives from one chunk to the next is
        # kept out of the cycle collector's way (infra/collector.py).
        # And it gets a page cache its indexes fit in better (Connection.roomy_cache).
        long = following is not None
        with (
            frozen_between_steps() if long else nullcontext(None) as step,
            self.db.roomy_cache() if long else nullcontext(),
        ):
            self._save_chunks(chunk, following, chunks, uow, receipt, progress, start, step)

    def _save_chunks(
        self,
        chunk: list[Entry],
        following: list[Entry] | None,
        chunks: Iterator[list[Entry]],
        uow: UnitOfWork,
        receipt: Receipt,
        progress: Progress,
        start: int,
        step: Callable[[], None] | None,
    ) -> None:
        from ledger.infra.unit_of_work import positions_of

        behind = 0  # events saved that the read models have not applied yet
        while True:
            if step is not None:
                step()
            self._check(chunk, uow, receipt, progress, start)
            if following is None:
                self._finish(uow, receipt)  # the end checks, before the last save
            if uow.pending:
                linked = len(self.db.written)
                ids = self._store.append(uow.pending)
                saved = len(uow.pending)
                if len(self.db.written) == linked + saved:  # the links of these events
                    self.db.written_events.extend(uow.pending)
                self._histories.adopt(uow.histories.values())
                chained = self.db.head  # the link the save chained last, if it says
                receipt.positions.extend(
                    range(chained[0] - saved + 1, chained[0] + 1)
                    if chained is not None
                    else positions_of(self.db, ids)
                )
                behind += saved
            # The read models follow a batch at a time (each aggregate once a batch),
            # and at the end; the handlers read the log, not them.
            if behind and (following is None or behind >= CATCH_UP_EVERY):
                self.projections.catch_up(progress)
                behind = 0
            uow.settle()
            if following is None:
                return
            chunk, following = following, next(chunks, None)

    def _refused(self, exc: BaseException) -> NoReturn:
        """Raise what a write that failed (and recorded nothing) tells its caller."""
        if isinstance(exc, StorageError):
            raise StorageError(f"{exc}; nothing was recorded") from exc
        if not isinstance(exc, Exception) or not is_database_error(exc):
            raise exc
        refused = f"the database refused the write: {describe_failure(exc)}"
        raise StorageError(f"{mask(refused, self.config.password)}; nothing was recorded") from exc

    def _check(
        self,
        batch: list[Entry],
        uow: UnitOfWork,
        receipt: Receipt,
        progress: Progress,
        start: int | None = None,
    ) -> None:
        """Run each entry's handler against the unit of work, adding the events they
        would record to it and to the receipt.  ``start``: the chain's head before the
        write, when it saves in chunks (a key recorded after it was recorded by an
        earlier chunk of this write: a repeat, not a change)."""
        from ledger.domain.registry import handler_for
        from ledger.infra.unit_of_work import known_keys, refuse_changed_entries

        keys = [k for e in batch for k in (e.key, e.legacy_key) if k]
        known, during = known_keys(self.db, keys, start)
        refuse_changed_entries(self.db, batch, known)
        seen: set[str] = set()
        recorded = len(uow.pending)
        for entry in batch:
            if entry.key and (
                entry.key in known
                or entry.key in during
                or entry.key in seen
                or entry.legacy_key in known
            ):
                receipt.skipped += 1
                continue
            if entry.key:
                seen.add(entry.key)
            uow.begin_entry(entry.key, entry.digest, entry.label)
            try:
                uow.record(handler_for(entry.command)(uow, entry.command))
            except LedgerError as exc:
                prefix = f"{entry.label}: " if entry.label else ""
                raise type(exc)(f"{prefix}{exc}") from None
            if progress:
                progress(1)
        for event in uow.pending[recorded:]:
            receipt.event_ids.append(event.event_id)
        receipt.recorded += len(uow.pending) - recorded

    @staticmethod
    def _finish(uow: UnitOfWork, receipt: Receipt) -> None:
        """The checks the entries left for the end of the write; then its warnings."""
        uow.finish()
        receipt.warnings = list(uow.warnings)

    def import_files(
        self, paths: Sequence[Path], *, dry_run: bool = False, progress: StageProgress = None
    ) -> Receipt:
        """Import YAML or JSON files as one all-or-nothing write (``dry_run`` validates only).

        The files are read as a stream, a chunk of entries at a time (``execute``), so a
        file of a million entries is never held whole.  ``progress(label, total)``, if
        given, returns a callback for each stage (the total is not known beforehand)."""
        from ledger.interchange import importing

        entries = importing.EntrySource(paths)
        checked = progress("checking and recording", None) if progress else None
        return self.execute(entries, dry_run=dry_run, progress=checked)

    def read_document(self, path: Path) -> str:
        """The text of a document to import: a regular UTF-8 file within the size limit."""
        from ledger.interchange import files

        return files.read_text(path)

    def import_tor_document(
        self,
        body: str,
        text: str,
        effective: date,
        authority: Authority | None = None,
        *,
        dry_run: bool = False,
    ) -> TorDocumentImport:
        """Parse a ToR document and record it, all or nothing: adopted whole if the body
        has no ToR in force on ``effective``, else as the amendments, insertions and
        repeals that turn the version in force into it."""
        from ledger.interchange import tor_document

        parsed = tor_document.parse(text)
        self.require_body(body)
        try:
            current = self.tor(body, effective).sections
        except NotFound:
            current = None
        plan = tor_document.plan(body, parsed, effective, authority, current)
        receipt = self.execute(list(plan.commands), dry_run=dry_run)
        return TorDocumentImport(plan.body, plan.effective, plan.parsed, plan.commands, receipt)

    # --- the record -----------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        """The position and hash of the last link of the audit chain."""
        from ledger.queries import audit

        return audit.head(self.db)

    def head_recorded_at(self) -> datetime | None:
        """When the head of the audit chain was recorded (None: nothing recorded yet)."""
        from ledger.queries import audit

        return audit.head_recorded_at(self.db)

    def count(self) -> int:
        """How many events the ledger holds."""
        from ledger.queries import audit

        return audit.count(self.db)

    def is_empty(self) -> bool:
        """True while nothing has been recorded."""
        return self.count() == 0

    def log(
        self,
        *,
        body: str | None = None,
        effective_from: date | None = None,
        effective_to: date | None = None,
        limit: int | None = None,
    ) -> list[LogEntry]:
        """Events in the ledger's order, optionally for one body and effective dates."""
        return list(
            self.log_stream(
                body=body, effective_from=effective_from, effective_to=effective_to, limit=limit
            )
        )

    def log_stream(
        self,
        *,
        body: str | None = None,
        effective_from: date | None = None,
        effective_to: date | None = None,
        limit: int | None = None,
    ) -> Iterator[LogEntry]:
        """``log``, an entry at a time, read a page at a time (for a big log)."""
        from ledger.queries.log import iter_log_entries

        self.projections.catch_up()
        return iter_log_entries(self.db, body, effective_from, effective_to, limit)

    def verify(self, *, expect: str | None = None, progress: Progress = None) -> chain.VerifyReport:
        """Recompute the whole audit chain from the stored events; report the first fault."""
        from ledger.queries import audit

        return audit.verify(self.db, expect, progress)

    def replay(
        self,
        *,
        body: str | None = None,
        first: Bound = None,
        last: Bound = None,
        effective_from: date | None = None,
        effective_to: date | None = None,
        progress: Progress = None,
    ) -> Replay:
        """Step through the record in the ledger's order, from position (or recorded
        moment) ``first`` to ``last``: an iterator of steps, each an event's envelope and
        what it changed in the ToR, membership, quorum, decisions and budget, worked out
        as they are asked for.  The chain is verified from position 1 as it goes; at the
        first link that does not hold the iterator raises IntegrityFailure naming it.
        ``body`` and the effective dates choose the steps shown, never the links checked.
        ``progress`` is told how many links have been read."""
        from ledger.queries.replay import Replay

        return Replay(
            self.db,
            body=body,
            first=first,
            last=last,
            effective_from=effective_from,
            effective_to=effective_to,
            progress=progress,
        )

    def tree_head(self, size: int | None = None) -> proofs.TreeHead:
        """The Merkle root (RFC 9162) of the first ``size`` events (default: all of them)."""
        from ledger.queries import proofs

        return proofs.tree_head(self.db, size)

    def inclusion_proof(self, position: int, size: int | None = None) -> list[str]:
        """The audit path (hex hashes, leaf to root) of the event at ``position`` in the
        tree of the first ``size`` events (default: all)."""
        from ledger.queries import proofs

        return [h.hex() for h in proofs.prover(self.db).inclusion(position - 1, size)]

    def consistency_proof(self, old_size: int, size: int | None = None) -> list[str]:
        """The proof (hex hashes) that the tree of ``old_size`` events is a prefix of the
        tree of ``size`` (default: all)."""
        from ledger.queries import proofs

        return [h.hex() for h in proofs.prover(self.db).consistency(old_size, size)]

    def checkpoint(self, key: Path, origin: str | None = None) -> str:
        """Sign a checkpoint of the log as it stands with the key in ``key`` (C2SP
        tlog-checkpoint), record it, and return the signed note to publish."""
        return self._checkpoint(key, origin).note

    def _checkpoint(self, key: Path, origin: str | None) -> RecordCheckpoint:
        from ledger.domain.checkpoint import RecordCheckpoint
        from ledger.infra.checkpoint import checkpoint_body, read_key
        from ledger.queries import proofs

        signer = read_key(key)
        origin = origin or self.meta(ORIGIN) or f"ledger.local/{uuid4().hex[:16]}"
        head = proofs.tree_head(self.db)
        note = signer.sign(checkpoint_body(origin, head.size, bytes.fromhex(head.root)))
        record = RecordCheckpoint(
            origin=origin,
            size=head.size,
            root=head.root,
            verifier_key=signer.verifier_key(),
            note=note,
        )
        self.execute([record])
        if self.meta(ORIGIN) is None:
            self.set_meta(ORIGIN, origin)
        return record

    def export_trail(
        self,
        out: Path,
        key: Path,
        *,
        body: str | None = None,
        first: date | None = None,
        last: date | None = None,
        progress: Progress = None,
    ) -> proofs.TreeHead:
        """Write the verifiable trail (jsonl) of the whole log, or of one body's events
        and a date range with each event's inclusion proof, ending with a checkpoint of
        the tree it was made from, signed with ``key`` and recorded; return that tree."""
        from ledger.interchange.export import jsonl
        from ledger.queries import proofs

        if body is not None:
            self.require_body(body)
        elif not self.read_only:
            self.projections.catch_up()
        tree = proofs.prover(self.db)
        size = tree.size
        partial = body is not None or first is not None or last is not None
        dates = (first.isoformat() if first else None, last.isoformat() if last else None)
        chosen = proofs.selected_positions(self.db, size, body, *dates) if partial else None
        made = self._checkpoint(key, None)  # of the tree of ``size`` events, after them
        if made.size != size:
            raise ConcurrentWriteError("the log grew while the export began; export again")
        selection = {"body": body, "from": dates[0], "to": dates[1]} if partial else None
        written = 0
        with out.open("w", encoding="utf-8") as handle:
            header = jsonl.header_line(made.origin, made.verifier_key, size, selection)
            handle.write(header + "\n")
            for position, topic, state in proofs.stored_events(self.db, size):
                if chosen is not None and position not in chosen:
                    continue
                proof = tree.inclusion(position - 1) if chosen is not None else None
                handle.write(jsonl.event_line(position, topic, state, proof) + "\n")
                written += 1
                if progress is not None:
                    progress(1)
            handle.write(jsonl.checkpoint_line(made.note) + "\n")
        return proofs.TreeHead(size, tree.root().hex())

    def export(
        self,
        kind: str,
        out: Path,
        *,
        key: Path | None = None,
        body: str | None = None,
        first: date | None = None,
        last: date | None = None,
        progress: StageProgress = None,
        prefix: str | None = None,
    ) -> Written:
        """Write the record, or one body's and a date range's part of it, in one of
        ``FORMATS`` to ``out``.  The jsonl trail needs ``key`` to sign its checkpoint;
        grants may take the publisher's 360Giving ``prefix``."""
        from ledger.interchange.export import FORMATS, Selection, Written

        if kind not in FORMATS:
            raise ValidationError(f"unknown export format {kind!r}: one of {', '.join(FORMATS)}")
        if prefix is not None and kind != "grants":
            raise ValidationError("--prefix goes with --format grants")
        if body is not None:
            self.require_body(body)
        if first is not None and last is not None and first > last:
            raise ValidationError(f"--from {first} is after --to {last}")
        if not self.read_only:
            self.projections.catch_up()
        if kind == "jsonl":
            if key is None:
                raise ValidationError("the jsonl trail is signed: give --key FILE")
            advance = progress("exporting", self.count()) if progress is not None else None
            head = self.export_trail(out, key, body=body, first=first, last=last, progress=advance)
            return Written(kind, [str(out)], {"events": head.size}, head.size, head.root)
        module = import_module(f"ledger.interchange.export.{kind}")
        options = {"prefix": prefix} if prefix is not None else {}
        written: Written = module.write(
            self, out, Selection(body, first, last), progress, **options
        )
        return written

    def whole_record(self) -> WholeRecord:
        """The record as it stands, to read from end to end (what the exports hold): the
        events up to the head of the log now, and every version of what the read models
        hold, as known at the head's recorded time, each read a batch at a time.  Its
        answers stay the same while others write."""
        from ledger.queries.whole_record import snapshot

        record = snapshot(self.db)
        self.projections.catch_up()  # to the head taken, at least
        return record

    def checkpoints(self) -> list[CheckpointRecorded]:
        """Every checkpoint the ledger has recorded, oldest first."""
        from ledger.domain.checkpoint import CheckpointRecorded

        if not self.read_only:
            self.projections.catch_up()
        rows = self.db.query(
            "SELECT DISTINCT aggregate_id FROM proj_events WHERE topic = ?",
            [CheckpointRecorded.TOPIC],
        )
        found = [
            e
            for r in rows
            for e in self._histories.events(UUID(r["aggregate_id"]))
            if isinstance(e, CheckpointRecorded)
        ]
        return sorted(found, key=lambda e: (e.timestamp, e.size))

    def verify_since(self, note: str, verifier_key: str | None = None) -> proofs.SinceReport:
        """Prove that today's log extends the checkpoint ``note``: its signature (by
        ``verifier_key``, else the key of a checkpoint of the same origin this ledger
        recorded), then the root of its first N events and a consistency proof from the
        checkpoint to today's tree, checked as an outside verifier checks them."""
        from ledger.interchange import verifier
        from ledger.queries import proofs

        try:
            stated = verifier.parse_checkpoint(note)
        except verifier.CheckpointError as exc:
            raise ValidationError(f"checkpoint: {exc}") from None
        keys = (
            [verifier_key]
            if verifier_key
            else [c.verifier_key for c in self.checkpoints() if c.origin == stated.origin][-1:]
        )
        if not keys:
            raise ValidationError(
                f"checkpoint: no verifier key for {stated.origin} (give --key NAME+ID+KEY)"
            )
        try:
            checked = verifier.check_signature(stated, keys[0])
        except verifier.CheckpointError as exc:
            raise IntegrityFailure(f"checkpoint: {exc}") from None
        tree = proofs.prover(self.db)
        if stated.size > tree.size:
            raise IntegrityFailure(
                f"the log holds {tree.size} events, fewer than the {stated.size} the "
                "checkpoint states: it has been truncated"
            )
        root = tree.root()
        proof = tree.consistency(stated.size)
        try:
            verifier.verify_consistency(stated.size, tree.size, stated.root, root, proof)
        except verifier.ProofError as exc:
            raise IntegrityFailure(
                f"today's log does not extend the checkpoint of {stated.size} events: {exc}"
            ) from None
        return proofs.SinceReport(
            stated.origin,
            stated.size,
            stated.root.hex(),
            tree.size,
            root.hex(),
            [h.hex() for h in proof],
            "good" if checked else "not checked: the cryptography package is not installed",
        )

    def verify_read_models(self, progress: StageProgress = None) -> ReadModelReport:
        """Rebuild every read model from the log into scratch tables and compare them, row
        by row, with the live ones; report the first difference (the ledger is unchanged).

        A ledger that may write catches its read models up first; a read-only one is
        compared at the position its read models have reached."""
        from ledger.queries.read_models import verify_read_models

        if not self.read_only:
            self.projections.catch_up()
        return verify_read_models(self.config, all_projections(), progress)

    def aggregate_events(self, aggregate_id: UUID) -> list[LedgerEvent]:
        """Every stored event of one aggregate, in version order (corrected ones too)."""
        return self._histories.events(aggregate_id)

    # --- read models ----------------------------------------------------------------

    def bodies(
        self, on: date, *, known_at: datetime | None = None, include_dissolved: bool = False
    ) -> list[BodyState]:
        """The bodies as they stood on ``on``, as the ledger knew at ``known_at`` (default now)."""
        from ledger.queries import registers

        self.projections.catch_up()
        return registers.bodies(self.db, on, known_at_text(known_at), include_dissolved)

    def body(self, slug: str, on: date, *, known_at: datetime | None = None) -> BodyState:
        """One body as it stood on ``on`` (its name, kind, parent, dates); on a day it did
        not stand, as it stood nearest before (or first).  NotFound if never recorded."""
        from ledger.queries import registers

        self.projections.catch_up()
        return registers.body(self.db, slug, on, known_at_text(known_at))

    def organisations(
        self, on: date, *, known_at: datetime | None = None, include_closed: bool = False
    ) -> list[OrganisationState]:
        """The organisations as they stood on ``on``, as known at ``known_at`` (default now)."""
        from ledger.queries import registers

        self.projections.catch_up()
        return registers.organisations(self.db, on, known_at_text(known_at), include_closed)

    def organisation(
        self, slug: str, on: date, *, known_at: datetime | None = None
    ) -> OrganisationState | None:
        """One organisation as it stood on ``on`` (None: it did not stand that day)."""
        from ledger.queries import registers

        self.projections.catch_up()
        return registers.organisation(self.db, slug, on, known_at_text(known_at))

    def body_slugs(self) -> list[str]:
        """The id of every body the ledger has recorded."""
        from ledger.queries import registers

        self.projections.catch_up()
        return registers.body_slugs(self.db)

    def organisation_slugs(self) -> list[str]:
        """The id of every organisation the ledger has recorded."""
        from ledger.queries import registers

        self.projections.catch_up()
        return registers.organisation_slugs(self.db)

    def require_body(self, slug: str) -> None:
        """Raise NotFound unless the ledger has ever recorded a body with this id."""
        from ledger.queries import registers

        self.projections.catch_up()
        registers.require_body(self.db, slug)

    def members(self, body: str, on: date, *, known_at: datetime | None = None) -> MembersReport:
        """Who sat on ``body`` on ``on`` (seats, representatives, substitutes, offices)."""
        from ledger.queries import registers
        from ledger.queries.members import members_report

        self.projections.catch_up()
        report = members_report(self.db, body, on, known_at_text(known_at))
        if not report.members and not report.offices:  # none: is there such a body?
            registers.require_body(self.db, body)
        return report

    def meetings(
        self,
        body: str,
        *,
        first: date | None = None,
        last: date | None = None,
        known_at: datetime | None = None,
    ) -> list[MeetingSummary]:
        """The body's meetings between two dates, each with its quorum at the start."""
        from ledger.queries.meetings import meeting_list

        self.require_body(body)
        return meeting_list(self.db, body, first, last, known_at_text(known_at))

    def meeting_record(self, meeting: str, *, known_at: datetime | None = None) -> MeetingState:
        """One meeting as recorded: its agenda items, attendance (who, in what capacity,
        from and to which item) and declarations of interest."""
        from ledger.queries.meetings import meeting_record

        self.projections.catch_up()
        return meeting_record(self.db, meeting, known_at_text(known_at))

    def meeting(self, meeting: str, *, known_at: datetime | None = None) -> MeetingReport:
        """One meeting as recorded (as known at ``known_at``): its agenda, attendance and
        interests, and its quorum at the start and at each item, with the reasons."""
        from ledger.queries.meetings import meeting_report

        self.projections.catch_up()
        return meeting_report(self.db, meeting, known_at_text(known_at))

    def quorum(
        self, meeting: str, *, item: str | None = None, known_at: datetime | None = None
    ) -> QuorumResult:
        """Was the meeting (or one agenda item) quorate under the rules in force that day,
        and why: who counted, who did not, and each requirement of the rule."""
        from ledger.queries.quorum import quorum_result

        self.projections.catch_up()
        return quorum_result(self.db, meeting, item, known_at_text(known_at))

    def decision(self, motion: str, *, known_at: datetime | None = None) -> DecisionReport:
        """The decision on a motion, and whether it was validly made under the rules in
        force that day and why: each finding names its rule and the people."""
        from ledger.queries.decisions import decision_report

        self.projections.catch_up()
        return decision_report(self.db, motion, known_at_text(known_at))

    def decisions(
        self,
        body: str | None = None,
        first: date | None = None,
        last: date | None = None,
        *,
        known_at: datetime | None = None,
        invalid_only: bool = False,
    ) -> list[DecisionReport]:
        """Every decision (of one body, or all) between two dates, each with its validity."""
        from ledger.queries.decisions import decision_list

        if body is not None:
            self.require_body(body)
        else:
            self.projections.catch_up()
        return decision_list(self.db, body, first, last, known_at_text(known_at), invalid_only)

    def forward_plan(
        self, body: str | None = None, on: date | None = None, *, known_at: datetime | None = None
    ) -> list[PendingDecision]:
        """The forward plan: every decision (of one body, or all) pending on ``on`` (default
        today, by the ledger's clock): taking effect later, or still open to call-in."""
        from ledger.queries.forward_plan import forward_plan

        if body is not None:
            self.require_body(body)
        else:
            self.projections.catch_up()
        day = on or clock.now().date()
        return forward_plan(self.db, body, day, known_at_text(known_at))

    def funds(
        self, body: str | None = None, on: date | None = None, *, known_at: datetime | None = None
    ) -> list[FundSummary]:
        """Every fund (managed by one body, or all) with its totals on ``on`` (default
        today, by the ledger's clock)."""
        from ledger.queries.budget import fund_list

        if body is not None:
            self.require_body(body)
        else:
            self.projections.catch_up()
        day = on or clock.now().date()
        return fund_list(self.db, body, day, known_at_text(known_at))

    def budget(
        self,
        fund: str,
        on: date,
        *,
        known_at: datetime | None = None,
        year: str | None = None,
    ) -> BudgetReport:
        """The budget position of a fund on ``on`` as known at ``known_at``: received,
        allocated, spent, returned, carried forward and available, per financial year
        (or one) and in total, with each allocation's balance and its decisions checked."""
        from ledger.queries.budget import budget_report

        self.projections.catch_up()
        return budget_report(self.db, fund, on, known_at_text(known_at), year)

    def budget_series(
        self,
        fund: str,
        first: date,
        last: date,
        *,
        every: str = "month",
        known_at: datetime | None = None,
        year: str | None = None,
    ) -> BudgetSeries:
        """The position (in total, or of one year) at every day, week, month or quarter
        from ``first`` to ``last``: the budget over time."""
        from ledger.queries.budget import budget_series

        self.projections.catch_up()
        return budget_series(self.db, fund, first, last, every, known_at_text(known_at), year)

    def allocations(
        self,
        fund: str,
        on: date | None = None,
        *,
        known_at: datetime | None = None,
        year: str | None = None,
        recipient: str | None = None,
    ) -> list[AllocationReport]:
        """A fund's allocations on ``on`` (default today), of one year or to one
        recipient if asked, each with its balance and its decisions checked."""
        from ledger.queries.budget import allocation_list

        self.projections.catch_up()
        day = on or clock.now().date()
        return allocation_list(self.db, fund, day, known_at_text(known_at), year, recipient)

    # --- whole histories (for the exports) ---------------------------------------------

    def bodies_over_time(
        self, *, known_at: datetime | None = None, slugs: Sequence[str] | None = None
    ) -> list[Segment[BodyState]]:
        """Every body's (or these bodies') states over effective time (renamed,
        dissolved), by body then date."""
        from ledger.queries import timelines

        self.projections.catch_up()
        return timelines.bodies_over_time(self.db, known_at_text(known_at), slugs)

    def organisations_over_time(
        self, *, known_at: datetime | None = None, slugs: Sequence[str] | None = None
    ) -> list[Segment[OrganisationState]]:
        """Every organisation's (or these organisations') states over effective time
        (renamed, closed), by slug then date."""
        from ledger.queries import timelines

        self.projections.catch_up()
        return timelines.organisations_over_time(self.db, known_at_text(known_at), slugs)

    def membership_over_time(
        self, body: str, *, known_at: datetime | None = None
    ) -> timelines.MembershipTimeline:
        """A body's seats (with their representatives and substitutes) and its offices
        over effective time."""
        from ledger.queries import timelines

        self.require_body(body)
        return timelines.membership_over_time(self.db, body, known_at_text(known_at))

    def meeting_records(
        self,
        body: str,
        *,
        first: date | None = None,
        last: date | None = None,
        known_at: datetime | None = None,
    ) -> list[MeetingState]:
        """A body's meetings between two dates in full: agenda, attendance, interests."""
        from ledger.queries import timelines

        self.require_body(body)
        return timelines.meeting_records(self.db, body, first, last, known_at_text(known_at))

    def recorded_events(
        self, aggregate_id: UUID, *, known_at: datetime | None = None
    ) -> list[timelines.RecordedEvent]:
        """The events of one aggregate in force as known at ``known_at`` (default now),
        each with the chain position it was recorded at."""
        from ledger.queries import timelines

        self.projections.catch_up()
        return timelines.recorded_events(self.db, self._histories, aggregate_id, known_at)

    def compliance(
        self, body: str, year: int, *, known_at: datetime | None = None
    ) -> ComplianceReport:
        """Meetings held in a year against the ToR's meeting-frequency rules."""
        from ledger.queries.compliance import compliance_report

        self.require_body(body)
        return compliance_report(self.db, body, year, known_at_text(known_at))

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
        from ledger.queries import constitution, registers

        self.projections.catch_up()
        try:
            return constitution.tor_report(self.db, body, on, known_at, section)
        except NotFound:
            registers.require_body(self.db, body)  # an unknown body says so first
            raise

    def tor_diff(
        self, body: str, first: date, second: date, *, known_at: datetime | None = None
    ) -> constitution.Redline:
        """The per-section redline between the ToR in force on two dates."""
        from ledger.queries import constitution

        self.require_body(body)
        return constitution.redline(self.db, body, first, second, known_at_text(known_at))

    def tor_history(self, body: str, section: str | None = None) -> list[constitution.HistoryEntry]:
        """Every recorded change to a body's ToR (or one section), oldest first."""
        from ledger.queries import constitution

        self.require_body(body)
        return constitution.tor_history(self.db, self._histories, body, section)

    # --- read-model maintenance -----------------------------------------------------

    def rebuild_projections(self, progress: Progress = None) -> int:
        """Drop every read model and rebuild it from the log; returns events read."""
        return self.projections.rebuild(progress)

    def catch_up_projections(self, progress: Progress = None) -> int:
        """Bring every read model up to the head of the log; returns events applied."""
        return self.projections.catch_up(progress)

    def projection_positions(self) -> dict[str, int]:
        """How far each read model has applied the log (chain position)."""
        self.projections.setup()
        return self.projections.positions()

    # --- metadata -------------------------------------------------------------------

    def wipe(self) -> None:
        """Delete this ledger's tables (used only to rebuild a demo ledger); then close."""
        self.require_writable("nothing was deleted")
        self._histories.clear()
        self._close_store()
        for table in ledger_tables(self.db.dialect.events).all:
            self.db.execute(f"DROP TABLE IF EXISTS {table}")
        self.db.close()

    def meta(self, key: str) -> str | None:
        """A value the ledger keeps about itself (e.g. that it is a demo)."""
        return read_meta(self.db, key)

    def set_meta(self, key: str, value: str) -> None:
        """Set a value the ledger keeps about itself."""
        write_meta(self.db, key, value)


if TYPE_CHECKING:  # mypy holds Ledger to the reads the export modules declare they use
    from ledger.interchange.export.html_sections import ReportSource

    def _html_reads(ledger: Ledger) -> ReportSource:
        return ledger


def _entry(item: Entry | Command) -> Entry:
    from ledger.domain.commands import Entry

    return item if isinstance(item, Entry) else Entry(item)


def _chunks(entries: Iterable[Entry | Command], size: int) -> Iterator[list[Entry]]:
    """The entries, ``size`` at a time (at least one chunk, perhaps empty)."""
    chunk: list[Entry] = []
    for item in entries:
        chunk.append(_entry(item))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
