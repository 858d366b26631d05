"""Motions and decisions at an agenda item.

A motion is moved (and usually seconded) at an item of a meeting; an amendment is a
motion of its own that names the motion it ``amends``.  Each motion is an aggregate
known by a short readable id (``kcsp-2024-07-04-5a``).  It is decided once: by
consensus, by a show of hands or a ballot (counts), by a recorded vote (each person's
vote, cast for a seat), or by the chair under delegated authority; or it is noted,
deferred or withdrawn.  Every event of a motion takes effect on its meeting's date; the
decision's own effective date (``takes_effect``) may be later.

Whether a decision was validly made is never stored: ``domain/validity.py`` works it
out from the record as known at any moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from msgspec.structs import replace
from pydantic import Field, model_validator

from ledger.domain import motion_state as held
from ledger.domain.commands import Command, Context
from ledger.domain.errors import NotFound, RuleViolation
from ledger.domain.events import Authority, LedgerEvent
from ledger.domain.history import register_checker
from ledger.domain.ids import aggregate_id
from ledger.domain.meeting import meeting_id, meeting_state
from ledger.domain.membership import OfficeHolderElected, membership_id
from ledger.domain.motion_state import DecisionState, MotionState
from ledger.domain.rules import DecisionMethod
from ledger.domain.types import Day, Flag, Name, Number, Reason, Slug, omitted_when_empty
from ledger.domain.votes import VOTES, Casting, Counts, Election, How, Outcome, Tally, Vote, tally


def motion_id(slug: str) -> Any:
    """The aggregate id of the motion known by ``slug``."""
    return aggregate_id("motion", slug)


# --- events -----------------------------------------------------------------------


class MotionEvent(LedgerEvent):
    motion: Slug
    meeting: Name
    item: Number


class MotionProposed(MotionEvent):
    TOPIC: ClassVar[str] = "motion.proposed/v1"
    text: Reason
    mover: Slug
    seconder: Slug | None = None
    amends: Slug | None = None
    key_decision: Flag = False
    requirement: DecisionMethod | None = None
    election: Election | None = omitted_when_empty(default=None)

    def describe(self) -> str:
        if self.election is not None:
            return f"election of {self.election.office} at {self.meeting} item {self.item}"
        amends = f" (amending {self.amends})" if self.amends else ""
        return f"motion {self.motion} at {self.meeting} item {self.item}{amends}"


class MotionDecided(MotionEvent):
    TOPIC: ClassVar[str] = "motion.decided/v1"
    outcome: Outcome
    method: How | None = None
    counts: Counts | None = None
    votes: list[Vote] = Field(default_factory=list, max_length=1000)
    casting: Casting | None = None
    presiding: Slug | None = None
    resolution: Reason | None = None
    takes_effect: Day | None = None
    reasons: Reason | None = None
    alternatives: Reason | None = None
    interests: Reason | None = None
    dispensations: list[Slug] = Field(default_factory=list, max_length=100)
    elected: Slug | None = omitted_when_empty(default=None)
    tallies: list[Tally] = omitted_when_empty(default_factory=list, max_length=50)
    published: Day | None = omitted_when_empty(default=None)

    def describe(self) -> str:
        if self.elected is not None:
            return f"motion {self.motion}: {self.elected} elected ({self.outcome.value})"
        how = f" by {self.method.value}" if self.method else ""
        return f"motion {self.motion}: {self.outcome.value}{how}"

    @model_validator(mode="after")
    def _coherent(self) -> MotionDecided:
        # A correction writes the event directly: it is held to what a command is.
        check_decision(self)
        return self


# --- state ------------------------------------------------------------------------
# MotionState and DecisionState are in motion_state.py, with plain values: the fold
# below makes them from the events' models.


def apply(state: MotionState | None, event: LedgerEvent) -> MotionState:
    if isinstance(event, MotionProposed):
        if state is not None:
            raise RuleViolation(f"motion {event.motion} is already proposed")
        assert event.body is not None
        return MotionState(
            event.motion,
            event.meeting,
            event.body,
            event.effective,
            event.item,
            event.text,
            event.mover,
            event.seconder,
            event.amends,
            event.key_decision,
            event.requirement,
            _election(event.election),
        )
    if state is None:
        raise RuleViolation(f"motion {getattr(event, 'motion', '?')} has not been proposed")
    if isinstance(event, MotionDecided):
        if state.decision is not None:
            raise RuleViolation(
                f"motion {state.motion} already has an outcome ({state.decision.outcome}); "
                "correct that record instead (ledger correct)"
            )
        counts, casting = event.counts, event.casting
        decision = DecisionState(
            event.outcome.value,
            event.method.value if event.method else None,
            held.Counts(counts.yes, counts.no, counts.abstain) if counts is not None else None,
            tuple(held.Vote(v.person, v.option.value, v.seat, v.candidate) for v in event.votes),
            held.Casting(casting.person, casting.option) if casting is not None else None,
            event.presiding,
            event.resolution,
            event.takes_effect,
            event.reasons,
            event.alternatives,
            event.interests,
            tuple(event.dispensations),
            event.elected,
            tuple(held.Tally(t.candidate, t.votes) for t in event.tallies),
            event.published,
        )
        check_election(state, decision)
        return replace(state, decision=decision)
    raise RuleViolation(f"{event.TOPIC} does not apply to a motion")


def _election(election: Election | None) -> held.Election | None:
    if election is None:
        return None
    return held.Election(election.office, tuple(election.candidates), election.term_end)


def motion_state(events: Sequence[LedgerEvent]) -> MotionState | None:
    """The motion as recorded by the in-force events."""
    state: MotionState | None = None
    for event in sorted(
        events, key=lambda e: (not isinstance(e, MotionProposed), e.originator_version)
    ):
        state = apply(state, event)
    return state


def check_history(events: Sequence[LedgerEvent]) -> None:
    motion_state(events)


register_checker("motion.", check_history)


# --- commands ---------------------------------------------------------------------


class ProposeMotion(Command):
    """Record a motion moved at an agenda item (an amendment names the motion it amends)."""

    type: Literal["propose-motion"] = "propose-motion"
    motion: Slug = Field(description="A short id, e.g. kcsp-2024-07-04-5a.")
    meeting: str = Field(max_length=300, description="The meeting id, e.g. kcsp-2024-07-04.")
    item: Number = Field(description="The agenda item, e.g. 5.")
    text: Reason
    mover: Slug = Field(description="The person who moved it (present at the item).")
    seconder: Slug | None = None
    amends: Slug | None = Field(default=None, description="The motion this one amends.")
    key_decision: Flag = False
    requirement: DecisionMethod | None = Field(
        default=None,
        description="The majority this motion needs, if not the ToR's decision method.",
    )
    election: Election | None = Field(
        default=None, description="An election to an office: the office and its candidates."
    )

    @model_validator(mode="after")
    def _different(self) -> ProposeMotion:
        if self.seconder is not None and self.seconder == self.mover:
            raise ValueError("the seconder must be someone other than the mover")
        if self.amends == self.motion:
            raise ValueError("a motion cannot amend itself")
        if self.election is not None:
            if self.amends is not None:
                raise ValueError("an election amends no motion")
            names = self.election.candidates
            twice = sorted({c for c in names if names.count(c) > 1})
            if twice:
                raise ValueError(f"election: {', '.join(twice)} nominated more than once")
        return self


class DecideMotion(Command):
    """Record how a motion was decided and its outcome (once; correct it to change it)."""

    type: Literal["decide-motion"] = "decide-motion"
    motion: Slug
    outcome: Outcome
    method: How | None = Field(default=None, description="How it was decided.")
    counts: Counts | None = Field(default=None, description="A show of hands or a ballot.")
    votes: list[Vote] = Field(default_factory=list, max_length=1000, description="Recorded vote.")
    casting: Casting | None = Field(default=None, description="A casting vote on a tie.")
    presiding: Slug | None = Field(default=None, description="Who was in the chair.")
    resolution: Reason | None = None
    takes_effect: Day | None = Field(default=None, description="When the decision takes effect.")
    reasons: Reason | None = None
    alternatives: Reason | None = Field(default=None, description="Alternatives considered.")
    interests: Reason | None = Field(default=None, description="Interests declared, as minuted.")
    dispensations: list[Slug] = Field(
        default_factory=list, max_length=100, description="People granted a dispensation."
    )
    elected: Slug | None = Field(default=None, description="In an election: who was elected.")
    tallies: list[Tally] = Field(
        default_factory=list,
        max_length=50,
        description="In a contested election by show of hands or ballot: each candidate's votes.",
    )
    published: Day | None = Field(
        default=None,
        description="When the decision was published (a call-in period may run from it).",
    )

    @model_validator(mode="after")
    def _coherent(self) -> DecideMotion:
        check_decision(self)
        return self


def check_decision(d: DecideMotion | MotionDecided) -> None:
    """Refuse a decision whose method, counts, votes and outcome do not fit together."""
    method, outcome = d.method, d.outcome
    if outcome in (Outcome.DEFERRED, Outcome.WITHDRAWN) and method is not None:
        raise ValueError(f"a motion {outcome.value} was not decided: give no method")
    if outcome == Outcome.NOTED and method not in (None, How.CONSENSUS):
        raise ValueError("a motion noted was not voted on: give no method, or consensus")
    if outcome == Outcome.AGREED and method not in (How.CONSENSUS, How.CHAIR):
        raise ValueError(
            "'agreed' is by consensus or a chair's decision; a vote is carried or lost"
        )
    if outcome in (Outcome.CARRIED, Outcome.LOST) and method not in VOTES:
        raise ValueError(
            f"'{outcome.value}' follows a vote: method show-of-hands, recorded-vote or ballot"
        )
    if d.tallies and method not in (How.SHOW_OF_HANDS, How.BALLOT):
        raise ValueError("tallies (each candidate's votes) go with a show of hands or a ballot")
    if d.tallies and (d.counts is not None or d.votes or d.casting is not None):
        raise ValueError(
            "a contested election is recorded with tallies alone: no counts, votes or casting vote"
        )
    names = [t.candidate for t in d.tallies]
    if len(set(names)) != len(names):
        raise ValueError("tallies: a candidate is listed more than once")
    if d.elected is not None and outcome not in (Outcome.CARRIED, Outcome.AGREED):
        raise ValueError(f"no one is elected by a motion {outcome.value}")
    if (
        method in (How.SHOW_OF_HANDS, How.BALLOT)
        and not d.tallies
        and (d.counts is None or d.votes)
    ):
        raise ValueError(f"a {method.value} is recorded with counts (yes, no, abstain), not votes")
    if method not in VOTES and (d.counts is not None or d.votes or d.casting is not None):
        raise ValueError("counts, votes and a casting vote go with a vote only")
    if method == How.RECORDED_VOTE:
        if not d.votes:
            raise ValueError("a recorded vote lists each person's vote (votes)")
        people = [v.person for v in d.votes]
        twice = sorted({p for p in people if people.count(p) > 1})
        if twice:
            raise ValueError(f"votes: {', '.join(twice)} voted more than once")
        added = tally(d.votes)
        if d.counts is not None and d.counts != added:
            raise ValueError(
                f"counts ({_counted(d.counts)}) do not add up to the votes listed "
                f"({_counted(added)})"
            )
    if d.casting is not None:
        counts = d.counts or tally(d.votes)
        if counts.yes != counts.no:
            raise ValueError(f"a casting vote is given on a tie only, not on {_counted(counts)}")


def check_election(motion: MotionState, decision: DecisionState) -> None:
    """Refuse a decision that does not fit its motion: who was elected must be one of
    an election's candidates, and only an election elects anyone or has tallies."""
    election = motion.election
    if election is None:
        if decision.elected is not None or decision.tallies:
            raise RuleViolation(
                f"motion {motion.motion} is not an election: it elects no one and has no tallies"
            )
        if any(v.candidate is not None for v in decision.votes):
            raise RuleViolation(
                f"motion {motion.motion} is not an election: votes name no candidate"
            )
        return
    candidates = election.candidates
    named = [("elected", decision.elected)] if decision.elected else []
    named += [(f"tallies.{i}.candidate", t.candidate) for i, t in enumerate(decision.tallies)]
    named += [
        (f"votes.{i}.candidate", v.candidate)
        for i, v in enumerate(decision.votes)
        if v.candidate is not None
    ]
    for where, who in named:
        if who not in candidates:
            raise RuleViolation(
                f"{where}: '{who}' is not a candidate for {election.office} "
                f"({', '.join(candidates)})"
            )
    contested = len(candidates) > 1
    if decision.outcome in ("carried", "agreed") and decision.elected is None:
        raise RuleViolation(f"motion {motion.motion} is an election: say who was elected (elected)")
    if contested and decision.method in ("show-of-hands", "ballot") and not decision.tallies:
        raise RuleViolation(
            f"a contested election by {decision.method} is recorded with each candidate's "
            "votes (tallies), not counts"
        )
    if contested and decision.outcome == "lost":
        raise RuleViolation("a contested election is not lost: say who was elected")
    if decision.method == "recorded-vote" and contested:
        for i, v in enumerate(decision.votes):
            if v.option == "yes" and v.candidate is None:
                raise RuleViolation(
                    f"votes.{i}: in a contested election a vote for names its candidate"
                )
            if v.option == "no":
                raise RuleViolation(
                    f"votes.{i}: in a contested election a vote is for a candidate, "
                    "or an abstention"
                )


