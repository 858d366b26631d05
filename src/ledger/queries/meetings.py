"""A body's meetings between two dates, each with its quorum at the start; and one
meeting in full: its agenda, attendance and interests, and its quorum at each item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ledger.domain.errors import NotFound
from ledger.domain.meeting import Attendance, Interest, MeetingState
from ledger.domain.quorum import QuorumResult
from ledger.projections import meetings
from ledger.queries.quorum import quorums_of

if TYPE_CHECKING:
    from ledger.infra.db import Connection


@dataclass(frozen=True)
class MeetingSummary:
    id: str
    date: str
    status: str
    public: bool
    items: int
    present: int
    quorate: bool | None
    minutes_approved_at: str | None


def meeting_list(
    db: Connection, body: str, first: date | None, last: date | None, known_at: str
) -> list[MeetingSummary]:
    found = []
    for state in meetings.meetings_of(db, body, first, last, known_at):
        result = quorums_of(db, state, [None], known_at)[0]
        found.append(
            MeetingSummary(
                id=state.meeting,
                date=state.day.isoformat(),
                status=state.status,
                public=state.public,
                items=len(state.items),
                present=sum(1 for a in state.attendance if state.present_at(a, None)),
                quorate=result.quorate,
                minutes_approved_at=state.minutes_approved_at,
            )
        )
    return found


def meeting_record(db: Connection, meeting: str, known_at: str) -> MeetingState:
    """One meeting as known at ``known_at``: its agenda, attendance and interests."""
    state = meetings.meeting_as_known(db, meeting, known_at)
    if state is None:
        raise NotFound(f"unknown meeting '{meeting}' (see 'ledger meetings BODY' for ids)")
    return state


@dataclass(frozen=True)
class ItemReport:
    """An agenda item, and whether the meeting was quorate for it, and why."""

    item: str
    title: str
    paper: str | None
    classification: str
    financial: bool
    quorum: QuorumResult


@dataclass
class MeetingReport:
    """A meeting as recorded: its agenda, who came (and for which items), the interests
    declared, and its quorum at the start and at each item."""

    meeting: str
    body: str
    date: str
    title: str | None
    public: bool
    status: str
    reason: str | None
    minutes_approved_at: str | None
    attendance: list[Attendance]
    interests: list[Interest]
    quorum: QuorumResult
    items: list[ItemReport]


def meeting_report(db: Connection, meeting: str, known_at: str) -> MeetingReport:
    state = meetings.meeting_as_known(db, meeting, known_at)
    if state is None:
        raise NotFound(f"unknown meeting '{meeting}' (see 'ledger meetings BODY' for ids)")
    # The start's quorum, then each item's: the membership and rules read once.
    start, *at = quorums_of(db, state, [None, *(i.item for i in state.items)], known_at)
    items = [
        ItemReport(i.item, i.title, i.paper, i.classification, i.financial, quorum)
        for i, quorum in zip(state.items, at, strict=True)
    ]
    return MeetingReport(
        meeting=state.meeting,
        body=state.body,
        date=state.day.isoformat(),
        title=state.title,
        public=state.public,
        status=state.status,
        reason=state.reason,
        minutes_approved_at=state.minutes_approved_at,
        attendance=list(state.attendance),
        interests=list(state.interests),
        quorum=start,
        items=items,
    )
