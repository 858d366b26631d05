"""Meetings: scheduled, held, cancelled or dissolved for want of a quorum; their agenda
items; who attended each item and in what capacity; declarations of interest; and the
approval of the minutes at a later meeting.

A meeting's id is short and readable: the body and the date (``kcsp-wg-2024-07-04``),
with ``-2`` for a second meeting that day.  Every event of a meeting takes effect on the
meeting's date, except the approval of its minutes, which takes effect when approved.
Attendance recorded again for the same person replaces the earlier record (minutes are
corrected this way, with the authority of the meeting that approved them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar, Literal
from uuid import UUID

from msgspec.structs import replace
from pydantic import Field, field_validator, model_validator

from ledger.domain.body import body_history
from ledger.domain.body import state_on as body_on
from ledger.domain.commands import Command, Context, EffectiveCommand
from ledger.domain.errors import NotFound, RuleViolation
from ledger.domain.events import SLUG, Authority, LedgerEvent
from ledger.domain.history import History, in_force, register_checker
from ledger.domain.ids import aggregate_id

# Its state is defined apart from its events, with nothing of pydantic's, for the read
# path (ADR 0023); named here too, as before.
from ledger.domain.meeting_state import PRESENT as PRESENT
from ledger.domain.meeting_state import Attendance as Attendance
from ledger.domain.meeting_state import Interest as Interest
from ledger.domain.meeting_state import Item as Item
from ledger.domain.meeting_state import MeetingState as MeetingState
from ledger.domain.meeting_state import Status as Status
from ledger.domain.types import Flag, Name, Number, PersonName, Reason, Slug, Title

MEETING_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}-\d{4}-\d{2}-\d{2}(-\d+)?")


def _person_slug(value: str) -> str:
    if not SLUG.fullmatch(value):
        raise ValueError("a person id is lower-case letters, digits and hyphens, e.g. 's-brinson'")
    return value


def meeting_id(slug: str) -> UUID:
    return aggregate_id("meeting", slug)


class Classification(StrEnum):
    FOR_DECISION = "for-decision"
    FOR_INFORMATION = "for-information"
    FOR_NOTING = "for-noting"
    FOR_DISCUSSION = "for-discussion"


# --- events -----------------------------------------------------------------------


class MeetingEvent(LedgerEvent):
    meeting: Name


class MeetingScheduled(MeetingEvent):
    TOPIC: ClassVar[str] = "meeting.scheduled/v1"
    title: Name | None = None
    public: Flag = False

    def describe(self) -> str:
        return f"scheduled {self.meeting}" + (" (in public)" if self.public else "")


class MeetingHeld(MeetingEvent):
    TOPIC: ClassVar[str] = "meeting.held/v1"

    def describe(self) -> str:
        return f"{self.meeting} was held"


class MeetingCancelled(MeetingEvent):
    TOPIC: ClassVar[str] = "meeting.cancelled/v1"
    reason: Reason | None = None

    def describe(self) -> str:
        return f"{self.meeting} was cancelled" + (f": {self.reason}" if self.reason else "")


class MeetingDissolved(MeetingEvent):
    TOPIC: ClassVar[str] = "meeting.dissolved/v1"
    reason: Reason = "inquorate"

    def describe(self) -> str:
        return f"{self.meeting} was dissolved: {self.reason}"


class AgendaItemAdded(MeetingEvent):
    TOPIC: ClassVar[str] = "meeting.item-added/v1"
    item: Number
    title: Title
    paper: Title | None = None
    classification: Classification = Classification.FOR_INFORMATION
    financial: Flag = False

    def describe(self) -> str:
        return f"item {self.item} of {self.meeting}: {self.title} ({self.classification})"


class AttendanceRecorded(MeetingEvent):
    TOPIC: ClassVar[str] = "meeting.attendance/v1"
    person: Slug
    name: PersonName
    status: Status
    member: Slug | None = None
    substitute_for: Slug | None = None
    from_item: Number | None = None
    to_item: Number | None = None

    def describe(self) -> str:
        capacity = f" for {self.substitute_for}" if self.substitute_for else ""
        return f"{self.name}: {self.status}{capacity} at {self.meeting}"


class InterestDeclared(MeetingEvent):
    TOPIC: ClassVar[str] = "meeting.interest-declared/v1"
    person: Slug
    item: Number
    interest: Reason
    withdrew: Flag = False

    def describe(self) -> str:
        left = ", withdrew" if self.withdrew else ""
        return f"{self.person} declared an interest in item {self.item} of {self.meeting}{left}"


class MinutesApproved(MeetingEvent):
    TOPIC: ClassVar[str] = "meeting.minutes-approved/v1"
    approved_at: Name

    def describe(self) -> str:
        return f"minutes of {self.meeting} approved at {self.approved_at}"


def apply(state: MeetingState | None, event: LedgerEvent) -> MeetingState:
    if isinstance(event, MeetingScheduled):
        if state is not None:
            raise RuleViolation(f"{event.meeting} is already scheduled")
        assert event.body is not None
        return MeetingState(
            event.meeting, event.body, event.effective, event.title, event.public, "scheduled"
        )
    if state is None:
        raise RuleViolation(f"{getattr(event, 'meeting', '?')} has not been scheduled")
    if isinstance(event, MinutesApproved):
        if state.status not in ("held", "dissolved"):
            raise RuleViolation(f"{state.meeting} was not held, so it has no minutes to approve")
        return replace(state, minutes_approved_at=event.approved_at)
    if event.effective != state.day:
        raise RuleViolation(f"{state.meeting} took place on {state.day}, not {event.effective}")
    if isinstance(event, MeetingHeld | MeetingCancelled | MeetingDissolved):
        if state.status != "scheduled" and not (
            isinstance(event, MeetingDissolved) and state.status == "held"
        ):
            raise RuleViolation(f"{state.meeting} is already {state.status}")
        status = {MeetingHeld: "held", MeetingCancelled: "cancelled", MeetingDissolved: "dissolved"}
        return replace(state, status=status[type(event)], reason=getattr(event, "reason", None))
    if isinstance(event, AgendaItemAdded):
        if any(i.item == event.item for i in state.items):
            raise RuleViolation(f"{state.meeting} already has an item {event.item}")
        item = Item(
            event.item, event.title, event.paper, event.classification.value, event.financial
        )
        items = sorted((*state.items, item), key=lambda i: _natural(i.item))
        return replace(state, items=tuple(items))
    if isinstance(event, AttendanceRecorded):
        for bound in (event.from_item, event.to_item):
            if bound is not None:
                state.item_index(bound)
        record = Attendance(
            event.person,
            event.name,
            event.status.value,
            event.member,
            event.substitute_for,
            event.from_item,
            event.to_item,
        )
        others = tuple(a for a in state.attendance if a.person != event.person)
        return replace(state, attendance=(*others, record))
    if isinstance(event, InterestDeclared):
        state.item_index(event.item)
        interest = Interest(event.person, event.item, event.interest, event.withdrew)
        return replace(state, interests=(*state.interests, interest))
    raise RuleViolation(f"{event.TOPIC} does not apply to a meeting")


def _natural(number: str) -> tuple[tuple[int, int | str], ...]:
    """Agenda order: "2" before "10", "3.1" after "3"."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\s]+", number) if p)