def _counted(c: Counts) -> str:
    return f"{c.yes} for, {c.no} against, {c.abstain} abstaining"


def propose_motion(ctx: Context, cmd: ProposeMotion) -> list[LedgerEvent]:
    history = ctx.history(motion_id(cmd.motion))
    if history.current():
        raise RuleViolation(f"motion '{cmd.motion}' is already recorded")
    meeting = meeting_state(ctx.history(meeting_id(cmd.meeting)).current())
    if meeting is None:
        raise NotFound(f"meeting: unknown meeting '{cmd.meeting}'")
    fields = cmd.model_dump(exclude={"type", "id", "authority"})
    event = ctx.new_event(
        MotionProposed,
        history,
        effective=meeting.day,
        # A motion's authority is the meeting and item it was moved at.
        authority=cmd.authority or Authority(meeting=cmd.meeting, item=cmd.item),
        body=meeting.body,
        **{**fields, "requirement": cmd.requirement},
    )
    motion_state(history.with_event(event))
    return [event]


def decide_motion(ctx: Context, cmd: DecideMotion) -> list[LedgerEvent]:
    history = ctx.history(motion_id(cmd.motion))
    state = motion_state(history.current())
    if state is None:
        raise NotFound(f"motion: unknown motion '{cmd.motion}'")
    if state.decision is not None:
        raise RuleViolation(
            f"motion '{cmd.motion}' already has an outcome ({state.decision.outcome}); "
            "correct that record instead (ledger correct)"
        )
    event = ctx.new_event(
        MotionDecided,
        history,
        effective=state.day,
        authority=cmd.authority or Authority(meeting=state.meeting, item=state.item),
        body=state.body,
        motion=state.motion,
        meeting=state.meeting,
        item=state.item,
        outcome=cmd.outcome,
        method=cmd.method,
        counts=cmd.counts,
        votes=list(cmd.votes),
        casting=cmd.casting,
        presiding=cmd.presiding,
        resolution=cmd.resolution,
        takes_effect=cmd.takes_effect,
        reasons=cmd.reasons,
        alternatives=cmd.alternatives,
        interests=cmd.interests,
        dispensations=list(cmd.dispensations),
        elected=cmd.elected,
        tallies=list(cmd.tallies),
        published=cmd.published,
    )
    motion_state(history.with_event(event))
    return [event, *_office(ctx, state, event)]


