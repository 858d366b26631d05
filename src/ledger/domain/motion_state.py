"""A motion as it stands: what was moved, and how it was decided, folded from its events
(``domain/decision.py``).  Apart from the events and their pydantic models, so the read
path that reads it back from the decisions read model (``ledger decision``, the
authority checks behind ``ledger tor show``) imports no event model and builds no
validator (ADR 0023).  The values here are plain: a vote's option is its string, an
election's candidates a tuple.

The enumerations of how a motion is decided live here too; ``domain/votes.py`` (the
input models a command and an event validate with) names them again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from msgspec import Struct

from ledger.domain.rule_kinds import DecisionMethod, stored_rules


class How(StrEnum):
    CONSENSUS = "consensus"
    SHOW_OF_HANDS = "show-of-hands"
    RECORDED_VOTE = "recorded-vote"
    BALLOT = "ballot"
    CHAIR = "chair-decision"  # under delegated authority


VOTES = (How.SHOW_OF_HANDS, How.RECORDED_VOTE, How.BALLOT)


class Outcome(StrEnum):
    CARRIED = "carried"
    LOST = "lost"
    AGREED = "agreed"  # by consensus, or by the chair under delegated authority
    NOTED = "noted"
    DEFERRED = "deferred"
    WITHDRAWN = "withdrawn"


class Option(StrEnum):
    """A person's vote, in Popolo's options."""

    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"
    ABSENT = "absent"
    NOT_VOTING = "not voting"


class Counts(Struct, frozen=True):
    """Votes for, against, and abstentions."""

    yes: int
    no: int
    abstain: int = 0

    def as_document(self) -> dict[str, int]:
        return {"yes": self.yes, "no": self.no, "abstain": self.abstain}


class Vote(Struct, frozen=True):
    """One person's vote (``option``: one of ``Option``), for a seat, or a candidate."""

    person: str
    option: str
    seat: str | None = None
    candidate: str | None = None

    def as_document(self) -> dict[str, str]:
        """What the vote's model dumps without its empty fields."""
        found = {"person": self.person, "option": self.option}
        if self.seat is not None:
            found["seat"] = self.seat
        if self.candidate is not None:
            found["candidate"] = self.candidate
        return found


class Casting(Struct, frozen=True):
    person: str
    option: str  # yes | no

    def as_document(self) -> dict[str, str]:
        return {"person": self.person, "option": self.option}


class Election(Struct, frozen=True):
    office: str
    candidates: tuple[str, ...]
    term_end: date | None = None

    def as_document(self) -> dict[str, Any]:
        return {
            "office": self.office,
            "candidates": list(self.candidates),
            "term_end": self.term_end.isoformat() if self.term_end else None,
        }


class Tally(Struct, frozen=True):
    candidate: str
    votes: int


class _Cast(Protocol):
    @property
    def option(self) -> str: ...


def tally(votes: Iterable[_Cast]) -> Counts:
    """The recorded votes added up (absent and not voting are not counted): a state's
    votes, or those a command or an event lists."""
    yes = no = abstain = 0
    for v in votes:
        if v.option == "yes":
            yes += 1
        elif v.option == "no":
            no += 1
        elif v.option == "abstain":
            abstain += 1
    return Counts(yes, no, abstain)


class DecisionState(Struct, frozen=True):
    outcome: str
    method: str | None
    counts: Counts | None
    votes: tuple[Vote, ...]
    casting: Casting | None
    presiding: str | None
    resolution: str | None
    takes_effect: date | None
    reasons: str | None
    alternatives: str | None
    interests: str | None
    dispensations: tuple[str, ...]
    elected: str | None = None
    tallies: tuple[Tally, ...] = ()
    published: date | None = None

    def tally(self) -> Counts | None:
        """For, against and abstentions: the counts given, or the recorded votes added up."""
        if self.counts is not None:
            return self.counts
        if self.tallies:  # a contested election: every vote is for some candidate
            return Counts(sum(t.votes for t in self.tallies), 0, 0)
        if not self.votes:
            return None
        return tally(self.votes)


class MotionState(Struct, frozen=True):
    motion: str
    meeting: str
    body: str
    day: date
    item: str
    text: str
    mover: str
    seconder: str | None
    amends: str | None
    key_decision: bool
    requirement: DecisionMethod | None
    election: Election | None = None
    decision: DecisionState | None = None


# --- the stored form (the decisions read model's ``detail``) ------------------------


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _on(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


def as_stored(state: MotionState) -> dict[str, Any]:
    """Every field of ``state`` as JSON values (``from_stored`` makes it again)."""
    d = state.decision
    decision = None
    if d is not None:
        decision = [
            d.outcome,
            d.method,
            [d.counts.yes, d.counts.no, d.counts.abstain] if d.counts is not None else None,
            [[v.person, v.option, v.seat, v.candidate] for v in d.votes],
            [d.casting.person, d.casting.option] if d.casting is not None else None,
            d.presiding,
            d.resolution,
            _day(d.takes_effect),
            d.reasons,
            d.alternatives,
            d.interests,
            list(d.dispensations),
            d.elected,
            [[t.candidate, t.votes] for t in d.tallies],
            _day(d.published),
        ]
    e = state.election
    return {
        "text": state.text,
        "mover": state.mover,
        "seconder": state.seconder,
        "amends": state.amends,
        "key_decision": state.key_decision,
        "requirement": state.requirement.as_document() if state.requirement else None,
        "election": [e.office, list(e.candidates), _day(e.term_end)] if e is not None else None,
        "decision": decision,
    }


def from_stored(
    motion: str, meeting: str, body: str, day: date, item: str, stored: dict[str, Any]
) -> MotionState:
    """The state ``as_stored`` wrote, made again (what the store holds was validated
    when it was recorded, and is kept so by the audit chain)."""
    decision = None
    if (d := stored["decision"]) is not None:
        counts, casting = d[2], d[4]
        decision = DecisionState(
            d[0],
            d[1],
            Counts(*counts) if counts is not None else None,
            tuple(Vote(*v) for v in d[3]),
            Casting(*casting) if casting is not None else None,
            d[5],
            d[6],
            _on(d[7]),
            d[8],
            d[9],
            d[10],
            tuple(d[11]),
            d[12],
            tuple(Tally(*t) for t in d[13]),
            _on(d[14]),
        )
    e = stored["election"]
    requirement = stored["requirement"]
    return MotionState(
        motion,
        meeting,
        body,
        day,
        item,
        stored["text"],
        stored["mover"],
        stored["seconder"],
        stored["amends"],
        stored["key_decision"],
        stored_rules([requirement])[0] if requirement is not None else None,
        Election(e[0], tuple(e[1]), _on(e[2])) if e is not None else None,
        decision,
    )
