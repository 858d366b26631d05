"""What goes into one body's HTML report, read through the ledger's API section by section.

Every answer is read as known at one moment, the head of the audit chain when the export
began, so the report is one consistent snapshot (and the same ledger gives the same
report).  The "in force" answers (the terms of reference, the members, the budget, the
forward plan) are given for the last day of the period: ``--to``, or else the day of that
moment.  Lists (changes, meetings, decisions) cover the period's effective dates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from ledger.domain.body import BodyState
from ledger.domain.checkpoint import CheckpointRecorded
from ledger.domain.errors import NotFound
from ledger.domain.meeting import MeetingState
from ledger.domain.quorum import QuorumResult
from ledger.interchange.export import Selection, StageProgress
from ledger.queries.budget import AllocationReport, BudgetReport, FundSummary
from ledger.queries.constitution import HistoryEntry, Redline, TorReport
from ledger.queries.decisions import DecisionReport
from ledger.queries.forward_plan import PendingDecision
from ledger.queries.log import LogEntry
from ledger.queries.meetings import MeetingSummary
from ledger.queries.members import MembersReport, MemberView

MEMBERSHIP = "membership."
RETRACTED = "event.retracted/v1"


class Problem(Protocol):
    """The first fault ``verify`` found."""

    @property
    def position(self) -> int: ...
    @property
    def what(self) -> str: ...


class Verified(Protocol):
    """What ``Ledger.verify`` answers."""

    @property
    def events(self) -> int: ...
    @property
    def head_position(self) -> int: ...
    @property
    def head_hash(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def first_problem(self) -> Problem | None: ...


class ReportSource(Protocol):
    """The reads of the ledger's API that the HTML report uses (``Ledger`` has them all)."""

    def head(self) -> tuple[int, str]: ...
    def head_recorded_at(self) -> datetime | None: ...
    def verify(self, *, progress: Callable[[int], None] | None = None) -> Verified: ...
    def checkpoints(self) -> list[CheckpointRecorded]: ...
    def bodies(
        self, on: date, *, known_at: datetime | None = None, include_dissolved: bool = False
    ) -> list[BodyState]: ...
    def tor(self, body: str, on: date, *, known_at: datetime | None = None) -> TorReport: ...
    def tor_diff(
        self, body: str, first: date, second: date, *, known_at: datetime | None = None
    ) -> Redline: ...
    def tor_history(self, body: str) -> list[HistoryEntry]: ...
    def members(
        self, body: str, on: date, *, known_at: datetime | None = None
    ) -> MembersReport: ...
    def log(
        self,
        *,
        body: str | None = None,
        effective_from: date | None = None,
        effective_to: date | None = None,
    ) -> list[LogEntry]: ...
    def meetings(
        self,
        body: str,
        *,
        first: date | None = None,
        last: date | None = None,
        known_at: datetime | None = None,
    ) -> list[MeetingSummary]: ...
    def meeting_record(self, meeting: str, *, known_at: datetime | None = None) -> MeetingState: ...
    def quorum(
        self, meeting: str, *, item: str | None = None, known_at: datetime | None = None
    ) -> QuorumResult: ...
    def decisions(
        self,
        body: str | None = None,
        first: date | None = None,
        last: date | None = None,
        *,
        known_at: datetime | None = None,
    ) -> list[DecisionReport]: ...
    def forward_plan(
        self, body: str | None = None, on: date | None = None, *, known_at: datetime | None = None
    ) -> list[PendingDecision]: ...
    def funds(
        self, body: str | None = None, on: date | None = None, *, known_at: datetime | None = None
    ) -> list[FundSummary]: ...
    def budget(self, fund: str, on: date, *, known_at: datetime | None = None) -> BudgetReport: ...
    def allocations(
        self, fund: str, on: date | None = None, *, known_at: datetime | None = None
    ) -> list[AllocationReport]: ...


@dataclass(frozen=True)
class Snapshot:
    """The moment a report is as at, and the period it covers."""

    position: int
    hash: str
    recorded_at: datetime | None  # the head's recorded time (None: an empty ledger)
    first: date | None
    last: date | None
    on: date  # the day the "in force" answers are for

    @property
    def before(self) -> date | None:
        """The day before the period begins (None: it begins with the record)."""
        return self.first - timedelta(days=1) if self.first is not None else None

    def covers(self, day: str | date) -> bool:
        return Selection(None, self.first, self.last).covers(
            day if isinstance(day, date) else date.fromisoformat(day[:10])
        )


def snapshot(source: ReportSource, selection: Selection) -> Snapshot:
    """The head, its recorded time, and the day the report's answers are for."""
    position, head_hash = source.head()
    recorded = source.head_recorded_at()
    today = recorded.date() if recorded is not None else (selection.last or date.min)
    on = selection.last or max(today, selection.first or today)
    return Snapshot(position, head_hash, recorded, selection.first, selection.last, on)


# --- terms of reference ---------------------------------------------------------------


@dataclass
class TorVersion:
    """The ToR as changed on one effective date in the period, and the redline from the
    version before (None: the first version, adopted whole)."""

    effective: str
    entries: list[HistoryEntry]
    redline: Redline | None
    previous: str | None


@dataclass
class TorPart:
    report: TorReport | None  # in force on the report's day (None: none was)
    history: list[HistoryEntry]  # every recorded change effective in the period
    versions: list[TorVersion]
    at_start: str | None  # the version in force when the period began


def _standing(entry: HistoryEntry) -> bool:
    return entry.status == "in force" or entry.status.startswith("corrects")


