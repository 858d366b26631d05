"""Was a decision validly made under the rules in force that day, and why not?

Computed, never stored: from the motion, the meeting, the membership on its date, the
terms of reference in force and the quorum at the item, all as known at one moment.
Each finding names the rule it applies (the ToR section that carries it, or the
general rule of meetings it rests on) and the people it concerns.  No finding: valid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from msgspec import Struct, field

from ledger.domain.eligibility import Eligibility, may_vote
from ledger.domain.meeting_state import Attendance, MeetingState, Status
from ledger.domain.membership_state import MembershipState, Seat
from ledger.domain.motion_state import VOTES, DecisionState, MotionState
from ledger.domain.quorum import QuorumResult
from ledger.domain.rule_kinds import Base, CastingVote, DecisionMethod, InterestsExclude, Method

# The general rules of meetings a finding rests on when no ToR section states one.
PRESENCE = "presence"  # who moves, seconds and votes is in the room for the item
MEETING = "meeting"  # business is done only at a meeting held
DEFAULT = "common-law"  # a simple majority of those present and voting
OFFICE = "office"  # an office of a body is held by one of its members
CAST = ("yes", "no", "abstain")
UNRECORDED = "unrecorded"  # the status of a meeting whose own record was retracted


class Finding(Struct, frozen=True):
    """One reason the decision was not validly made."""

    # quorum | interest | presence | votes | vote | outcome | casting | meeting | pending
    check: str
    rule: str  # the ToR section id, or the general rule (presence, meeting, common-law)
    people: tuple[str, ...]
    message: str


class Requirement(Struct):
    """The majority the motion needed, and where that comes from."""

    rule: DecisionMethod
    source: str  # "motion", a ToR section id, or "common-law"

    def describe(self) -> str:
        return self.rule.describe()


class Validity(Struct):
    """What a decision needed, the findings against it, and its arithmetic."""

    requirement: Requirement
    findings: list[Finding] = field(default_factory=list)
    arithmetic: str | None = None

    @property
    def valid(self) -> bool:
        return not self.findings


def requirement_for(motion: MotionState, sections: Sequence[Any]) -> Requirement:
    """The motion's own requirement, else the ToR's decision method, else the default."""
    if motion.requirement is not None:
        return Requirement(motion.requirement, "motion")
    for section in sections:
        for rule in section.rules:
            if isinstance(rule, DecisionMethod):
                return Requirement(rule, section.id)
    return Requirement(DecisionMethod(method=Method.SIMPLE_MAJORITY), DEFAULT)


def _rule_in(sections: Sequence[Any], kind: type) -> tuple[Any, str] | None:
    for section in sections:
        for rule in section.rules:
            if isinstance(rule, kind):
                return rule, section.id
    return None


def _records(meeting: MeetingState, person: str) -> Attendance | None:
    return meeting.record_of(person)


def _absence(meeting: MeetingState, person: str, item: str) -> str | None:
    """Why ``person`` was not in the room for ``item`` (None: they were)."""
    record = _records(meeting, person)
    if record is None:
        return f"is not recorded at {meeting.meeting}"
    if record.status == Status.APOLOGIES:
        return "sent apologies"
    if not meeting.present_at(record, item):
        return (
            f"was {record.status}"
            if record.status not in ("present", "substitute")
            else (f"was not in the room at item {item}")
        )
    if any(i.person == person and i.item == item and i.withdrew for i in meeting.interests):
        return f"withdrew from item {item} for a declared interest"
    return None


def _seat(record: Attendance, membership: MembershipState) -> Seat | None:
    if record.status == Status.SUBSTITUTE and record.substitute_for:
        return membership.seat(record.substitute_for)
    if record.member:
        return membership.seat(record.member)
    return membership.seat_of(record.person)


def assess(
    motion: MotionState,
    meeting: MeetingState,
    membership: MembershipState,
    sections: Sequence[Any],
    quorum: QuorumResult | None,
    eligibility: Eligibility | None,
) -> Validity:
    """Every finding against ``motion``'s decision (the arithmetic shown, where a vote);
    ``quorum`` is the quorum at its item, None if the item is no longer on the agenda."""
    result = Validity(requirement_for(motion, sections))
    decision = motion.decision
    if meeting.status == UNRECORDED:
        message = f"the meeting {meeting.meeting} is not (or is no longer) recorded"
        result.findings.append(Finding("meeting", MEETING, (), message))
        return result
    if quorum is None:
        # The agenda was corrected after the motion was recorded.
        message = f"{meeting.meeting} has no agenda item {motion.item} (any longer)"
        result.findings.append(Finding("meeting", MEETING, (), message))
        return result
    if decision is None:
        result.findings.append(Finding("pending", MEETING, (), "no outcome is recorded yet"))
        return result
    if meeting.status in ("cancelled", "dissolved"):
        why = f" ({meeting.reason})" if meeting.reason else ""
        result.findings.append(
            Finding(
                "meeting",
                MEETING,
                (),
                f"{meeting.meeting} was {meeting.status}{why}: no decision can be made at it",
            )
        )
    if decision.outcome not in ("carried", "lost", "agreed"):
        return result  # noted, deferred, withdrawn: nothing was decided
    found = result.findings
    if quorum.quorate is False:
        missing = "; ".join(r.missing for r in quorum.requirements if r.missing)
        found.append(
            Finding(
                "quorum",
                quorum.rule_section or "quorum",
                tuple(c.person for c in quorum.counted),
                f"item {motion.item} was inquorate when decided: {missing}",
            )
        )
    roles: list[tuple[str, str | None]] = [("mover", motion.mover), ("seconder", motion.seconder)]
    for role, person in roles:
        away = _absence(meeting, person, motion.item) if person else None
        if away is not None and person is not None:
            found.append(Finding("presence", PRESENCE, (person,), f"the {role}, {person}, {away}"))
    found += _interests(motion, meeting, decision, sections)
    found += _votes(motion, meeting, membership, decision, eligibility)
    found += _casting(motion, meeting, membership, decision, sections)
    found += _elected(motion, meeting, membership, decision)
    if motion.election is not None and len(motion.election.candidates) > 1:
        _contest(result, motion, membership, decision, eligibility)
    else:
        _outcome(result, motion, membership, decision, eligibility, sections)
    return result


def _elected(
    motion: MotionState, meeting: MeetingState, membership: MembershipState, decision: DecisionState
) -> list[Finding]:
    """Who was elected sits on the body that day, for a seat or as a named substitute."""
    person = decision.elected
    if person is None or motion.election is None:
        return []
    sits = membership.seat_of(person) is not None or any(
        s.substitute is not None and s.substitute.person == person for s in membership.seats
    )
    if sits:
        return []
    office = motion.election.office
    return [
        Finding(
            "elected",
            OFFICE,
            (person,),
            f"{person} was elected {office} but is not a member of {meeting.body} on {meeting.day}",
        )
    ]


def _contest(
    result: Validity,
    motion: MotionState,
    membership: MembershipState,
    decision: DecisionState,
    eligibility: Eligibility | None,
) -> None:
    """A contested election: who had the most votes, and did they have the majority the
    requirement asks (of those voting for a candidate, or of the whole membership)."""
    assert motion.election is not None
    if decision.method not in VOTES:
        return
    votes = dict.fromkeys(motion.election.candidates, 0)
    abstain = 0
    if decision.tallies:
        for t in decision.tallies:
            votes[t.candidate] = t.votes
    else:
        for v in decision.votes:
            if v.option == "yes" and v.candidate is not None:
                votes[v.candidate] += 1
            abstain += v.option == "abstain"
    rule = result.requirement.rule
    method = (
        rule.method
        if rule.method != Method.CONSENSUS
        else (rule.fallback or Method.SIMPLE_MAJORITY)
    )
    cast = sum(votes.values())
    if rule.base() == Base.MEMBERSHIP:
        whole, base = _voting_seats(membership, eligibility), "the whole membership"
    else:
        whole, base = cast, "those present and voting"
    need, name = _need(method, rule, whole)
    ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{c} {n}" for c, n in ranked)
    abstaining = f", {abstain} abstaining" if abstain else ""
    result.arithmetic = (
        f"{shown}{abstaining} ({cast} voting for a candidate): {name} of {base} needs {need}"
    )
    top = ranked[0][1]
    leaders = [c for c, n in ranked if n == top]
    elected = decision.elected
    if elected is None:
        return
    if votes.get(elected, 0) < top:
        why = f"{leaders[0]} had the most votes"
    elif len(leaders) > 1:
        why = (
            f"{' and '.join(leaders)} tied: a further ballot (or lot, if the rules say so) decides"
        )
    elif top < need:
        why = f"no candidate had {need}: a further ballot is needed"
    else:
        return
    result.findings.append(
        Finding(
            "outcome",
            result.requirement.source,
            (elected,),
            f"{elected} is recorded as elected, but {result.arithmetic}: {why}",
        )
    )


def _interests(
    motion: MotionState, meeting: MeetingState, decision: DecisionState, sections: Sequence[Any]
) -> list[Finding]:
    found: list[Finding] = []
    rule = _rule_in(sections, InterestsExclude)
    item = next(i for i in meeting.items if i.item == motion.item)
    applies = rule is not None and (not rule[0].financial_only or item.financial)
    section = rule[1] if rule is not None else PRESENCE
    voters = {v.person for v in decision.votes if v.option in CAST}
    took_part = voters | {p for p in (motion.mover, motion.seconder) if p}
    for interest in meeting.interests:
        person = interest.person
        if interest.item != motion.item or person in decision.dispensations:
            continue
        if interest.withdrew and person in voters:
            found.append(
                Finding(
                    "interest",
                    section,
                    (person,),
                    f"{person} declared an interest in item {motion.item} and withdrew, "
                    "yet is recorded as voting",
                )
            )
        elif not interest.withdrew and applies:
            scope = "a financial item" if item.financial else "the item"
            record = _records(meeting, person)
            in_room = record is not None and meeting.present_at(record, motion.item)
            if person in took_part or (not decision.votes and in_room):
                part = "voted" if person in voters else "took part"
                found.append(
                    Finding(
                        "interest",
                        section,
                        (person,),
                        f"{person} declared an interest in {scope} ({interest.interest}) "
                        f"and {part} without withdrawing or a dispensation",
                    )
                )
    return found


def _votes(
    motion: MotionState,
    meeting: MeetingState,
    membership: MembershipState,
    decision: DecisionState,
    eligibility: Eligibility | None,
) -> list[Finding]:
    found: list[Finding] = []
    section = eligibility[1] if eligibility is not None else PRESENCE
    counts = decision.tally()
    eligible = _entitled(meeting, membership, motion.item, eligibility)
    if counts is not None and decision.method in VOTES:
        cast = counts.yes + counts.no + counts.abstain
        if cast > len(eligible):
            found.append(
                Finding(
                    "votes",
                    section,
                    (),
                    f"{cast} votes were cast but only {len(eligible)} members entitled to vote "
                    f"were present at item {motion.item}",
                )
            )
    seats: dict[str, str] = {}
    for vote in decision.votes:
        if vote.option not in CAST:
            continue
        person = vote.person
        why = _absence(meeting, person, motion.item)
        record = _records(meeting, person)
        seat = _seat(record, membership) if record is not None else None
        if why is None and record is not None and record.status == Status.IN_ATTENDANCE:
            why = "was in attendance, not a member"
        elif why is None and seat is None:
            why = f"is not a member on {meeting.day}"
        elif why is None and seat is not None:
            named = seat.substitute
            if (
                record is not None
                and record.status == Status.SUBSTITUTE
                and (named is None or named.person != person)
            ):
                whom = f"{named.name} is" if named is not None else "none is named"
                why = f"is not the named substitute for {seat.member} ({whom})"
            elif vote.seat is not None and vote.seat != seat.member:
                why = f"voted for {vote.seat} but sits for {seat.member}"
            elif not may_vote(seat, eligibility):
                why = f"sits for {seat.member}, a non-voting seat"
            elif seat.member in seats:
                why = f"voted for {seat.member}, whose vote {seats[seat.member]} had cast"
            else:
                seats[seat.member] = person
        if why is not None and not why.startswith("withdrew"):  # _interests says that one
            found.append(Finding("vote", section, (person,), f"a vote by {person}: {person} {why}"))
    return found


def _entitled(
    meeting: MeetingState, membership: MembershipState, item: str, eligibility: Eligibility | None
) -> set[str]:
    """The voting seats someone was in the room for at ``item`` (a seat votes once,
    whoever sits for it; whether it counts for the quorum does not matter here)."""
    seats: set[str] = set()
    for record in meeting.attendance:
        if record.status not in (Status.PRESENT, Status.SUBSTITUTE):
            continue
        if _absence(meeting, record.person, item) is not None:
            continue
        seat = _seat(record, membership)
        if seat is not None and may_vote(seat, eligibility):
            seats.add(seat.member)
    return seats


def _presiding(
    meeting: MeetingState, membership: MembershipState, office: str, item: str
) -> str | None:
    """Who presided: the holder of ``office`` in the room, else its deputy."""
    for name in (office, f"vice-{office}"):
        holder = membership.office_holder(name, meeting.day)
        record = _records(meeting, holder.person) if holder is not None else None
        if holder is not None and record is not None and meeting.present_at(record, item):
            return holder.person
    return None


def _casting(
    motion: MotionState,
    meeting: MeetingState,
    membership: MembershipState,
    decision: DecisionState,
    sections: Sequence[Any],
) -> list[Finding]:
    if decision.casting is None:
        return []
    person = decision.casting.person
    rule = _rule_in(sections, CastingVote)
    if rule is None:
        return [
            Finding(
                "casting",
                DEFAULT,
                (person,),
                f"a casting vote by {person}, but the terms of reference in force on "
                f"{meeting.day} give no casting vote",
            )
        ]
    presiding = decision.presiding or _presiding(meeting, membership, rule[0].office, motion.item)
    if presiding != person:
        who = f"{presiding} presided" if presiding else f"no {rule[0].office} was presiding"
        return [
            Finding(
                "casting",
                rule[1],
                (person,),
                f"a casting vote by {person}, who was not presiding ({who})",
            )
        ]
    return []


def _voting_seats(membership: MembershipState, eligibility: Eligibility | None) -> int:
    return sum(1 for s in membership.seats if may_vote(s, eligibility))


def _outcome(
    result: Validity,
    motion: MotionState,
    membership: MembershipState,
    decision: DecisionState,
    eligibility: Eligibility | None,
    sections: Sequence[Any],
) -> None:
    counts = decision.tally()
    if decision.method not in VOTES or counts is None:
        return
    rule = result.requirement.rule
    method = (
        rule.method
        if rule.method != Method.CONSENSUS
        else (rule.fallback or Method.SIMPLE_MAJORITY)
    )
    if rule.base() == Base.MEMBERSHIP:
        whole, of = _voting_seats(membership, eligibility), "members"
    else:
        whole, of = counts.yes + counts.no, "voting"
    need, name = _need(method, rule, whole)
    carried = counts.yes >= need and (method != Method.UNANIMOUS or counts.no == 0)
    tie = ""
    casting = decision.casting
    if (
        casting is not None
        and counts.yes == counts.no
        and method == Method.SIMPLE_MAJORITY
        and rule.base() == Base.VOTING
        and _rule_in(sections, CastingVote) is not None
    ):
        carried = casting.option == "yes"
        tie = f"; tied, the casting vote ({casting.option}) decides"
    base = "the whole membership" if rule.base() == Base.MEMBERSHIP else "those present and voting"
    result.arithmetic = (
        f"{counts.yes} for, {counts.no} against, {counts.abstain} abstaining "
        f"({counts.yes} for of {whole} {of}): {name} of {base} needs {need}{tie}"
    )
    expected = "carried" if carried else "lost"
    if decision.outcome != expected:
        result.findings.append(
            Finding(
                "outcome",
                result.requirement.source,
                (),
                f"recorded as {decision.outcome}, but {result.arithmetic}: it was {expected}",
            )
        )


def _need(method: Method, rule: DecisionMethod, whole: int) -> tuple[int, str]:
    """The votes for that carry the motion out of ``whole``, and the requirement's name."""
    if method == Method.TWO_THIRDS:
        return max(1, math.ceil(whole * 2 / 3)), "two-thirds"
    if method == Method.FRACTION:
        n, d = rule.numerator or 1, rule.denominator or 1
        return max(1, math.ceil(whole * n / d)), f"{n}/{d}"
    if method == Method.UNANIMOUS:
        return max(1, whole), "unanimity"
    return whole // 2 + 1, "a simple majority"
