"""What each kind of structured rule means, with nothing of pydantic's.

A ToR section may carry rules (``domain/rules.py`` says why and declares, for each
kind, its fields and the checks on what comes in: the pydantic models every command,
event and the import schema use).  Each of those models is a subclass of the kind
here, which holds what the rule *means*: its wording (``describe``) and what it asks
(the offices that satisfy it, the categories that may vote, ...).  So code that asks
what a rule is asks it of these classes (``isinstance``, ``rule_of``), and it works
alike for a rule just validated and for one read back from the read model.

A rule read back from the store is an instance of the kind itself, made by
``stored_rules`` from the JSON the ledger stored (validated when it was recorded, and
kept so by the audit chain): a read builds no validator and imports no pydantic (ADR
0023).  ``tests/cli/test_startup.py`` holds each kind's fields and defaults to its
model's, and ``stored_rules`` to validating the same JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any, ClassVar, TypeVar


class Counted(StrEnum):
    MEMBERS = "members"
    ORGANISATIONS = "organisations"


class Period(StrEnum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"


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


class RunsFrom(StrEnum):
    """What a call-in period is counted from."""

    MEETING = "meeting"  # the date of the meeting that made the decision
    PUBLICATION = "publication"  # the date the decision was published


REQUIRED: Any = object()  # a field every stored rule of its kind has


class RuleKind:
    """A kind of rule; an instance is a rule read back from the store.

    ``FIELDS`` are the kind's fields in its model's order, each with its default
    (``REQUIRED``: none; ``list``: a new empty list); ``OMITTED`` those its model leaves
    out of a dump while empty (``omitted_when_empty``)."""

    FIELDS: ClassVar[dict[str, Any]] = {}
    OMITTED: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, **values: Any) -> None:
        for name, default in self.FIELDS.items():
            value = values.pop(name, default)
            if value is REQUIRED:
                raise TypeError(f"{type(self).__name__} needs {name}")
            object.__setattr__(self, name, [] if value is list else value)
        if values:
            raise TypeError(f"{type(self).__name__} has no field {sorted(values)[0]}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a rule is not changed in place ({name})")

    def _kind(self) -> type[RuleKind]:
        return next(c for c in type(self).__mro__ if c in _KIND_CLASSES)

    def __eq__(self, other: object) -> bool:
        # Equal to the same rule whether read back or validated (a model of this kind).
        if not isinstance(other, RuleKind) or self._kind() is not other._kind():
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.FIELDS)

    def __hash__(self) -> int:
        return hash((self._kind().__name__, *(repr(getattr(self, n)) for n in self.FIELDS)))

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.FIELDS)
        return f"{type(self).__name__}({shown})"

    def as_document(self) -> dict[str, Any]:
        """The rule as its JSON document holds it: what its model dumps (in JSON mode,
        without the fields that are None, nor those it omits while empty)."""
        found: dict[str, Any] = {}
        for name in self.FIELDS:
            value = getattr(self, name)
            if value is None or (name in self.OMITTED and value == []):
                continue
            found[name] = _document(value)
        return found

    def describe(self) -> str:
        raise NotImplementedError


def _document(value: Any) -> Any:
    if isinstance(value, RuleKind):
        return value.as_document()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, list | tuple):
        return [_document(v) for v in value]
    return value


# Each kind: its fields (annotated here for the code that reads them; declared, with
# their checks, by its model in rules.py), then what it means.


class MinimumPresent(RuleKind):
    require: str
    at_least: int
    of: Counted
    category: str | None
    sector: str | None
    FIELDS: ClassVar[dict[str, Any]] = {
        "require": "minimum",
        "at_least": REQUIRED,
        "of": Counted.MEMBERS,
        "category": None,
        "sector": None,
    }

    def describe(self) -> str:
        what = {"members": "member(s)", "organisations": "organisation(s)"}[self.of.value]
        scope = " ".join(x for x in (self.sector, self.category) if x)
        return f"at least {self.at_least} {scope + ' ' if scope else ''}{what} present"


class FractionPresent(RuleKind):
    require: str
    numerator: int
    denominator: int
    of: Counted
    category: str | None
    FIELDS: ClassVar[dict[str, Any]] = {
        "require": "fraction",
        "numerator": REQUIRED,
        "denominator": REQUIRED,
        "of": Counted.MEMBERS,
        "category": None,
    }

    def describe(self) -> str:
        scope = f" {self.category}" if self.category else ""
        return f"at least {self.numerator}/{self.denominator} of the{scope} {self.of.value} present"


def deputy_of(office: str) -> str:
    """The office whose holder stands in for ``office``'s: the vice-chair for the chair."""
    return f"vice-{office}"


