"""Structured rules carried by sections of the terms of reference.

Real ToRs state their rules in words: "A meeting will be regarded as quorate if no
less than four of the responsible authorities are represented"; "The Strategy Group
will meet 10 times per year"; "decisions by consensus".  A section may carry the
same rules in a form the ledger can check.  A rule kept only in words is a
``text`` rule: it is shown, marked as not machine-checked.  Rules are versioned with
the section text: amending the section replaces its rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from pydantic import ConfigDict, Field, model_validator

from ledger.domain.errors import RuleViolation
from ledger.domain.types import Flag, Label, Slug, StrictInput, Whole, omitted_when_empty


class _Rule(StrictInput):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Counted(StrEnum):
    MEMBERS = "members"
    ORGANISATIONS = "organisations"


class MinimumPresent(_Rule):
    """At least ``at_least`` members (or organisations) present, optionally of one category."""

    require: Literal["minimum"] = "minimum"
    at_least: Whole = Field(ge=1, le=1000)
    of: Counted = Counted.MEMBERS
    category: str | None = Field(
        default=None, description="Only members of this category, e.g. responsible-authority."
    )
    sector: str | None = Field(default=None, description="Only organisations of this sector.")

    def describe(self) -> str:
        what = {"members": "member(s)", "organisations": "organisation(s)"}[self.of.value]
        scope = " ".join(x for x in (self.sector, self.category) if x)
        return f"at least {self.at_least} {scope + ' ' if scope else ''}{what} present"


class FractionPresent(_Rule):
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

    def describe(self) -> str:
        scope = f" {self.category}" if self.category else ""
        return f"at least {self.numerator}/{self.denominator} of the{scope} {self.of.value} present"


def deputy_of(office: str) -> str:
    """The office whose holder stands in for ``office``'s: the vice-chair for the chair."""
    return f"vice-{office}"


class OfficeHolderPresent(_Rule):
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

    def offices(self) -> list[str]:
        """Every office whose holder being present meets the requirement, in order."""
        named = [self.office] + ([deputy_of(self.office)] if self.or_deputy else [])
        return list(dict.fromkeys([*named, *self.or_offices]))

    def describe(self) -> str:
        further = "".join(f" or the {o}" for o in self.or_offices)
        return f"the {self.office}{' (or deputy)' if self.or_deputy else ''}{further} present"


class SeatPresent(_Rule):
    """A named seat is represented and counted: "including a representative of Kent Police"."""

    require: Literal["seat"] = "seat"
    member: Slug = Field(description="The seat's id, e.g. kent-police.")

    def describe(self) -> str:
        return f"{self.member} present"


class RolePresent(_Rule):
    """At least ``at_least`` counted seats holding a role: "at least one elected member"."""

    require: Literal["role"] = "role"
    role: Slug = Field(description="A role seats hold (add-member's roles), e.g. elected-member.")
    at_least: Whole = Field(default=1, ge=1, le=1000)

    def describe(self) -> str:
        return f"at least {self.at_least} {self.role} present"


class AnyOf(_Rule):
    """At least one of the options holds."""

    require: Literal["any-of"] = "any-of"
    options: list[
        MinimumPresent | FractionPresent | OfficeHolderPresent | SeatPresent | RolePresent
    ] = Field(min_length=2)

    def describe(self) -> str:
        return "either " + " or ".join(o.describe() for o in self.options)


Requirement = Annotated[
    MinimumPresent | FractionPresent | OfficeHolderPresent | SeatPresent | RolePresent | AnyOf,
    Field(discriminator="require"),
]


class QuorumRule(_Rule):
    """A meeting (or item) is quorate when every requirement holds."""

    kind: Literal["quorum"] = "quorum"
    all_of: list[Requirement] = Field(min_length=1)

    def describe(self) -> str:
        return "quorate with " + "; and ".join(r.describe() for r in self.all_of)


