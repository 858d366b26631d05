"""The audit replay: the record stepped through in the ledger's order, each event with
its envelope and what it changed in every answer, the chain verified as it goes.

The replay reads the log and the audit chain only, never a read model: it is how a
scrutiny committee checks the record without trusting anything derived from it.  It
reads the chain from position 1, ``BATCH`` links at a time, recomputing every link
(``infra/chain.py``) before it uses the event the link names, and folds every event
into an in-memory record (``queries/replay_state.py``).  The steps it yields are the
events chosen (a range of positions or recorded moments, one body, a range of
effective dates), each with what it changed (``queries/replay_changes.py``).  At the
first link that does not hold, the replay stops with ``IntegrityFailure`` naming its
position, after every step before it.  See ADR 0016.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.domain.body import body_id
from ledger.domain.errors import IntegrityFailure, NotFound, ValidationError
from ledger.domain.events import Authority, EventRetracted, LedgerEvent
from ledger.infra.chain import CHAIN_TABLE, GENESIS, ChainRow, ChainWalk, Problem, utc_text
from ledger.infra.mapper import decode_event
from ledger.queries.audit import chain_rows, first_unchained_event, head
from ledger.queries.replay_changes import Changes, changes_of
from ledger.queries.replay_state import UNREAD, Aggregate, Record, kind_of

if TYPE_CHECKING:
    from ledger.infra.db import Connection

BATCH = 2000  # links read at a time
EVERY = 500  # links between two calls of ``progress``
Progress = Callable[[int], None] | None
Bound = int | datetime | None  # a chain position, or a recorded moment


@dataclass(frozen=True)
class Corrected:
    """The earlier event that a correction replaces (``how`` is ``corrects``) or a
    retraction withdraws (``retracts``)."""

    how: str
    event_id: str
    position: int | None
    topic: str | None
    summary: str | None


@dataclass
class Step:
    """One event of the record, as the replay reached it: its envelope, its link in the
    chain (verified), and what it changed in each answer."""

    position: int
    hash: str
    recorded_at: str
    effective: str
    topic: str
    kind: str  # body, organisation, tor, membership, meeting, motion, fund, checkpoint
    body: str | None
    actor: str
    authority: Authority | None
    summary: str
    event_id: str
    source_key: str | None
    corrects: Corrected | None
    changes: Changes = field(default_factory=Changes)


class Replay:
    """The steps of a replay, worked out one at a time as they are asked for.

    ``first`` and ``last`` are the positions the range runs between (``last`` is read,
    and verified, from position 1 on); ``head`` the chain's last position when it began.
    """

    def __init__(
        self,
        db: Connection,
        *,
        body: str | None = None,
        first: Bound = None,
        last: Bound = None,
        effective_from: date | None = None,
        effective_to: date | None = None,
        progress: Progress = None,
    ):
        if effective_from and effective_to and effective_from > effective_to:
            raise ValidationError(
                f"--effective-from {effective_from} is after --effective-to {effective_to}"
            )
        if body is not None:
            require_body(db, body)
        self.db = db
        self.head = head(db)[0]
        self.first = _first_position(db, first)
        self.last = min(self.head, _last_position(db, last))
        if isinstance(first, int) and isinstance(last, int) and first > last:
            raise ValidationError(f"--from {first} is after --to {last}")
        self.body = body
        self.effective = (effective_from, effective_to)
        self.progress = progress
        self.verified = 0  # links verified so far
        self.verified_hash = GENESIS  # the hash of the last of them
        self._steps = self._walk()

    def __iter__(self) -> Replay:
        return self

    def __next__(self) -> Step:
        return next(self._steps)

    def _chosen(self, position: int, payload: dict[str, object]) -> bool:
        if position < self.first:
            return False
        if self.body is not None and payload.get("body") != self.body:
            return False
        earliest, latest = self.effective
        day = str(payload.get("effective"))
        return (earliest is None or day >= earliest.isoformat()) and (
            latest is None or day <= latest.isoformat()
        )

    def _walk(self) -> Iterator[Step]:
        record = Record()
        walk = ChainWalk()
        inserted = first_unchained_event(self.db)
        if inserted is not None and inserted.position > self.last and self.last < self.head:
            inserted = None  # beyond the range: the part replayed is intact
        read = 0
        with closing(chain_rows(self.db, 0, self.last, BATCH)) as rows:
            for row in rows:
                if inserted is not None and row.position >= inserted.position:
                    break
                problem = walk.check(row)
                if problem is not None:
                    raise _broken(problem)
                read += 1
                self.verified, self.verified_hash = row.position, row.hash
                if self.progress is not None and read % EVERY == 0:
                    self.progress(EVERY)
                step = self._take(record, row, walk.payload)
                if step is not None:
                    yield step
        if self.progress is not None and read % EVERY:
            self.progress(read % EVERY)
        if inserted is not None:
            raise _broken(inserted)
        if walk.expected_position <= self.last:  # the chain's last links are gone
            raise _broken(Problem(walk.expected_position, "missing from the audit chain (deleted)"))

    def _take(self, record: Record, row: ChainRow, payload: dict[str, object]) -> Step | None:
        """Fold the verified link's event into ``record``; its step, if it is chosen."""
        assert row.topic is not None
        assert row.state is not None
        aggregate_id = UUID(str(payload["originator_id"]))
        known = record.aggregates.get(aggregate_id)
        kind = known.kind if known is not None else kind_of(row.topic)
        chosen = self._chosen(row.position, payload)
        if kind in UNREAD and not chosen:
            record.add_unread(row.position, aggregate_id, UUID(str(payload["event_id"])), row.topic)
            return None
        event = decode_event(row.topic, row.state)
        aggregate = record.add(row.position, event)
        if not chosen:
            return None
        corrected, dates = self._corrected(aggregate, event)
        return Step(
            position=row.position,
            hash=row.hash,
            recorded_at=row.recorded_at,
            effective=event.effective.isoformat(),
            topic=row.topic,
            kind=aggregate.kind,
            body=event.body,
            actor=event.actor,
            authority=event.authority,
            summary=event.describe(),
            event_id=str(event.event_id),
            source_key=event.source_key,
            corrects=corrected,
            changes=Changes() if kind in UNREAD else changes_of(record, aggregate_id, dates),
        )

    def _corrected(
        self, aggregate: Aggregate, event: LedgerEvent
    ) -> tuple[Corrected | None, list[date]]:
        """What ``event`` corrects or retracts, and the effective dates it concerns: its
        own, and those of every event along what it corrects (a retracted correction
        brings back what that correction replaced)."""
        dates = {event.effective}
        if event.corrects is None:
            return None, [event.effective]
        how = "retracts" if isinstance(event, EventRetracted) else "corrects"
        found = aggregate.find(event.corrects)
        if found is None:
            return Corrected(how, str(event.corrects), None, None, None), [event.effective]
        position, target = found
        if target is None:
            target = self._event_at(position)
        corrected = Corrected(how, str(event.corrects), position, target.TOPIC, target.describe())
        seen: set[UUID] = set()
        while target is not None and target.event_id not in seen:
            seen.add(target.event_id)
            dates.add(target.effective)
            further = aggregate.find(target.corrects) if target.corrects else None
            target = further[1] if further else None
        return corrected, sorted(dates)

    def _event_at(self, position: int) -> LedgerEvent:
        """The event at a position already verified (one the record does not keep)."""
        nid = self.db.dialect.notification_id
        rows = self.db.query(
            f"SELECT e.topic, e.state FROM {CHAIN_TABLE} c JOIN {self.db.dialect.events} e "
            f"ON e.{nid} = c.notification_id WHERE c.position = ?",
            [position],
        )
        return decode_event(rows[0]["topic"], bytes(rows[0]["state"]))