class OfficeHolderPresent(RuleKind):
    require: str
    office: str
    or_deputy: bool
    or_offices: list[str]
    FIELDS: ClassVar[dict[str, Any]] = {
        "require": "office-holder",
        "office": REQUIRED,
        "or_deputy": True,
        "or_offices": list,
    }
    OMITTED: ClassVar[frozenset[str]] = frozenset({"or_offices"})

    def offices(self) -> list[str]:
        """Every office whose holder being present meets the requirement, in order."""
        named = [self.office] + ([deputy_of(self.office)] if self.or_deputy else [])
        return list(dict.fromkeys([*named, *self.or_offices]))

    def describe(self) -> str:
        further = "".join(f" or the {o}" for o in self.or_offices)
        return f"the {self.office}{' (or deputy)' if self.or_deputy else ''}{further} present"


class SeatPresent(RuleKind):
    require: str
    member: str
    FIELDS: ClassVar[dict[str, Any]] = {"require": "seat", "member": REQUIRED}

    def describe(self) -> str:
        return f"{self.member} present"


class RolePresent(RuleKind):
    require: str
    role: str
    at_least: int
    FIELDS: ClassVar[dict[str, Any]] = {"require": "role", "role": REQUIRED, "at_least": 1}

    def describe(self) -> str:
        return f"at least {self.at_least} {self.role} present"


Single = MinimumPresent | FractionPresent | OfficeHolderPresent | SeatPresent | RolePresent


class AnyOf(RuleKind):
    require: str
    options: Sequence[Single]
    FIELDS: ClassVar[dict[str, Any]] = {"require": "any-of", "options": REQUIRED}

    def describe(self) -> str:
        return "either " + " or ".join(o.describe() for o in self.options)


class QuorumRule(RuleKind):
    kind: str
    all_of: Sequence[Single | AnyOf]
    FIELDS: ClassVar[dict[str, Any]] = {"kind": "quorum", "all_of": REQUIRED}

    def describe(self) -> str:
        return "quorate with " + "; and ".join(r.describe() for r in self.all_of)


class MeetingFrequency(RuleKind):
    kind: str
    at_least: int
    per: Period
    public: bool
    FIELDS: ClassVar[dict[str, Any]] = {
        "kind": "meeting-frequency",
        "at_least": REQUIRED,
        "per": REQUIRED,
        "public": False,
    }

    def describe(self) -> str:
        public = " public" if self.public else ""
        return f"at least {self.at_least}{public} meeting(s) per {self.per.value}"


class DecisionMethod(RuleKind):
    kind: str
    method: Method
    fallback: Method | None
    numerator: int | None
    denominator: int | None
    of: Base | None
    FIELDS: ClassVar[dict[str, Any]] = {
        "kind": "decision-method",
        "method": REQUIRED,
        "fallback": None,
        "numerator": None,
        "denominator": None,
        "of": None,
    }
    OMITTED: ClassVar[frozenset[str]] = frozenset({"numerator", "denominator", "of"})

    def base(self) -> Base:
        """What the majority is counted of."""
        return self.of or Base.VOTING

    def describe(self) -> str:
        fallback = f", failing which {self.fallback.value}" if self.fallback else ""
        share = f" {self.numerator}/{self.denominator}" if self.numerator else ""
        of = " of the whole membership" if self.of == Base.MEMBERSHIP else ""
        return f"decisions by {self.method.value}{share}{of}{fallback}"


class CastingVote(RuleKind):
    kind: str
    office: str
    FIELDS: ClassVar[dict[str, Any]] = {"kind": "casting-vote", "office": "chair"}

    def describe(self) -> str:
        return f"the {self.office} presiding has a casting vote on a tie"


