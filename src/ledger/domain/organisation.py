"""Organisations: the bodies' members-to-be, registered, renamed, closed (with a successor).

An organisation is a police force, a council, a fire and rescue service, a health body,
the probation service, a voluntary group.  Its slug travels in the event field
``organisation`` (the envelope's ``body`` is for bodies and stays empty).  Renaming
keeps the old name in its history; closing may name the organisation that took over.
An organisation may carry its org-id.guide ``identifier`` (``GB-LAE-KEN``), given when
it is registered or recorded later from a date (``set-organisation-identifier``): the
exports name it by that (ADR 0020).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import ClassVar, Literal
from uuid import UUID

from msgspec.structs import replace
from pydantic import Field, field_validator

from ledger.domain.commands import Context, EffectiveCommand
from ledger.domain.errors import NotFound, RuleViolation
from ledger.domain.events import SLUG, LedgerEvent
from ledger.domain.history import (
    History,
    Segment,
    register_checker,
    segments,
    state_at,
)
from ledger.domain.ids import aggregate_id

# Its state is defined apart from its events, with nothing of pydantic's, for the read
# path (ADR 0023); named here too, as before.
from ledger.domain.organisation_state import OrganisationState as OrganisationState
from ledger.domain.types import Label, Name, OrgId, Reason, Slug, omitted_when_empty


class OrganisationSector(StrEnum):
    """What sort of organisation it is."""

    POLICE = "police"
    POLICE_AND_CRIME_COMMISSIONER = "police-and-crime-commissioner"
    LOCAL_AUTHORITY = "local-authority"
    FIRE_AND_RESCUE = "fire-and-rescue"
    HEALTH = "health"
    PROBATION = "probation"
    CRIMINAL_JUSTICE = "criminal-justice"
    HOUSING = "housing"
    VOLUNTARY = "voluntary"
    EDUCATION = "education"
    OTHER = "other"


def organisation_id(slug: str) -> UUID:
    """The aggregate id of the organisation with this slug."""
    return aggregate_id("organisation", slug)


def _check_slug(value: str) -> str:
    if not SLUG.fullmatch(value):
        raise ValueError(
            "must be a short id of lower-case letters, digits and hyphens, e.g. 'kent-police'"
        )
    return value


def _check_optional_slug(value: str | None) -> str | None:
    return None if value is None else _check_slug(value)


# --- events -----------------------------------------------------------------------


class OrganisationEvent(LedgerEvent):
    """An event of an organisation's life; ``organisation`` is its slug."""

    organisation: Slug


class OrganisationRegistered(OrganisationEvent):
    TOPIC: ClassVar[str] = "organisation.registered/v1"
    name: Name
    sector: OrganisationSector
    short_name: Label | None = None
    identifier: OrgId | None = omitted_when_empty(default=None)

    def describe(self) -> str:
        short = f" [{self.short_name}]" if self.short_name else ""
        known = f", {self.identifier}" if self.identifier else ""
        return f"registered {self.organisation} '{self.name}'{short} ({self.sector}{known})"


class OrganisationIdentified(OrganisationEvent):
    """From its effective date the organisation is known by this org-id.guide identifier."""

    TOPIC: ClassVar[str] = "organisation.identifier-set/v1"
    identifier: OrgId

    def describe(self) -> str:
        return f"identified {self.organisation} as {self.identifier}"


class OrganisationRenamed(OrganisationEvent):
    TOPIC: ClassVar[str] = "organisation.renamed/v1"
    name: Name
    short_name: Label | None = None

    def describe(self) -> str:
        short = f" [{self.short_name}]" if self.short_name else ""
        return f"renamed {self.organisation} to '{self.name}'{short}"


class OrganisationClosed(OrganisationEvent):
    TOPIC: ClassVar[str] = "organisation.closed/v1"
    successor: Slug | None = None
    reason: Reason | None = None

    def describe(self) -> str:
        text = f"closed {self.organisation}"
        if self.successor:
            text += f", succeeded by {self.successor}"
        return text + (f": {self.reason}" if self.reason else "")


# --- state ------------------------------------------------------------------------


def _apply(state: OrganisationState | None, event: LedgerEvent) -> OrganisationState:
    """One step of the fold; raises RuleViolation naming the event that cannot apply."""
    day = event.effective
    if not isinstance(event, OrganisationEvent):
        raise RuleViolation(f"{event.TOPIC} does not apply to an organisation")
    slug = event.organisation
    if event.originator_id != organisation_id(slug):
        raise RuleViolation(f"an event about '{slug}' cannot belong to another organisation")
    if isinstance(event, OrganisationRegistered):
        if state is not None:
            raise RuleViolation(f"{slug} is already registered (on {state.registered})")
        return OrganisationState(
            slug, event.name, event.short_name, event.sector.value, day, identifier=event.identifier
        )
    if state is None:
        raise RuleViolation(f"{slug} is not registered on {day}")
    if state.closed is not None:
        raise RuleViolation(f"{slug} was closed on {state.closed}")
    if isinstance(event, OrganisationRenamed):
        if event.name == state.name and event.short_name == state.short_name:
            raise RuleViolation(f"{slug} is already called '{state.name}' on {day}")
        return replace(state, name=event.name, short_name=event.short_name)
    if isinstance(event, OrganisationIdentified):
        if event.identifier == state.identifier:
            raise RuleViolation(f"{slug} is already identified as {state.identifier} on {day}")
        return replace(state, identifier=event.identifier)
    if isinstance(event, OrganisationClosed):
        if event.successor == slug:
            raise RuleViolation(f"{slug} cannot be its own successor")
        return replace(state, closed=day, successor=event.successor)
    raise RuleViolation(f"{event.TOPIC} does not apply to an organisation")