class Period(StrEnum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"


class MeetingFrequency(_Rule):
    """At least ``at_least`` meetings per period (optionally: meetings held in public)."""

    kind: Literal["meeting-frequency"] = "meeting-frequency"
    at_least: Whole = Field(ge=1, le=366)
    per: Period
    public: Flag = False

    def describe(self) -> str:
        public = " public" if self.public else ""
        return f"at least {self.at_least}{public} meeting(s) per {self.per.value}"


class Method(StrEnum):
    CONSENSUS = "consensus"
    SIMPLE_MAJORITY = "simple-majority"
    TWO_THIRDS = "two-thirds"
    UNANIMOUS = "unanimous"
    FRACTION = "fraction"  # numerator/denominator, e.g. three-quarters


class Base(StrEnum):
    """What a majority is counted of."""

    VOTING = "present-and-voting"  # for + against; abstentions are not counted
    MEMBERSHIP = "membership"  # every voting seat on the day, present or not


class DecisionMethod(_Rule):
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

    def base(self) -> Base:
        """What the majority is counted of."""
        return self.of or Base.VOTING

    def describe(self) -> str:
        fallback = f", failing which {self.fallback.value}" if self.fallback else ""
        share = f" {self.numerator}/{self.denominator}" if self.numerator else ""
        of = " of the whole membership" if self.of == Base.MEMBERSHIP else ""
        return f"decisions by {self.method.value}{share}{of}{fallback}"


class CastingVote(_Rule):
    """On a tie the holder of ``office`` presiding has a second, casting vote."""

    kind: Literal["casting-vote"] = "casting-vote"
    office: Label = "chair"

    def describe(self) -> str:
        return f"the {self.office} presiding has a casting vote on a tie"


class VotingEligibility(_Rule):
    """Which membership categories may vote.  A seat of any other category is taken as
    non-voting, whatever its own ``voting`` flag says (quorum counts it as such)."""

    kind: Literal["voting-eligibility"] = "voting-eligibility"
    categories: list[str] = Field(min_length=1)

    def describe(self) -> str:
        return "votes by " + ", ".join(self.categories)

    def allows(self, category: str) -> bool:
        return category in self.categories


class MembershipLimit(_Rule):
    """At most ``at_most`` members of a category at once (e.g. two co-opted members)."""

    kind: Literal["membership-limit"] = "membership-limit"
    category: str = Field(min_length=1, max_length=80)
    at_most: Whole = Field(ge=0, le=1000)

    def describe(self) -> str:
        return f"at most {self.at_most} {self.category} member(s)"


class InterestsExclude(_Rule):
    """A member with a declared interest takes no part in a (financial) decision."""

    kind: Literal["interests-exclude"] = "interests-exclude"
    financial_only: Flag = True

    def describe(self) -> str:
        scope = "financial decisions" if self.financial_only else "decisions"
        return f"members with a declared interest take no part in {scope}"


class RunsFrom(StrEnum):
    """What a call-in period is counted from."""

    MEETING = "meeting"  # the date of the meeting that made the decision
    PUBLICATION = "publication"  # the date the decision was published


class CallIn(_Rule):
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

    def period(self) -> str:
        """How long the period lasts, in words: "5 working days"."""
        return f"{self.working_days} working day{'' if self.working_days == 1 else 's'}"

    def describe(self) -> str:
        what = "a key decision" if self.key_decisions_only else "a decision"
        start = "the meeting" if self.runs_from == RunsFrom.MEETING else "its publication"
        return f"{what} may be called in within {self.period()} of {start}"


class TextRule(_Rule):
    """A rule kept in words only: shown, never machine-checked."""

    kind: Literal["text"] = "text"
    text: str = Field(min_length=1, max_length=4000)

    def describe(self) -> str:
        return f"{self.text} (not machine-checked)"


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


R = TypeVar("R")


def rule_of(sections: Iterable[Any], kind: type[R]) -> tuple[R, str] | None:
    """The first rule of ``kind`` in a document's sections (each with ``id`` and
    ``rules``), and the id of the section that carries it."""
    for section in sections:
        for rule in section.rules:
            if isinstance(rule, kind):
                return rule, section.id
    return None


# Kinds of which a document may hold only one in force at a time (keyed as below).
def rule_slot(rule: _Rule) -> str | None:
    """The slot a rule occupies: two rules in one slot in force together contradict."""
    if isinstance(
        rule,
        QuorumRule | DecisionMethod | CastingVote | VotingEligibility | InterestsExclude | CallIn,
    ):
        return rule.kind
    if isinstance(rule, MeetingFrequency):
        return f"{rule.kind}:{rule.per.value}:{'public' if rule.public else 'all'}"
    if isinstance(rule, MembershipLimit):
        return f"{rule.kind}:{rule.category}"
    return None


def check_rules(rules_by_section: Sequence[tuple[str, Sequence[_Rule]]]) -> None:
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


# --- reading stored rules back ------------------------------------------------------

# What a stored rule's "kind" (a requirement's "require") names, and its fields that are
# rules or enumerations: all a stored rule needs to be made again as it was recorded.
_KINDS: dict[str, type[_Rule]] = {
    c.model_fields["kind"].default: c
    for c in (
        QuorumRule,
        MeetingFrequency,
        DecisionMethod,
        CastingVote,
        VotingEligibility,
        MembershipLimit,
        InterestsExclude,
        CallIn,
        TextRule,
    )
}
_REQUIRES: dict[str, type[_Rule]] = {
    c.model_fields["require"].default: c
    for c in (MinimumPresent, FractionPresent, OfficeHolderPresent, SeatPresent, RolePresent, AnyOf)
}
_ENUMS: dict[type[_Rule], dict[str, type[StrEnum]]] = {
    MinimumPresent: {"of": Counted},
    FractionPresent: {"of": Counted},
    MeetingFrequency: {"per": Period},
    DecisionMethod: {"method": Method, "fallback": Method, "of": Base},
    CallIn: {"runs_from": RunsFrom},
}


def _stored(data: dict[str, Any], classes: dict[str, type[_Rule]], tag: str) -> Any:
    cls = classes[data[tag]]
    fields = dict(data)
    for name, enum in _ENUMS.get(cls, {}).items():
        if fields.get(name) is not None:
            fields[name] = enum(fields[name])
    if cls is QuorumRule:
        fields["all_of"] = [_stored(r, _REQUIRES, "require") for r in fields["all_of"]]
    elif cls is AnyOf:
        fields["options"] = [_stored(r, _REQUIRES, "require") for r in fields["options"]]
    return cls.model_construct(**fields)


def stored_rules(data: Sequence[dict[str, Any]]) -> list[Any]:
    """Rules as the ledger stored them (their JSON, parsed), made again without a
    validator: what the store holds was validated when it was recorded, and the audit
    chain keeps it so.  The read path decodes rules with this alone, so a read builds
    no pydantic validator (ADR 0023); ``tests/cli/test_startup.py`` holds it equal to
    validating the same JSON."""
    return [_stored(rule, _KINDS, "kind") for rule in data]
