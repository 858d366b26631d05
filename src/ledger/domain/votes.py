"""How a motion is decided and how its votes are counted, as a command and an event
validate them: counts of a show of hands or ballot, one person's vote, a casting vote,
an election and its tallies.  The methods, outcomes and Popolo's vote options are in
``domain/motion_state.py`` (with the plain values a motion's state holds), named again
here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import ConfigDict, Field

from ledger.domain import motion_state
from ledger.domain.motion_state import VOTES as VOTES
from ledger.domain.motion_state import How as How
from ledger.domain.motion_state import Option as Option
from ledger.domain.motion_state import Outcome as Outcome
from ledger.domain.types import Day, Label, Slug, StrictInput, Whole, omitted_when_empty


class _Value(StrictInput):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Counts(_Value):
    """A show of hands or a ballot: votes for, against, and abstentions."""

    yes: Whole = Field(ge=0, le=100_000)
    no: Whole = Field(ge=0, le=100_000)
    abstain: Whole = Field(default=0, ge=0, le=100_000)


class Vote(_Value):
    """One person's vote; ``seat`` is the seat they vote for (their own, or the one
    they cover as substitute), found from the attendance when not given."""

    person: Slug
    option: Option
    seat: Slug | None = None
    candidate: Slug | None = omitted_when_empty(
        default=None, description="In a contested election: the candidate voted for (yes)."
    )


class Casting(_Value):
    """The presiding member's casting vote on a tie."""

    person: Slug
    option: Literal["yes", "no"]


class Election(_Value):
    """An election to an office (a chair, a vice-chair): a motion of its own, whose
    candidates are nominated at the item and whose decision names who was elected."""

    office: Label = Field(description="e.g. chair, vice-chair")
    candidates: list[Slug] = Field(min_length=1, max_length=50)
    term_end: Day | None = Field(default=None, description="Last day of the term, if set.")


class Tally(_Value):
    """A candidate's votes in a contested election decided by show of hands or ballot."""

    candidate: Slug
    votes: Whole = Field(ge=0, le=100_000)


def tally(votes: Sequence[Vote]) -> Counts:
    """The recorded votes added up (absent and not voting are not counted)."""
    added = motion_state.tally(votes)
    return Counts(yes=added.yes, no=added.no, abstain=added.abstain)
