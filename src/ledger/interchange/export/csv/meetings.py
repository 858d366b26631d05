"""The files of meetings and decisions: meetings (with their quorum), agenda items,
attendance, declarations of interest, decisions (with their validity) and votes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.domain.meeting import Attendance, Classification, Interest, Item, MeetingState, Status
from ledger.domain.motion_state import How, MotionState, Option, Outcome, Vote
from ledger.domain.quorum import QuorumResult
from ledger.domain.validity import Finding
from ledger.interchange.export.csv.columns import Column, Table, joined, one_of
from ledger.queries.decisions import DecisionReport


@dataclass(frozen=True)
class MeetingRow:
    meeting: MeetingState
    quorum: QuorumResult


@dataclass(frozen=True)
class ItemRow:
    meeting: MeetingState
    item: Item


@dataclass(frozen=True)
class AttendanceRow:
    meeting: MeetingState
    record: Attendance


@dataclass(frozen=True)
class InterestRow:
    meeting: MeetingState
    interest: Interest


@dataclass(frozen=True)
class VoteRow:
    motion: MotionState
    vote: Vote


def _of_meeting(what: str) -> tuple[Column[Any], ...]:
    return (
        Column("meeting", "id", f"The meeting {what}.", lambda r: r.meeting.meeting),
        Column("body", "id", "The body that met.", lambda r: r.meeting.body),
        Column("date", "date", "The meeting's date.", lambda r: r.meeting.day.isoformat()),
    )


def _present(state: MeetingState) -> int:
    return sum(1 for a in state.attendance if state.present_at(a, None))


def _requirements(result: QuorumResult) -> str | None:
    return joined(
        f"{r.requirement}: {r.have} of {r.need}{' (met)' if r.met else ' (NOT met)'}"
        for r in result.requirements
    )


MEETINGS: Table[MeetingRow] = Table(
    "meetings.csv",
    "meeting of a body, with its quorum at the start",
    (
        *_of_meeting("id"),
        Column("title", "text", "Its title, if any.", lambda r: r.meeting.title),
        Column("public", "flag", "Whether it was held in public.", lambda r: r.meeting.public),
        Column(
            "status",
            "text",
            "scheduled, held, cancelled or dissolved (for want of a quorum).",
            lambda r: r.meeting.status,
        ),
        Column(
            "reason",
            "text",
            "Why it was cancelled or dissolved, if recorded.",
            lambda r: r.meeting.reason,
        ),
        Column(
            "items",
            "number",
            "How many agenda items it had (see agenda.csv).",
            lambda r: len(r.meeting.items),
        ),
        Column(
            "present",
            "number",
            "How many people were in the room at the start (see attendance.csv).",
            lambda r: _present(r.meeting),
        ),
        Column(
            "quorate",
            "flag",
            "Whether it was quorate at the start under the rule in force that day "
            "(empty: no quorum rule, or nothing to judge).",
            lambda r: r.quorum.quorate,
        ),
        Column(
            "quorum_rule", "text", "The quorum rule in force that day.", lambda r: r.quorum.rule
        ),
        Column(
            "quorum_section", "id", "The ToR section that sets it.", lambda r: r.quorum.rule_section
        ),
        Column(
            "seats_counted",
            "number",
            "How many seats counted towards quorum at the start.",
            lambda r: len(r.quorum.counted),
        ),
        Column(
            "quorum_requirements",
            "list",
            "Each requirement of the rule: what it asks, how many it had of how many it "
            "needed, met or not.",
            lambda r: _requirements(r.quorum),
        ),
        Column(
            "quorum_note", "text", "Anything else the quorum check found.", lambda r: r.quorum.note
        ),
        Column(
            "minutes_approved_at",
            "text",
            "The meeting at which its minutes were approved, if they were.",
            lambda r: r.meeting.minutes_approved_at,
        ),
    ),
)

AGENDA: Table[ItemRow] = Table(
    "agenda.csv",
    "agenda item of a meeting",
    (
        *_of_meeting("it is on"),
        Column("item", "text", "The item's number.", lambda r: r.item.item),
        Column("title", "text", "Its title.", lambda r: r.item.title),
        Column("paper", "text", "The paper for it, if any.", lambda r: r.item.paper),
        Column(
            "classification", "id", one_of(Classification) + ".", lambda r: r.item.classification
        ),
        Column(
            "financial", "flag", "Whether it is a financial decision.", lambda r: r.item.financial
        ),
    ),
)

ATTENDANCE: Table[AttendanceRow] = Table(
    "attendance.csv",
    "person's attendance at a meeting (from one item to another, if not all of it)",
    (
        *_of_meeting("attended"),
        Column("person", "id", "The person's id.", lambda r: r.record.person),
        Column("name", "text", "Their name, as recorded.", lambda r: r.record.name),
        Column("status", "id", one_of(Status) + ".", lambda r: r.record.status),
        Column("seat", "id", "The seat they attended for, if recorded.", lambda r: r.record.member),
        Column(
            "substitute_for",
            "id",
            "The seat they stood in for, as a substitute.",
            lambda r: r.record.substitute_for,
        ),
        Column(
            "from_item",
            "text",
            "The item at which they arrived (empty: the start).",
            lambda r: r.record.from_item,
        ),
        Column(
            "to_item",
            "text",
            "The last item they were there for (empty: the end).",
            lambda r: r.record.to_item,
        ),
    ),
)

INTERESTS: Table[InterestRow] = Table(
    "interests.csv",
    "declaration of interest at a meeting",
    (
        *_of_meeting("it was declared at"),
        Column("person", "id", "Who declared it.", lambda r: r.interest.person),
        Column("item", "text", "The agenda item it concerns.", lambda r: r.interest.item),
        Column("interest", "text", "The interest declared.", lambda r: r.interest.interest),
        Column(
            "withdrew",
            "flag",
            "Whether they withdrew from the item.",
            lambda r: r.interest.withdrew,
        ),
    ),
)


def _finding(f: Finding) -> str:
    people = f" ({', '.join(f.people)})" if f.people else ""
    return f"{f.check} [{f.rule}]: {f.message}{people}"


def _count(report: DecisionReport, key: str) -> int | None:
    return report.counts.get(key) if report.counts is not None else None


def _casting(report: DecisionReport, key: str) -> str | None:
    return report.casting.get(key) if report.casting is not None else None


def _election(report: DecisionReport, key: str) -> Any:
    return report.election.get(key) if report.election is not None else None


DECISIONS: Table[DecisionReport] = Table(
    "decisions.csv",
    "motion and its decision, with whether it was validly made and why not",
    (
        Column("motion", "id", "The motion's id."),
        Column("body", "id", "The body that decided it."),
        Column("meeting", "id", "The meeting it was decided at."),
        Column("date", "date", "The meeting's date."),
        Column("item", "text", "The agenda item."),
        Column("item_title", "text", "The agenda item's title."),
        Column("text", "text", "The motion as moved."),
        Column("mover", "id", "Who moved it."),
        Column("seconder", "id", "Who seconded it, if anyone."),
        Column("amends", "id", "The motion it amends, if it is an amendment."),
        Column("key_decision", "flag", "Whether it is a key decision."),
        Column("outcome", "id", one_of(Outcome) + " (empty: not yet decided)."),
        Column("method", "id", "How it was decided: " + one_of(How) + "."),
        Column(
            "votes_for",
            "number",
            "Votes for (given, or the recorded votes added up).",
            lambda r: _count(r, "yes"),
        ),
        Column("votes_against", "number", "Votes against.", lambda r: _count(r, "no")),
        Column("abstentions", "number", "Abstentions.", lambda r: _count(r, "abstain")),
        Column(
            "recorded_votes",
            "number",
            "How many people's votes are recorded (votes.csv).",
            lambda r: len(r.votes),
        ),
        Column(
            "casting_vote_by",
            "id",
            "Who gave a casting vote on a tie, if anyone.",
            lambda r: _casting(r, "person"),
        ),
        Column(
            "casting_vote", "id", "Their casting vote: yes or no.", lambda r: _casting(r, "option")
        ),
        Column(
            "election_office",
            "text",
            "In an election: the office.",
            lambda r: _election(r, "office"),
        ),
        Column(
            "candidates",
            "list",
            "In an election: the candidates (space-separated).",
            lambda r: joined(_election(r, "candidates") or (), " "),
        ),
        Column("elected", "id", "In an election: who was elected."),
        Column(
            "tallies",
            "list",
            "In a contested election: each candidate's votes.",
            lambda r: joined(f"{c}: {n}" for c, n in r.tallies.items()),
        ),
        Column("resolution", "text", "The resolution, as minuted."),
        Column("takes_effect", "date", "When the decision takes effect, if not at once."),
        Column("published", "date", "When the decision was published."),
        Column("reasons", "text", "The reasons given for it."),
        Column("alternatives", "text", "The alternatives considered."),
        Column("interests", "text", "Interests declared on it, as minuted."),
        Column(
            "dispensations",
            "list",
            "Who had a dispensation to take part (space-separated).",
            lambda r: joined(r.dispensations, " "),
        ),
        Column("requirement", "text", "The majority it needed."),
        Column(
            "requirement_source",
            "text",
            "Where that comes from: the motion, a ToR section's id, or common-law.",
        ),
        Column("quorate", "flag", "Whether the item was quorate (empty: not on the agenda)."),
        Column("arithmetic", "text", "The vote's arithmetic against the requirement."),
        Column(
            "valid",
            "flag",
            "Whether it was validly made under the rules in force that day, as known.",
        ),
        Column(
            "findings",
            "list",
            "Each reason it was not: check [rule]: message (people).",
            lambda r: joined(_finding(f) for f in r.findings),
        ),
        Column(
            "authorised",
            "list",
            "What the record holds on its authority (event summaries).",
            lambda r: joined(r.authorised),
        ),
    ),
)

VOTES: Table[VoteRow] = Table(
    "votes.csv",
    "person's recorded vote on a motion",
    (
        Column("motion", "id", "The motion voted on.", lambda r: r.motion.motion),
        Column("body", "id", "The body.", lambda r: r.motion.body),
        Column("meeting", "id", "The meeting.", lambda r: r.motion.meeting),
        Column("date", "date", "The meeting's date.", lambda r: r.motion.day.isoformat()),
        Column("item", "text", "The agenda item.", lambda r: r.motion.item),
        Column("person", "id", "Who voted.", lambda r: r.vote.person),
        Column(
            "seat",
            "id",
            "The seat they voted for, if recorded (their own, or one they covered as substitute).",
            lambda r: r.vote.seat,
        ),
        Column("vote", "id", one_of(Option) + ".", lambda r: r.vote.option),
        Column(
            "candidate",
            "id",
            "In a contested election: the candidate voted for.",
            lambda r: r.vote.candidate,
        ),
    ),
)