def _stage(event: LedgerEvent) -> int:
    # The meeting first, then its agenda, then everything that refers to the agenda: a
    # corrected item keeps its place and what was said of it still finds it.
    if isinstance(event, MeetingScheduled):
        return 0
    return 1 if isinstance(event, AgendaItemAdded) else 2


def meeting_state(events: Sequence[LedgerEvent]) -> MeetingState | None:
    """The meeting as recorded by the in-force events."""
    state: MeetingState | None = None
    for event in sorted(events, key=lambda e: (_stage(e), e.originator_version)):
        state = apply(state, event)
    return state


def check_history(events: Sequence[LedgerEvent]) -> None:
    meeting_state(events)


register_checker("meeting.", check_history)


# --- commands ---------------------------------------------------------------------


class ScheduleMeeting(EffectiveCommand):
    """Schedule a meeting of a body; its id is the body and the date (YYYY-MM-DD)."""

    type: Literal["schedule-meeting"] = "schedule-meeting"
    body: str
    meeting: str | None = Field(default=None, description="Defaults to BODY-YYYY-MM-DD.")
    title: str | None = Field(default=None, max_length=300)
    public: Flag = False

    @model_validator(mode="after")
    def _id(self) -> ScheduleMeeting:
        if self.meeting is None:
            object.__setattr__(self, "meeting", f"{self.body}-{self.effective.isoformat()}")
        elif not MEETING_ID.fullmatch(self.meeting) or not self.meeting.startswith(
            f"{self.body}-{self.effective.isoformat()}"
        ):
            raise ValueError(
                f"a meeting id is BODY-YYYY-MM-DD[-N], e.g. {self.body}-{self.effective}"
            )
        return self


class _OfMeeting(Command):
    meeting: str = Field(description="The meeting id, e.g. kcsp-wg-2024-07-04.")


class MeetingOutcome(_OfMeeting):
    """Record that a meeting was held, cancelled, or dissolved for want of a quorum."""

    type: Literal["meeting-outcome"] = "meeting-outcome"
    outcome: Literal["held", "cancelled", "dissolved"]
    reason: str | None = Field(default=None, max_length=2000)


class AddAgendaItem(_OfMeeting):
    """Add an agenda item: number, title, paper and classification."""

    type: Literal["add-agenda-item"] = "add-agenda-item"
    item: str = Field(min_length=1, max_length=20)
    title: str = Field(min_length=1, max_length=500)
    paper: str | None = Field(default=None, max_length=500)
    classification: Classification = Classification.FOR_INFORMATION
    financial: Flag = Field(default=False, description="A decision about money.")


