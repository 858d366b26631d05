"""Membership of a body: seats held by organisations (or individuals), their
representatives and named substitutes, and the offices of chair and vice-chair.

A *member* is a seat: "Kent Police on the KCSP Working Group", in a category the ToR
uses (responsible authority, co-operating body, invitee, other attendee, co-opted
member...), voting or not, counting towards quorum or not (by default: if it votes),
holding roles the ToR may ask for (``elected-member``).  People sit in seats: a
representative and, per member, one named substitute.  Offices are elected for a term.
Limits the ToR sets ("up to two co-opted members") are enforced over time when any
seat or ToR change is recorded (``domain/limits.py``, run by ``domain/guards.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from msgspec.structs import replace
from pydantic import Field, field_validator

from ledger.domain.body import body_history
from ledger.domain.body import state_on as body_on
from ledger.domain.commands import Context, EffectiveCommand
from ledger.domain.errors import RuleViolation
from ledger.domain.events import SLUG, LedgerEvent, register_upcaster
from ledger.domain.history import History, changes_by_date, in_force, register_checker, state_at
from ledger.domain.ids import aggregate_id

# Its state is defined apart from its events, with nothing of pydantic's, for the read
# path (ADR 0023); named here too, as before.
from ledger.domain.membership_state import MembershipState as MembershipState
from ledger.domain.membership_state import Office as Office
from ledger.domain.membership_state import Person as Person
from ledger.domain.membership_state import Seat as Seat
from ledger.domain.types import Category, Day, Flag, Label, PersonName, Slug, omitted_when_empty

CATEGORIES = (
    "responsible-authority",
    "co-operating-body",
    "invitee",
    "other-attendee",
    "co-opted",
    "independent",
)


def membership_id(body: str) -> UUID:
    """The aggregate id of a body's membership."""
    return aggregate_id("membership", body)


def _slug(value: str) -> str:
    if not SLUG.fullmatch(value):
        raise ValueError("must be a short id of lower-case letters, digits and hyphens")
    return value


# --- events -----------------------------------------------------------------------


Roles = Annotated[list[Slug], Field(max_length=20)]


class MemberJoined(LedgerEvent):
    """A seat on the body.  ``counts_for_quorum``: true, it counts whether it votes or
    not; false, it never counts; null, it counts if it votes (its own ``voting`` flag,
    and the ToR's voting-eligibility rule in force on the meeting's date)."""

    TOPIC: ClassVar[str] = "membership.joined/v2"
    member: Slug
    organisation: Slug | None = None
    category: Category
    voting: Flag = True
    counts_for_quorum: Flag | None = None
    roles: Roles = omitted_when_empty(default_factory=list)

    @field_validator("roles")
    @classmethod
    def _distinct(cls, roles: list[str]) -> list[str]:
        return _distinct_roles(roles)

    def describe(self) -> str:
        roles = f" [{', '.join(self.roles)}]" if self.roles else ""
        voting = "" if self.voting else " (non-voting)"
        if not self.voting and self.counts_for_quorum:
            voting = " (non-voting, counts towards quorum)"
        return f"{self.member} joined {self.body} as {self.category}{roles}{voting}"


def _joined_v1(payload: dict[str, Any]) -> dict[str, Any]:
    """``membership.joined/v1`` counted a seat towards quorum only if it voted *and* its
    ``counts_for_quorum`` was true; in /v2 a true ``counts_for_quorum`` counts a seat
    whether it votes or not.  So a /v1 true reads as null (count if it votes), a /v1
    false stays false: every stored seat counts exactly when it counted before."""
    payload["counts_for_quorum"] = None if payload.get("counts_for_quorum", True) else False
    return payload


register_upcaster("membership.joined/v1", MemberJoined.TOPIC, _joined_v1)


def _distinct_roles(roles: list[str]) -> list[str]:
    repeated = sorted({r for r in roles if roles.count(r) > 1})
    if repeated:
        raise ValueError(f"roles must be distinct; repeated: {', '.join(repeated)}")
    return roles


class MemberLeft(LedgerEvent):
    TOPIC: ClassVar[str] = "membership.left/v1"
    member: Slug

    def describe(self) -> str:
        return f"{self.member} left {self.body}"


class _PersonInSeat(LedgerEvent):
    """A person named to sit in a member's seat."""

    member: Slug
    person: Slug
    name: PersonName
    role: PersonName | None = None


class RepresentativeAppointed(_PersonInSeat):
    TOPIC: ClassVar[str] = "membership.representative-appointed/v1"

    def describe(self) -> str:
        return f"{self.name} represents {self.member} on {self.body}"


