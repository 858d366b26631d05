"""Popolo events: each meeting, and each of its agenda items as an event whose
``parent_id`` is the meeting's.  Attendees are the people in the room (for an item:
at that item); everyone whose attendance was recorded, with their status and the seat
they sat for, is an extension (``extra.attendance``), as are the papers and interests."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ledger.domain.meeting import (
    PRESENT,
    AgendaItemAdded,
    Attendance,
    InterestDeclared,
    MeetingState,
)
from ledger.interchange.export.popolo.common import (
    People,
    body_id,
    compact,
    item_event_id,
    meeting_event_id,
    person_id,
    recorded,
    seat_post_id,
)
from ledger.queries.timelines import RecordedEvent


def meeting_items(
    meeting: MeetingState, body_name: str, events: Sequence[RecordedEvent], people: People
) -> Iterator[dict[str, Any]]:
    """The meeting's event, then one event per agenda item in the agenda's order."""
    day = meeting.day
    for a in meeting.attendance:
        people.note(a.person, a.name, day)
    itemised = (AgendaItemAdded, InterestDeclared)
    yield compact(
        {
            "id": meeting_event_id(meeting.meeting),
            "name": meeting.title or f"{body_name}, {day.isoformat()}",
            "classification": "meeting",
            "start_date": day.isoformat(),
            "status": meeting.status,
            "organization_id": body_id(meeting.body),
            "attendees": [_attendee(a) for a in meeting.attendance if a.status in PRESENT],
            "extra": compact(
                {
                    "public": meeting.public,
                    "reason": meeting.reason,
                    "minutes_approved_at_id": (
                        meeting_event_id(meeting.minutes_approved_at)
                        if meeting.minutes_approved_at
                        else None
                    ),
                    "attendance": [_attendance(meeting.body, a) for a in meeting.attendance],
                    "recorded": recorded(r for r in events if not isinstance(r.event, itemised)),
                }
            ),
        }
    )
    for item in meeting.items:
        interests = [i for i in meeting.interests if i.item == item.item]
        yield compact(
            {
                "id": item_event_id(meeting.meeting, item.item),
                "name": item.title,
                "classification": "agenda item",
                "start_date": day.isoformat(),
                "organization_id": body_id(meeting.body),
                "parent_id": meeting_event_id(meeting.meeting),
                "attendees": [
                    _attendee(a) for a in meeting.attendance if meeting.present_at(a, item.item)
                ],
                "extra": compact(
                    {
                        "number": item.item,
                        "paper": item.paper,
                        "classification": item.classification,
                        "financial": item.financial,
                        "interests": [
                            {
                                "person_id": people.note(i.person),
                                "interest": i.interest,
                                "withdrew": i.withdrew,
                            }
                            for i in interests
                        ],
                        "recorded": recorded(
                            r
                            for r in events
                            if isinstance(r.event, itemised) and r.event.item == item.item
                        ),
                    }
                ),
            }
        )


def _attendee(record: Attendance) -> dict[str, Any]:
    """An attendee as Popolo embeds one: an abbreviated person."""
    return {"id": person_id(record.person), "name": record.name}


def _attendance(body: str, record: Attendance) -> dict[str, Any]:
    return compact(
        {
            "person_id": person_id(record.person),
            "name": record.name,
            "status": record.status,
            "seat_id": seat_post_id(body, record.member) if record.member else None,
            "substitute_for_id": (
                seat_post_id(body, record.substitute_for) if record.substitute_for else None
            ),
            "from_item": record.from_item,
            "to_item": record.to_item,
        }
    )