class RecordAttendance(_OfMeeting):
    """Record one person's attendance (again, to correct it)."""

    type: Literal["record-attendance"] = "record-attendance"
    person: str
    name: str = Field(min_length=1, max_length=200)
    status: Status
    member: str | None = Field(default=None, description="The seat they sit in.")
    substitute_for: str | None = Field(default=None, description="The member they stand in for.")
    from_item: str | None = Field(default=None, description="Arrived for this item.")
    to_item: str | None = Field(default=None, description="Left after this item.")

    _person = field_validator("person")(_person_slug)

    @model_validator(mode="after")
    def _capacity(self) -> RecordAttendance:
        if (self.status == Status.SUBSTITUTE) != (self.substitute_for is not None):
            raise ValueError("status 'substitute' goes with substitute_for, and only it")
        return self


class DeclareInterest(_OfMeeting):
    """Record a declaration of interest in an item, and whether they withdrew from it."""

    type: Literal["declare-interest"] = "declare-interest"
    person: str
    item: str
    interest: str = Field(min_length=1, max_length=2000)
    withdrew: Flag = False


class ApproveMinutes(_OfMeeting):
    """Record that a meeting's minutes were approved at a later meeting."""

    type: Literal["approve-minutes"] = "approve-minutes"
    approved_at: str = Field(description="The meeting that approved them.")


def _history(ctx: Context, meeting: str) -> tuple[History, MeetingState]:
    history = ctx.history(meeting_id(meeting))
    state = meeting_state(history.current())
    if state is None:
        raise NotFound(f"unknown meeting '{meeting}'")
    return history, state


def _recorded(
    ctx: Context,
    history: History,
    cls: type[LedgerEvent],
    effective: date,
    authority: Authority | None,
    **fields: Any,
) -> list[LedgerEvent]:
    event = ctx.new_event(cls, history, effective=effective, authority=authority, **fields)
    meeting_state(history.with_event(event))
    return [event]


def schedule_meeting(ctx: Context, cmd: ScheduleMeeting) -> list[LedgerEvent]:
    assert cmd.meeting is not None
    body = body_on(in_force(body_history(ctx, cmd.body).events), cmd.effective)
    if body is None or body.dissolved is not None:
        raise RuleViolation(f"body '{cmd.body}' does not exist on {cmd.effective}")
    history = ctx.history(meeting_id(cmd.meeting))
    if history.current():
        raise RuleViolation(f"meeting '{cmd.meeting}' is already scheduled")
    return _recorded(
        ctx,
        history,
        MeetingScheduled,
        cmd.effective,
        cmd.authority,
        body=cmd.body,
        meeting=cmd.meeting,
        title=cmd.title,
        public=cmd.public,
    )


def _on_meeting(
    ctx: Context, cmd: _OfMeeting, cls: type[LedgerEvent], **fields: Any
) -> list[LedgerEvent]:
    """An event about an existing meeting, effective on its date."""
    history, state = _history(ctx, cmd.meeting)
    return _recorded(
        ctx, history, cls, state.day, cmd.authority, body=state.body, meeting=cmd.meeting, **fields
    )


def meeting_outcome(ctx: Context, cmd: MeetingOutcome) -> list[LedgerEvent]:
    cls: dict[str, type[LedgerEvent]] = {
        "held": MeetingHeld,
        "cancelled": MeetingCancelled,
        "dissolved": MeetingDissolved,
    }
    if cmd.outcome == "held" and cmd.reason:
        raise RuleViolation("a reason goes with a cancelled or dissolved meeting, not a held one")
    fields = {"reason": cmd.reason} if cmd.reason else {}
    return _on_meeting(ctx, cmd, cls[cmd.outcome], **fields)


def add_agenda_item(ctx: Context, cmd: AddAgendaItem) -> list[LedgerEvent]:
    return _on_meeting(
        ctx,
        cmd,
        AgendaItemAdded,
        item=cmd.item,
        title=cmd.title,
        paper=cmd.paper,
        classification=cmd.classification,
        financial=cmd.financial,
    )


def record_attendance(ctx: Context, cmd: RecordAttendance) -> list[LedgerEvent]:
    return _on_meeting(
        ctx,
        cmd,
        AttendanceRecorded,
        person=cmd.person,
        name=cmd.name,
        status=cmd.status,
        member=cmd.member,
        substitute_for=cmd.substitute_for,
        from_item=cmd.from_item,
        to_item=cmd.to_item,
    )


def declare_interest(ctx: Context, cmd: DeclareInterest) -> list[LedgerEvent]:
    return _on_meeting(
        ctx,
        cmd,
        InterestDeclared,
        person=cmd.person,
        item=cmd.item,
        interest=cmd.interest,
        withdrew=cmd.withdrew,
    )


def approve_minutes(ctx: Context, cmd: ApproveMinutes) -> list[LedgerEvent]:
    history, state = _history(ctx, cmd.meeting)
    _, approving = _history(ctx, cmd.approved_at)  # is it later, and held? guards.py
    authority = cmd.authority or Authority(meeting=cmd.approved_at)
    return _recorded(
        ctx,
        history,
        MinutesApproved,
        approving.day,
        authority,
        body=state.body,
        meeting=cmd.meeting,
        approved_at=cmd.approved_at,
    )