class SubstituteNamed(_PersonInSeat):
    TOPIC: ClassVar[str] = "membership.substitute-named/v1"

    def describe(self) -> str:
        return f"{self.name} named substitute for {self.member} on {self.body}"


class OfficeHolderElected(LedgerEvent):
    TOPIC: ClassVar[str] = "membership.office-elected/v1"
    office: Label
    person: Slug
    name: PersonName
    term_end: Day | None = None

    def describe(self) -> str:
        until = f" until {self.term_end}" if self.term_end else ""
        return f"{self.name} elected {self.office} of {self.body}{until}"


# --- state ------------------------------------------------------------------------


def _with_seat(state: MembershipState, seat: Seat) -> MembershipState:
    seats = tuple(seat if s.member == seat.member else s for s in state.seats)
    return replace(state, seats=seats)


def _apply(state: MembershipState | None, event: LedgerEvent) -> MembershipState:
    state = state or MembershipState()
    if isinstance(event, MemberJoined):
        if state.seat(event.member) is not None:
            raise RuleViolation(f"{event.member} is already a member of {event.body}")
        seat = Seat(
            event.member,
            event.organisation,
            event.category,
            event.voting,
            event.counts_for_quorum,
            event.effective,
            roles=tuple(event.roles),
            decision=event.authority.decision if event.authority else None,
        )
        return replace(state, seats=(*state.seats, seat))
    if isinstance(event, OfficeHolderElected):
        office = Office(
            event.office,
            Person(event.person, event.name),
            event.effective,
            event.term_end,
            event.authority.decision if event.authority else None,
        )
        others = tuple(o for o in state.offices if o.office != event.office)
        return replace(state, offices=(*others, office))
    member: str = getattr(event, "member", "")
    found = state.seat(member)
    if found is None:
        raise RuleViolation(f"{member} is not a member of {event.body} on {event.effective}")
    if isinstance(event, MemberLeft):
        return replace(state, seats=tuple(s for s in state.seats if s.member != member))
    if isinstance(event, RepresentativeAppointed):
        return _with_seat(
            state, replace(found, representative=Person(event.person, event.name, event.role))
        )
    if isinstance(event, SubstituteNamed):
        return _with_seat(
            state, replace(found, substitute=Person(event.person, event.name, event.role))
        )
    raise RuleViolation(f"{event.TOPIC} does not apply to a membership")


def timeline(events: Sequence[LedgerEvent]) -> list[tuple[date, MembershipState]]:
    """(effective date, membership from then) for each date the membership changed."""
    return changes_by_date(events, _apply)


def membership_on(events: Sequence[LedgerEvent], day: date) -> MembershipState:
    """The membership on ``day`` (empty before anyone joined)."""
    return state_at(events, day, _apply) or MembershipState()


def check_history(events: Sequence[LedgerEvent]) -> None:
    timeline(events)


register_checker("membership.", check_history)


# --- commands ---------------------------------------------------------------------


class AddMember(EffectiveCommand):
    """A member (an organisation's seat, or an individual) joins a body."""

    type: Literal["add-member"] = "add-member"
    body: str
    member: str = Field(description="Short id of the seat, e.g. 'kent-police'.")
    organisation: str | None = Field(default=None, description="The organisation's id.")
    category: str = Field(
        min_length=1,
        max_length=80,
        description="e.g. responsible-authority, co-operating-body, invitee, co-opted.",
    )
    voting: Flag = True
    counts_for_quorum: Flag | None = Field(
        default=None,
        description=(
            "true: counts towards quorum whether it votes or not; false: never counts; "
            "not given: counts if it votes (under the ToR's voting-eligibility rule too)."
        ),
    )
    roles: list[str] = omitted_when_empty(
        default_factory=list,
        max_length=20,
        description="Roles the seat holds that a quorum rule may ask for, e.g. elected-member.",
    )
    representative: str | None = Field(default=None, description="Person id of its representative.")
    representative_name: str | None = None
    representative_role: str | None = None

    _member = field_validator("member")(_slug)

    @field_validator("roles")
    @classmethod
    def _roles(cls, roles: list[str]) -> list[str]:
        for role in roles:
            if not SLUG.fullmatch(role):
                raise ValueError(
                    f"role {role!r} is not a short id of lower-case letters, digits and "
                    "hyphens, e.g. elected-member"
                )
        return _distinct_roles(roles)

    def legacy_values(self) -> dict[str, Any]:
        # Before counts_for_quorum could be left unset, an entry that did not give it
        # was dumped with true, and meant what unset means now (count if it votes).
        return {"counts_for_quorum": True} if self.counts_for_quorum is None else {}