def _office(ctx: Context, motion: MotionState, event: MotionDecided) -> list[LedgerEvent]:
    """An election's winner takes the office from the decision's effective date, on the
    decision's authority (so ``members`` shows it, and flags it if the decision was not
    validly made)."""
    election = motion.election
    if election is None or event.elected is None:
        return []
    starts = event.takes_effect or motion.day
    if election.term_end is not None and election.term_end < starts:
        raise RuleViolation(
            f"the term cannot end ({election.term_end}) before it starts ({starts})"
        )
    meeting = meeting_state(ctx.history(meeting_id(motion.meeting)).current())
    record = next(
        (a for a in (meeting.attendance if meeting else ()) if a.person == event.elected), None
    )
    return [
        ctx.new_event(
            OfficeHolderElected,
            ctx.history(membership_id(motion.body)),
            body=motion.body,
            effective=starts,
            authority=Authority(decision=motion.motion, meeting=motion.meeting, item=motion.item),
            office=election.office,
            person=event.elected,
            name=record.name if record is not None else event.elected,
            term_end=election.term_end,
        )
    ]


__all__ = [
    "VOTES",
    "Casting",
    "Counts",
    "DecideMotion",
    "Election",
    "How",
    "MotionDecided",
    "MotionProposed",
    "MotionState",
    "Outcome",
    "ProposeMotion",
    "Tally",
    "Vote",
    "motion_state",
    "tally",
]