def tor_part(source: ReportSource, body: str, snap: Snapshot) -> TorPart:
    """The ToR in force, its recorded changes in the period and a redline per version."""
    known = snap.recorded_at
    try:
        report: TorReport | None = source.tor(body, snap.on, known_at=known)
    except NotFound:
        report = None
    try:
        history = source.tor_history(body)
    except NotFound:
        history = []
    if known is not None:
        moment = known.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        history = [h for h in history if h.recorded_at <= moment]
    dates = sorted({h.effective for h in history if _standing(h)})
    versions = []
    for index, day in enumerate(dates):
        if not snap.covers(day):
            continue
        previous = dates[index - 1] if index else None
        redline = (
            source.tor_diff(
                body, date.fromisoformat(previous), date.fromisoformat(day), known_at=known
            )
            if previous is not None
            else None
        )
        entries = [h for h in history if h.effective == day]
        versions.append(TorVersion(day, entries, redline, previous))
    before = snap.before
    earlier = [d for d in dates if before is not None and d <= before.isoformat()]
    return TorPart(
        report,
        [h for h in history if snap.covers(h.effective)],
        versions,
        earlier[-1] if earlier else None,
    )


# --- members --------------------------------------------------------------------------


@dataclass
class MembersPart:
    start: MembersReport | None  # the day before the period (None: it starts with the record)
    end: MembersReport
    joined: list[MemberView] = field(default_factory=list)
    left: list[MemberView] = field(default_factory=list)
    changed: list[tuple[MemberView, MemberView]] = field(default_factory=list)
    changes: list[LogEntry] = field(default_factory=list)  # each recorded change, dated


def _same_seat(a: MemberView, b: MemberView) -> bool:
    keep = ("representative", "substitute", "category", "offices", "votes", "counts")
    return all(getattr(a, name) == getattr(b, name) for name in keep)


def members_part(source: ReportSource, body: str, snap: Snapshot) -> MembersPart:
    """Who sat on the body at the start and the end of the period, and each change."""
    known = snap.recorded_at
    end = source.members(body, snap.on, known_at=known)
    before = snap.before
    start = source.members(body, before, known_at=known) if before is not None else None
    part = MembersPart(start, end)
    if start is not None:
        old = {m.member: m for m in start.members}
        new = {m.member: m for m in end.members}
        part.joined = [m for k, m in new.items() if k not in old]
        part.left = [m for k, m in old.items() if k not in new]
        part.changed = [
            (old[k], m) for k, m in new.items() if k in old and not _same_seat(old[k], m)
        ]
    entries = source.log(body=body, effective_from=snap.first, effective_to=snap.last)
    ids = {e.event_id for e in entries if e.topic.startswith(MEMBERSHIP)}
    part.changes = sorted(
        (
            e
            for e in entries
            if (e.position <= snap.position)
            and (e.topic.startswith(MEMBERSHIP) or (e.topic == RETRACTED and e.corrects in ids))
        ),
        key=lambda e: (e.effective, e.position),
    )
    return part


# --- meetings -------------------------------------------------------------------------


@dataclass
class QuorumPoint:
    item: str | None  # None: the start of the meeting
    title: str
    result: QuorumResult


@dataclass
class MeetingPart:
    summary: MeetingSummary
    record: MeetingState
    points: list[QuorumPoint]
    decided: list[str]  # the motions decided at it that the report lists


def meeting_parts(
    source: ReportSource,
    summaries: list[MeetingSummary],
    decisions: list[DecisionReport],
    snap: Snapshot,
) -> Iterator[MeetingPart]:
    """Each meeting with its attendance and the quorum at the start and at every item,
    read as the report is written (one meeting at a time)."""
    known = snap.recorded_at
    for summary in summaries:
        record = source.meeting_record(summary.id, known_at=known)
        points = [QuorumPoint(None, "At the start", source.quorum(summary.id, known_at=known))]
        for item in record.items:
            result = source.quorum(summary.id, item=item.item, known_at=known)
            points.append(QuorumPoint(item.item, item.title, result))
        decided = [d.motion for d in decisions if d.meeting == summary.id]
        yield MeetingPart(summary, record, points, decided)


# --- budget ---------------------------------------------------------------------------


@dataclass
class FundPart:
    summary: FundSummary
    budget: BudgetReport
    allocations: list[AllocationReport]


def fund_parts(source: ReportSource, body: str, snap: Snapshot) -> list[FundPart]:
    """The body's funds: the position per financial year and in total on the report's
    day, and every allocation with its balance and the decisions behind it."""
    known = snap.recorded_at
    return [
        FundPart(
            summary,
            source.budget(summary.fund.fund, snap.on, known_at=known),
            source.allocations(summary.fund.fund, snap.on, known_at=known),
        )
        for summary in source.funds(body, snap.on, known_at=known)
    ]


# --- the audit trail ------------------------------------------------------------------


@dataclass
class AuditPart:
    position: int
    hash: str
    recorded_at: datetime | None
    verified: Verified
    checkpoint: CheckpointRecorded | None  # the latest recorded, if any
    checkpoints: int


def audit_part(source: ReportSource, snap: Snapshot, progress: StageProgress) -> AuditPart:
    """The head, the chain recomputed from the stored events, the latest checkpoint."""
    recorded = source.checkpoints()
    advance = progress("verifying the audit chain", snap.position) if progress else None
    return AuditPart(
        snap.position,
        snap.hash,
        snap.recorded_at,
        source.verify(progress=advance),
        recorded[-1] if recorded else None,
        len(recorded),
    )