class EndMember(EffectiveCommand):
    """A member leaves a body."""

    type: Literal["end-member"] = "end-member"
    body: str
    member: str


class _NamePerson(EffectiveCommand):
    body: str
    member: str
    person: str
    name: str = Field(min_length=1, max_length=200)
    role: str | None = Field(default=None, max_length=200)

    _person = field_validator("person")(_slug)


class AppointRepresentative(_NamePerson):
    """A person represents a member from a date (replacing any earlier representative)."""

    type: Literal["appoint-representative"] = "appoint-representative"


class NameSubstitute(_NamePerson):
    """Name a member's substitute (one per member; replaces any earlier one)."""

    type: Literal["name-substitute"] = "name-substitute"


class ElectOfficeHolder(EffectiveCommand):
    """Elect a chair, vice-chair or other office holder, for a term."""

    type: Literal["elect-office-holder"] = "elect-office-holder"
    body: str
    office: str = Field(min_length=1, max_length=50, description="e.g. chair, vice-chair")
    person: str
    name: str = Field(min_length=1, max_length=200)
    term_end: Day | None = Field(default=None, description="Last day of the term.")

    _person = field_validator("person")(_slug)


def _body_exists(ctx: Context, body: str, day: date) -> None:
    state = body_on(in_force(body_history(ctx, body).events), day)
    if state is None or state.dissolved is not None:
        raise RuleViolation(f"body '{body}' does not exist on {day}")


def _record(
    ctx: Context, cmd: Any, staged: list[LedgerEvent], cls: type[LedgerEvent], **fields: Any
) -> None:
    """Create, check and stage one event; staged events are seen by the next ones."""
    _body_exists(ctx, cmd.body, cmd.effective)
    history: History = ctx.history(membership_id(cmd.body))
    base = [e for e in history.events if e not in staged]
    event = ctx.new_event(
        cls,
        History(history.id, [*base, *staged]),
        body=cmd.body,
        effective=cmd.effective,
        authority=cmd.authority,
        **fields,
    )
    timeline(in_force([*base, *staged, event]))
    staged.append(event)


def add_member(ctx: Context, cmd: AddMember) -> list[LedgerEvent]:
    # Membership limits and voting eligibility are checked on the event itself, over
    # time, by domain/guards.py: for a correction exactly as for this first recording.
    staged: list[LedgerEvent] = []
    _record(
        ctx,
        cmd,
        staged,
        MemberJoined,
        member=cmd.member,
        organisation=cmd.organisation,
        category=cmd.category,
        voting=cmd.voting,
        counts_for_quorum=cmd.counts_for_quorum,
        roles=cmd.roles,
    )
    if cmd.representative is not None:
        _record(
            ctx,
            cmd,
            staged,
            RepresentativeAppointed,
            member=cmd.member,
            person=cmd.representative,
            name=cmd.representative_name or cmd.representative,
            role=cmd.representative_role,
        )
    return staged


def _one(ctx: Context, cmd: Any, cls: type[LedgerEvent], **fields: Any) -> list[LedgerEvent]:
    staged: list[LedgerEvent] = []
    _record(ctx, cmd, staged, cls, **fields)
    return staged


def end_member(ctx: Context, cmd: EndMember) -> list[LedgerEvent]:
    return _one(ctx, cmd, MemberLeft, member=cmd.member)


def appoint_representative(ctx: Context, cmd: AppointRepresentative) -> list[LedgerEvent]:
    return _one(
        ctx,
        cmd,
        RepresentativeAppointed,
        member=cmd.member,
        person=cmd.person,
        name=cmd.name,
        role=cmd.role,
    )


def name_substitute(ctx: Context, cmd: NameSubstitute) -> list[LedgerEvent]:
    return _one(
        ctx,
        cmd,
        SubstituteNamed,
        member=cmd.member,
        person=cmd.person,
        name=cmd.name,
        role=cmd.role,
    )


def elect_office_holder(ctx: Context, cmd: ElectOfficeHolder) -> list[LedgerEvent]:
    if cmd.term_end is not None and cmd.term_end < cmd.effective:
        raise RuleViolation(f"the term cannot end ({cmd.term_end}) before it starts")
    return _one(
        ctx,
        cmd,
        OfficeHolderElected,
        office=cmd.office,
        person=cmd.person,
        name=cmd.name,
        term_end=cmd.term_end,
    )