def _broken(problem: Problem) -> IntegrityFailure:
    return IntegrityFailure(f"NOT INTACT at {problem}: the replay stops here")


def require_body(db: Connection, body: str) -> None:
    """Raise NotFound unless the log holds the body's own record (read from the log
    itself: the replay trusts no read model)."""
    key = body_id(body)
    found = db.scalar(
        f"SELECT COUNT(*) FROM {db.dialect.events} WHERE originator_id = ?",
        [db.dialect.originator(key)],
    )
    if not found:
        raise NotFound(f"unknown body '{body}' (see 'ledger bodies' for ids)")


def _first_position(db: Connection, bound: Bound) -> int:
    if bound is None:
        return 1
    if isinstance(bound, int):
        if bound < 1:
            raise ValidationError(f"--from {bound}: chain positions start at 1")
        return bound
    found = db.scalar(
        f"SELECT MIN(position) FROM {CHAIN_TABLE} WHERE recorded_at >= ?", [utc_text(bound)]
    )
    return int(found) if found is not None else head(db)[0] + 1


def _last_position(db: Connection, bound: Bound) -> int:
    if bound is None:
        return head(db)[0]
    if isinstance(bound, int):
        if bound < 1:
            raise ValidationError(f"--to {bound}: chain positions start at 1")
        return bound
    found = db.scalar(
        f"SELECT MAX(position) FROM {CHAIN_TABLE} WHERE recorded_at <= ?", [utc_text(bound)]
    )
    return int(found) if found is not None else 0
