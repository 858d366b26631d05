"""Popolo motions and vote events: each motion moved at an agenda item, and the
decision on it (how it was decided, the result, the counts and each recorded vote).

A vote event stands for the meeting's disposal of a motion: carried or lost on a vote,
agreed by consensus or by the chair, or noted.  A motion deferred, withdrawn or not yet
decided has a motion and no vote event.  The seconder, amendments, elections, the
casting vote, the resolution and the ledger's findings on whether the decision was
validly made are extensions (``extra``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from msgspec.structs import asdict

from ledger.domain.decision import MotionDecided, MotionProposed
from ledger.domain.history import Segment
from ledger.domain.meeting import Attendance
from ledger.domain.membership import Seat
from ledger.domain.votes import Outcome
from ledger.interchange.export.popolo.common import (
    People,
    body_id,
    compact,
    item_event_id,
    meeting_event_id,
    motion_id,
    organisation_id,
    recorded,
    seat_post_id,
    vote_event_id,
)
from ledger.queries.decisions import DecisionReport
from ledger.queries.timelines import MembershipTimeline, RecordedEvent

# Popolo's results are pass and fail; the ledger's other outcomes keep their own words.
RESULTS = {
    Outcome.CARRIED.value: "pass",
    Outcome.AGREED.value: "pass",
    Outcome.LOST.value: "fail",
}
DISPOSED = (Outcome.CARRIED, Outcome.LOST, Outcome.AGREED, Outcome.NOTED)
"""The outcomes that are a decision of the meeting, each with its vote event."""


def result(outcome: str | None) -> str | None:
    return RESULTS.get(outcome, outcome) if outcome is not None else None


def has_vote_event(report: DecisionReport) -> bool:
    return report.outcome in DISPOSED


class Seating:
    """Which seat a voter sat for, and its organisation (the vote's ``group_id``)."""

    def __init__(self, timeline: MembershipTimeline) -> None:
        self.body = timeline.body
        self.organisations: set[str] = set()  # every voter's organisation found
        self._seats: dict[str, list[Segment[Seat]]] = {}
        for segment in timeline.seats:
            self._seats.setdefault(segment.state.member, []).append(segment)

    def seat(self, member: str, day: date) -> Seat | None:
        return next(
            (
                s.state
                for s in self._seats.get(member, [])
                if s.valid_from <= day and (s.valid_to is None or day < s.valid_to)
            ),
            None,
        )

    def represented_by(self, person: str, day: date) -> Seat | None:
        """The seat ``person`` represents on ``day`` (the first by member id, as the
        ledger's own reading takes it)."""
        for member in sorted(self._seats):
            seat = self.seat(member, day)
            if seat is not None and seat.representative and seat.representative.person == person:
                return seat
        return None

    def voter_seat(self, vote: dict[str, Any], record: Attendance | None, day: date) -> Seat | None:
        """The seat given with the vote; else the one the attendance names (covered as
        substitute, or sat for); else the one the voter represents that day."""
        member = vote.get("seat") or (
            (record.substitute_for or record.member) if record is not None else None
        )
        seat = self.seat(member, day) if member else self.represented_by(vote["person"], day)
        if seat is not None and seat.organisation is not None:
            self.organisations.add(seat.organisation)
        return seat


def motion_item(
    report: DecisionReport, events: Sequence[RecordedEvent], people: People
) -> dict[str, Any]:
    """A motion: its text, mover, date, the majority it needed and its result."""
    election = report.election
    classification = "election" if election else ("amendment" if report.amends else None)
    return compact(
        {
            "id": motion_id(report.motion),
            "organization_id": body_id(report.body),
            "legislative_session_id": meeting_event_id(report.meeting),
            "creator_id": people.note(report.mover),
            "text": report.text,
            "classification": classification,
            "date": report.date,
            "requirement": report.requirement,
            "result": result(report.outcome),
            "extra": compact(
                {
                    "agenda_item_id": item_event_id(report.meeting, report.item),
                    "seconder_id": people.note(report.seconder) if report.seconder else None,
                    "amends_id": motion_id(report.amends) if report.amends else None,
                    "key_decision": report.key_decision,
                    "requirement_source": report.requirement_source,
                    "election": (
                        compact(
                            {
                                "office": election["office"],
                                "candidate_ids": people.note_all(election["candidates"]),
                                "term_end": election.get("term_end"),
                            }
                        )
                        if election
                        else None
                    ),
                    "recorded": recorded(r for r in events if isinstance(r.event, MotionProposed)),
                }
            ),
        }
    )


def vote_event_item(
    report: DecisionReport,
    events: Sequence[RecordedEvent],
    attendance: dict[str, Attendance],
    seating: Seating,
    people: People,
) -> dict[str, Any]:
    """The decision on a motion: how it was taken, its result, the counts by option
    (in a contested election, by candidate), each recorded vote with the voter's
    organisation as its group, and the ledger's findings on its validity."""
    ident = vote_event_id(report.motion)
    day = date.fromisoformat(report.date)
    votes = []
    for vote in report.votes:
        seat = seating.voter_seat(vote, attendance.get(vote["person"]), day)
        votes.append(
            compact(
                {
                    "vote_event_id": ident,
                    "voter_id": people.note(vote["person"]),
                    "option": vote["option"],
                    "group_id": (
                        organisation_id(seat.organisation) if seat and seat.organisation else None
                    ),
                    "extra": compact(
                        {
                            "seat_id": seat_post_id(seating.body, seat.member) if seat else None,
                            "candidate_id": (
                                people.note(vote["candidate"]) if vote.get("candidate") else None
                            ),
                        }
                    ),
                }
            )
        )
    if report.tallies:
        counts = [
            {"option": people.note(candidate), "value": n}
            for candidate, n in report.tallies.items()
        ]
    else:
        counts = [{"option": k, "value": v} for k, v in (report.counts or {}).items()]
    casting = report.casting
    return compact(
        {
            "id": ident,
            "motion_id": motion_id(report.motion),
            "organization_id": body_id(report.body),
            "legislative_session_id": meeting_event_id(report.meeting),
            "classification": report.method,
            "start_date": report.date,
            "result": result(report.outcome),
            "counts": counts,
            "votes": votes,
            "extra": compact(
                {
                    "outcome": report.outcome,
                    "resolution": report.resolution,
                    "takes_effect": report.takes_effect,
                    "published": report.published,
                    "reasons": report.reasons,
                    "alternatives": report.alternatives,
                    "interests": report.interests,
                    "dispensation_ids": people.note_all(report.dispensations),
                    "casting_vote": (
                        {"voter_id": people.note(casting["person"]), "option": casting["option"]}
                        if casting
                        else None
                    ),
                    "elected_id": people.note(report.elected) if report.elected else None,
                    "validity": _validity(report, people),
                    "authorised": report.authorised,
                    "recorded": recorded(r for r in events if isinstance(r.event, MotionDecided)),
                }
            ),
        }
    )


def _validity(report: DecisionReport, people: People) -> dict[str, Any]:
    """Whether the decision was validly made under the rules in force that day, and why
    not: each finding names its check, its rule and the people it concerns."""
    findings = []
    for finding in report.findings:
        found = asdict(finding)
        found["person_ids"] = people.note_all(found.pop("people"))
        findings.append(found)
    return compact(
        {
            "valid": report.valid,
            "quorate": report.quorate,
            "arithmetic": report.arithmetic,
            "findings": findings,
        }
    )
