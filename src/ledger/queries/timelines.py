"""Whole histories, for the exports that carry a record over time rather than on one
date: every body's and organisation's states over effective time, a body's seats and
offices over time, its meetings in full, and an aggregate's events in force with the
chain positions they were recorded at.  All as known at one moment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.domain.body_state import BodyState
from ledger.domain.events import LedgerEvent
from ledger.domain.history import Segment, in_force
from ledger.domain.meeting import MeetingState
from ledger.domain.membership import Office, Seat
from ledger.domain.organisation import OrganisationState
from ledger.infra.chain import CHAIN_TABLE
from ledger.projections import bodies, meetings, membership, organisations

if TYPE_CHECKING:
    from ledger.infra.db import Connection
    from ledger.infra.histories import Histories


@dataclass(frozen=True)
class MembershipTimeline:
    """A body's seats and offices over effective time: each segment holds a seat's (an
    office's) state from ``valid_from`` until the day before ``valid_to`` (None: still).
    Seats by member then date, offices by office then date; a seat that was left has
    no segment after it, and one taken again starts a new run of segments."""

    body: str
    seats: list[Segment[Seat]]
    offices: list[Segment[Office]]


@dataclass(frozen=True)
class RecordedEvent:
    """An event in force, the position in the log's order it was recorded at, and the
    topic it is stored under (an earlier version of its own, if it is read upcast)."""

    position: int
    topic: str
    event: LedgerEvent


def bodies_over_time(
    db: Connection, known_at: str, slugs: Sequence[str] | None = None
) -> list[Segment[BodyState]]:
    """Every body's (or these bodies') states over effective time (established, renamed,
    dissolved)."""
    return bodies.body_segments(db, known_at, slugs)


def organisations_over_time(
    db: Connection, known_at: str, slugs: Sequence[str] | None = None
) -> list[Segment[OrganisationState]]:
    """Every organisation's (or these organisations') states over effective time
    (registered, renamed, closed)."""
    return organisations.organisation_segments(db, known_at, slugs)


def membership_over_time(db: Connection, body: str, known_at: str) -> MembershipTimeline:
    """A body's seats and offices over effective time."""
    seats, offices = membership.membership_segments(db, body, known_at)
    return MembershipTimeline(body, seats, offices)


def meeting_records(
    db: Connection, body: str, first: date | None, last: date | None, known_at: str
) -> list[MeetingState]:
    """A body's meetings between two dates in full: status, agenda, attendance, interests."""
    return meetings.meetings_of(db, body, first, last, known_at)


def recorded_events(
    db: Connection, histories: Histories, aggregate_id: UUID, known_at: datetime | None
) -> list[RecordedEvent]:
    """The events of one aggregate that hold as known at ``known_at`` (a correction in
    place of what it corrects, nothing retracted), in version order, with positions."""
    # By the events' own key and the chain's notification ids (both indexed): the
    # event index has no index by aggregate, and is scanned whole for one.
    rows = db.query(
        f"SELECT c.position, e.originator_version, e.topic FROM {db.dialect.events} e "
        f"JOIN {CHAIN_TABLE} c ON c.notification_id = e.{db.dialect.notification_id} "
        "WHERE e.originator_id = ?",
        [db.dialect.originator(aggregate_id)],
    )
    stored = {int(r["originator_version"]): (int(r["position"]), str(r["topic"])) for r in rows}
    kept = in_force(histories.events(aggregate_id), known_at)
    return [
        RecordedEvent(*stored[e.originator_version], e)
        for e in sorted(kept, key=lambda e: e.originator_version)
        if e.originator_version in stored
    ]