class VotingEligibility(RuleKind):
    kind: str
    categories: list[str]
    FIELDS: ClassVar[dict[str, Any]] = {"kind": "voting-eligibility", "categories": REQUIRED}

    def describe(self) -> str:
        return "votes by " + ", ".join(self.categories)

    def allows(self, category: str) -> bool:
        return category in self.categories


class MembershipLimit(RuleKind):
    kind: str
    category: str
    at_most: int
    FIELDS: ClassVar[dict[str, Any]] = {
        "kind": "membership-limit",
        "category": REQUIRED,
        "at_most": REQUIRED,
    }

    def describe(self) -> str:
        return f"at most {self.at_most} {self.category} member(s)"


class InterestsExclude(RuleKind):
    kind: str
    financial_only: bool
    FIELDS: ClassVar[dict[str, Any]] = {"kind": "interests-exclude", "financial_only": True}

    def describe(self) -> str:
        scope = "financial decisions" if self.financial_only else "decisions"
        return f"members with a declared interest take no part in {scope}"


class CallIn(RuleKind):
    kind: str
    working_days: int
    runs_from: RunsFrom
    key_decisions_only: bool
    FIELDS: ClassVar[dict[str, Any]] = {
        "kind": "call-in",
        "working_days": REQUIRED,
        "runs_from": REQUIRED,
        "key_decisions_only": False,
    }

    def period(self) -> str:
        """How long the period lasts, in words: "5 working days"."""
        return f"{self.working_days} working day{'' if self.working_days == 1 else 's'}"

    def describe(self) -> str:
        what = "a key decision" if self.key_decisions_only else "a decision"
        start = "the meeting" if self.runs_from == RunsFrom.MEETING else "its publication"
        return f"{what} may be called in within {self.period()} of {start}"


class TextRule(RuleKind):
    kind: str
    text: str
    FIELDS: ClassVar[dict[str, Any]] = {"kind": "text", "text": REQUIRED}

    def describe(self) -> str:
        return f"{self.text} (not machine-checked)"


RULES: tuple[type[RuleKind], ...] = (
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
REQUIREMENTS: tuple[type[RuleKind], ...] = (
    MinimumPresent,
    FractionPresent,
    OfficeHolderPresent,
    SeatPresent,
    RolePresent,
    AnyOf,
)
_KIND_CLASSES = frozenset((*RULES, *REQUIREMENTS))
_BY_KIND = {c.FIELDS["kind"]: c for c in RULES}
_BY_REQUIRE = {c.FIELDS["require"]: c for c in REQUIREMENTS}
# The fields each kind stores as an enumeration's value.
_ENUMS: dict[type[RuleKind], dict[str, type[StrEnum]]] = {
    MinimumPresent: {"of": Counted},
    FractionPresent: {"of": Counted},
    MeetingFrequency: {"per": Period},
    DecisionMethod: {"method": Method, "fallback": Method, "of": Base},
    CallIn: {"runs_from": RunsFrom},
}


def _stored(data: dict[str, Any], cls: type[RuleKind]) -> RuleKind:
    fields = dict(data)
    for name, enum in _ENUMS.get(cls, {}).items():
        if fields.get(name) is not None:
            fields[name] = enum(fields[name])
    if cls is QuorumRule:
        fields["all_of"] = [_stored(r, _BY_REQUIRE[r["require"]]) for r in fields["all_of"]]
    elif cls is AnyOf:
        fields["options"] = [_stored(r, _BY_REQUIRE[r["require"]]) for r in fields["options"]]
    return cls(**fields)


def stored_rules(data: Iterable[dict[str, Any]]) -> list[Any]:
    """Rules as the ledger stored them (their JSON, parsed), made again as the kinds
    here: no validator is built (what the store holds was validated when recorded)."""
    return [_stored(rule, _BY_KIND[rule["kind"]]) for rule in data]


R = TypeVar("R")


def rule_of(sections: Iterable[Any], kind: type[R]) -> tuple[R, str] | None:
    """The first rule of ``kind`` in a document's sections (each with ``id`` and
    ``rules``), and the id of the section that carries it."""
    for section in sections:
        for rule in section.rules:
            if isinstance(rule, kind):
                return rule, section.id
    return None
