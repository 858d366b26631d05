"""Structured rules carried by sections of the terms of reference.

Real ToRs state their rules in words: "A meeting will be regarded as quorate if no
less than four of the responsible authorities are represented"; "The Strategy Group
will meet 10 times per year"; "decisions by consensus".  A section may carry the
same rules in a form the ledger can check.  A rule kept only in words is a
``text`` rule: it is shown, marked as not machine-checked.  Rules are versioned with
the section text: amending the section replaces its rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

# What each kind means (its wording, what it asks) is in rule_kinds.py, with nothing of
# pydantic's: each model here is a subclass of its kind, so code asks what a rule is of
# the kinds, and a rule read back from the store (a kind's own instance) answers alike
# (ADR 0023).  The enumerations and helpers are named here too, as before.
from ledger.domain import rule_kinds as kinds
from ledger.domain.errors import RuleViolation
from ledger.domain.rule_kinds import Base as Base
from ledger.domain.rule_kinds import Counted as Counted
from ledger.domain.rule_kinds import Method as Method
from ledger.domain.rule_kinds import Period as Period
from ledger.domain.rule_kinds import RunsFrom as RunsFrom
from ledger.domain.rule_kinds import deputy_of as deputy_of
from ledger.domain.rule_kinds import rule_of as rule_of
from ledger.domain.rule_kinds import stored_rules as stored_rules
from ledger.domain.types import Flag, Label, Slug, StrictInput, Whole, omitted_when_empty


class _Rule(StrictInput):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MinimumPresent(_Rule, kinds.MinimumPresent):
    """At least ``at_least`` members (or organisations) present, optionally of one category."""

    require: Literal["minimum"] = "minimum"
    at_least: Whole = Field(ge=1, le=1000)
    of: Counted = Counted.MEMBERS
    category: str | None = Field(
        default=None, description="Only members of this category, e.g. responsible-authority."
    )
    sector: str | None = Field(default=None, description="Only organisations of this sector.")


class FractionPresent(_Rule, kinds.FractionPresent):
    """At least this fraction of the membership present (rounded up)."""

    require: Literal["fraction"] = "fraction"
    numerator: Whole = Field(ge=1, le=100)
    denominator: Whole = Field(ge=1, le=100)
    of: Counted = Counted.MEMBERS
    category: str | None = None

    @model_validator(mode="after")
    def _proper(self) -> FractionPresent:
        if self.numerator > self.denominator:
            raise ValueError("a fraction of the membership cannot exceed the whole")
        return self


class OfficeHolderPresent(_Rule, kinds.OfficeHolderPresent):
    """The holder of an office is present (the chair, or the vice-chair in the chair), or
    the holder of any of ``or_offices``: "the Chair or a Vice-Chair", "the Chair or the
    Lead Member"."""

    require: Literal["office-holder"] = "office-holder"
    office: str = Field(min_length=1, max_length=50, description="e.g. chair")
    or_deputy: Flag = Field(
        default=True, description="The deputy (vice-OFFICE: the vice-chair) may stand in."
    )
    or_offices: list[Label] = omitted_when_empty(
        default_factory=list,
        max_length=10,
        description="Further offices any of whose holders suffices, e.g. [deputy-chair].",
    )


class SeatPresent(_Rule, kinds.SeatPresent):
    """A named seat is represented and counted: "including a representative of Kent Police"."""

    require: Literal["seat"] = "seat"
    member: Slug = Field(description="The seat's id, e.g. kent-police.")


class RolePresent(_Rule, kinds.RolePresent):
    """At least ``at_least`` counted seats holding a role: "at least one elected member"."""

    require: Literal["role"] = "role"
    role: Slug = Field(description="A role seats hold (add-member's roles), e.g. elected-member.")
    at_least: Whole = Field(default=1, ge=1, le=1000)


class AnyOf(_Rule, kinds.AnyOf):
    """At least one of the options holds."""

    require: Literal["any-of"] = "any-of"
    options: list[
        MinimumPresent | FractionPresent | OfficeHolderPresent | SeatPresent | RolePresent
    ] = Field(min_length=2)


Requirement = Annotated[
    MinimumPresent | FractionPresent | OfficeHolderPresent | SeatPresent | RolePresent | AnyOf,
    Field(discriminator="require"),
]


class QuorumRule(_Rule, kinds.QuorumRule):
    """A meeting (or item) is quorate when every requirement holds."""

    kind: Literal["quorum"] = "quorum"
    all_of: list[Requirement] = Field(min_length=1)


class MeetingFrequency(_Rule, kinds.MeetingFrequency):
    """At least ``at_least`` meetings per period (optionally: meetings held in public)."""

    kind: Literal["meeting-frequency"] = "meeting-frequency"
    at_least: Whole = Field(ge=1, le=366)
    per: Period
    public: Flag = False