def timeline(events: Sequence[LedgerEvent]) -> list[Segment[OrganisationState]]:
    """The organisation's states over effective time, from events filtered by ``in_force``."""
    return segments(events, _apply)


def state_on(events: Sequence[LedgerEvent], day: date) -> OrganisationState | None:
    """The organisation as it stood on ``day`` from in-force events (None before it)."""
    return state_at(events, day, _apply)


def check_history(events: Sequence[LedgerEvent]) -> None:
    """Raise RuleViolation if the in-force events do not make a coherent organisation."""
    timeline(events)


register_checker("organisation.", check_history)


# --- commands ---------------------------------------------------------------------


class RegisterOrganisation(EffectiveCommand):
    """Register an organisation: a force, council, service, health or voluntary body."""

    type: Literal["register-organisation"] = "register-organisation"
    organisation: str = Field(description="Short id of the organisation, e.g. 'kent-police'.")
    name: str = Field(min_length=1, max_length=300)
    sector: OrganisationSector
    short_name: str | None = Field(
        default=None, min_length=1, max_length=50, description="e.g. 'KFRS'."
    )
    identifier: OrgId | None = Field(
        default=None,
        description="Its org-id.guide identifier, e.g. 'GB-LAE-KEN' (Kent County Council).",
    )

    _slug = field_validator("organisation")(_check_slug)


class RenameOrganisation(EffectiveCommand):
    """Rename an organisation from a date (its history keeps the old name).

    The short name given replaces the old one; without one, it has none from then on.
    """

    type: Literal["rename-organisation"] = "rename-organisation"
    organisation: str
    name: str = Field(min_length=1, max_length=300)
    short_name: str | None = Field(default=None, min_length=1, max_length=50)


class SetOrganisationIdentifier(EffectiveCommand):
    """Record the org-id.guide identifier an organisation holds from a date (give the
    day it was registered if it has always held it)."""

    type: Literal["set-organisation-identifier"] = "set-organisation-identifier"
    organisation: str
    identifier: OrgId = Field(description="e.g. 'GB-LAE-KEN' (Kent County Council).")


class CloseOrganisation(EffectiveCommand):
    """Close an organisation from a date, naming its successor if it has one."""

    type: Literal["close-organisation"] = "close-organisation"
    organisation: str
    successor: str | None = Field(
        default=None, description="Short id of the organisation that took over its work."
    )
    reason: str | None = Field(default=None, max_length=2000)

    _successor = field_validator("successor")(_check_optional_slug)


def organisation_history(ctx: Context, slug: str) -> History:
    """The history of an existing organisation, or NotFound."""
    history = ctx.history(organisation_id(slug))
    if not history.exists:
        raise NotFound(f"unknown organisation '{slug}'")
    return history


def _checked(history: History, event: LedgerEvent) -> LedgerEvent:
    check_history(history.with_event(event))
    return event


def register_organisation(ctx: Context, cmd: RegisterOrganisation) -> list[LedgerEvent]:
    history = ctx.history(organisation_id(cmd.organisation))
    if history.current():
        raise RuleViolation(f"organisation '{cmd.organisation}' already exists")
    event = ctx.new_event(
        OrganisationRegistered,
        history,
        organisation=cmd.organisation,
        effective=cmd.effective,
        authority=cmd.authority,
        name=cmd.name,
        sector=cmd.sector,
        short_name=cmd.short_name,
        identifier=cmd.identifier,
    )
    return [_checked(history, event)]


def rename_organisation(ctx: Context, cmd: RenameOrganisation) -> list[LedgerEvent]:
    history = organisation_history(ctx, cmd.organisation)
    event = ctx.new_event(
        OrganisationRenamed,
        history,
        organisation=cmd.organisation,
        effective=cmd.effective,
        authority=cmd.authority,
        name=cmd.name,
        short_name=cmd.short_name,
    )
    return [_checked(history, event)]


def set_organisation_identifier(ctx: Context, cmd: SetOrganisationIdentifier) -> list[LedgerEvent]:
    history = organisation_history(ctx, cmd.organisation)
    event = ctx.new_event(
        OrganisationIdentified,
        history,
        organisation=cmd.organisation,
        effective=cmd.effective,
        authority=cmd.authority,
        identifier=cmd.identifier,
    )
    return [_checked(history, event)]


def close_organisation(ctx: Context, cmd: CloseOrganisation) -> list[LedgerEvent]:
    history = organisation_history(ctx, cmd.organisation)
    event = ctx.new_event(
        OrganisationClosed,
        history,
        organisation=cmd.organisation,
        effective=cmd.effective,
        authority=cmd.authority,
        successor=cmd.successor,
        reason=cmd.reason,
    )
    return [_checked(history, event)]