class DecisionMethod(_Rule, kinds.DecisionMethod):
    """How decisions are made by default, and what happens when that fails.  A vote is
    carried by a simple majority (more than half), a fraction (at least n/d), or
    unanimously, of those present and voting or of the whole membership."""

    kind: Literal["decision-method"] = "decision-method"
    method: Method
    fallback: Method | None = None
    numerator: Whole | None = omitted_when_empty(default=None, ge=1, le=100)
    denominator: Whole | None = omitted_when_empty(default=None, ge=1, le=100)
    of: Base | None = omitted_when_empty(
        default=None, description="present-and-voting (the default) or membership."
    )

    @model_validator(mode="after")
    def _fraction(self) -> DecisionMethod:
        fraction = Method.FRACTION in (self.method, self.fallback)
        given = self.numerator is not None and self.denominator is not None
        if fraction != given or (self.numerator is None) != (self.denominator is None):
            raise ValueError("method 'fraction' goes with numerator and denominator, and only it")
        if given and self.numerator > self.denominator:  # type: ignore[operator]
            raise ValueError("a fraction cannot exceed the whole")
        return self


class CastingVote(_Rule, kinds.CastingVote):
    """On a tie the holder of ``office`` presiding has a second, casting vote."""

    kind: Literal["casting-vote"] = "casting-vote"
    office: Label = "chair"


class VotingEligibility(_Rule, kinds.VotingEligibility):
    """Which membership categories may vote.  A seat of any other category is taken as
    non-voting, whatever its own ``voting`` flag says (quorum counts it as such)."""

    kind: Literal["voting-eligibility"] = "voting-eligibility"
    categories: list[str] = Field(min_length=1)


class MembershipLimit(_Rule, kinds.MembershipLimit):
    """At most ``at_most`` members of a category at once (e.g. two co-opted members)."""

    kind: Literal["membership-limit"] = "membership-limit"
    category: str = Field(min_length=1, max_length=80)
    at_most: Whole = Field(ge=0, le=1000)


class InterestsExclude(_Rule, kinds.InterestsExclude):
    """A member with a declared interest takes no part in a (financial) decision."""

    kind: Literal["interests-exclude"] = "interests-exclude"
    financial_only: Flag = True


class CallIn(_Rule, kinds.CallIn):
    """A decision may be called in (referred to scrutiny before it is acted on) within
    ``working_days`` working days of the meeting that made it, or of its publication;
    with ``key_decisions_only``, only a key decision may.  Working days are weekdays
    other than the bank holidays of England and Wales."""

    kind: Literal["call-in"] = "call-in"
    working_days: Whole = Field(
        ge=1, le=60, description="How many working days the call-in period lasts, e.g. 5."
    )
    runs_from: RunsFrom = Field(
        description="What the period is counted from: meeting (its date) or publication "
        "(the decision's published date)."
    )
    key_decisions_only: Flag = Field(
        default=False, description="Only key decisions may be called in."
    )


class TextRule(_Rule, kinds.TextRule):
    """A rule kept in words only: shown, never machine-checked."""

    kind: Literal["text"] = "text"
    text: str = Field(min_length=1, max_length=4000)


Rule = Annotated[
    QuorumRule
    | MeetingFrequency
    | DecisionMethod
    | CastingVote
    | VotingEligibility
    | MembershipLimit
    | InterestsExclude
    | CallIn
    | TextRule,
    Field(discriminator="kind"),
]


# Kinds of which a document may hold only one in force at a time (keyed as below).
def rule_slot(rule: kinds.RuleKind) -> str | None:
    """The slot a rule occupies: two rules in one slot in force together contradict."""
    if isinstance(
        rule,
        kinds.QuorumRule
        | kinds.DecisionMethod
        | kinds.CastingVote
        | kinds.VotingEligibility
        | kinds.InterestsExclude
        | kinds.CallIn,
    ):
        return rule.kind
    if isinstance(rule, kinds.MeetingFrequency):
        return f"{rule.kind}:{rule.per.value}:{'public' if rule.public else 'all'}"
    if isinstance(rule, kinds.MembershipLimit):
        return f"{rule.kind}:{rule.category}"
    return None


def check_rules(rules_by_section: Sequence[tuple[str, Sequence[kinds.RuleKind]]]) -> None:
    """Refuse a document in which two sections set the same rule at once."""
    seen: dict[str, str] = {}
    for section_id, rules in rules_by_section:
        for rule in rules:
            slot = rule_slot(rule)
            if slot is None:
                continue
            if slot in seen and seen[slot] != section_id:
                raise RuleViolation(
                    f"sections '{seen[slot]}' and '{section_id}' would both set the "
                    f"{slot.split(':')[0]} rule; amend one of them"
                )
            if slot in seen:
                raise RuleViolation(f"section '{section_id}' sets the {slot} rule twice")
            seen[slot] = section_id
