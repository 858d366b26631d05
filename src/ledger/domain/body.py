"""Bodies: partnerships, groups, subgroups and boards, established, renamed, dissolved."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import ClassVar, Literal
from uuid import UUID

from msgspec.structs import replace
from pydantic import Field, field_validator

from ledger.domain.body_state import BodyKind as BodyKind
from ledger.domain.body_state import BodyState as BodyState
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
from ledger.domain.types import Name, Reason, Slug


def body_id(slug: str) -> UUID:
    """The aggregate id of the body with this slug."""
    return aggregate_id("body", slug)


def _check_slug(value: str) -> str:
    if not SLUG.fullmatch(value):
        raise ValueError(
            "must be a short id of lower-case letters, digits and hyphens, e.g. 'kcsp-wg'"
        )
    return value


# --- events -----------------------------------------------------------------------


class BodyEstablished(LedgerEvent):
    TOPIC: ClassVar[str] = "body.established/v1"
    name: Name
    kind: BodyKind
    parent: Slug | None = None

    def describe(self) -> str:
        under = f" under {self.parent}" if self.parent else ""
        return f"established {self.body} '{self.name}' ({self.kind}){under}"


class BodyRenamed(LedgerEvent):
    TOPIC: ClassVar[str] = "body.renamed/v1"
    name: Name

    def describe(self) -> str:
        return f"renamed {self.body} to '{self.name}'"


class BodyDissolved(LedgerEvent):
    TOPIC: ClassVar[str] = "body.dissolved/v1"
    reason: Reason | None = None

    def describe(self) -> str:
        return f"dissolved {self.body}" + (f": {self.reason}" if self.reason else "")


# --- state ------------------------------------------------------------------------


# BodyKind and BodyState are in body_state.py, apart from the events (ADR 0023).


def _apply(state: BodyState | None, event: LedgerEvent) -> BodyState:
    """One step of the fold; raises RuleViolation naming the event that cannot apply."""
    day = event.effective
    if isinstance(event, BodyEstablished):
        if state is not None:
            raise RuleViolation(f"{event.body} is already established (on {state.established})")
        assert event.body is not None
        return BodyState(event.body, event.name, event.kind.value, event.parent, day)
    if state is None:
        raise RuleViolation(f"{event.body} is not established on {day}")
    if state.dissolved is not None:
        raise RuleViolation(f"{event.body} was dissolved on {state.dissolved}")
    if isinstance(event, BodyRenamed):
        if event.name == state.name:
            raise RuleViolation(f"{event.body} is already called '{state.name}' on {day}")
        return replace(state, name=event.name)
    if isinstance(event, BodyDissolved):
        return replace(state, dissolved=day)
    raise RuleViolation(f"{event.TOPIC} does not apply to a body")


step = _apply  # the fold's step, for those who carry a body's state on (a read model)


def timeline(events: Sequence[LedgerEvent]) -> list[Segment[BodyState]]:
    """The body's states over effective time, from events already filtered by ``in_force``."""
    return segments(events, _apply)


def state_on(events: Sequence[LedgerEvent], day: date) -> BodyState | None:
    """The body as it stood on ``day`` from in-force events (None before it existed)."""
    return state_at(events, day, _apply)


def check_history(events: Sequence[LedgerEvent]) -> None:
    """Raise RuleViolation if the in-force events do not make a coherent body."""
    timeline(events)


register_checker("body.", check_history)


# --- commands ---------------------------------------------------------------------


class EstablishBody(EffectiveCommand):
    """Establish a body: a partnership, group, subgroup or board."""

    type: Literal["establish-body"] = "establish-body"
    body: str = Field(description="Short id of the body, e.g. 'kcsp-wg'.")
    name: str = Field(min_length=1, max_length=300)
    kind: BodyKind
    parent: str | None = Field(default=None, description="Short id of the parent body.")

    _slug = field_validator("body")(_check_slug)


class RenameBody(EffectiveCommand):
    """Rename a body from a date (its history keeps the old name)."""

    type: Literal["rename-body"] = "rename-body"
    body: str
    name: str = Field(min_length=1, max_length=300)


class DissolveBody(EffectiveCommand):
    """Dissolve a body from a date."""

    type: Literal["dissolve-body"] = "dissolve-body"
    body: str
    reason: str | None = Field(default=None, max_length=2000)


def body_history(ctx: Context, slug: str) -> History:
    """The history of an existing body, or NotFound."""
    history = ctx.history(body_id(slug))
    if not history.exists:
        raise NotFound(f"unknown body '{slug}'")
    return history


def _checked(history: History, event: LedgerEvent) -> LedgerEvent:
    # The same check as check_history(history.with_event(event)): the fold is
    # carried on from what the history has folded already (domain/history.py).
    history.fold_with(_apply, event)
    return event


def establish_body(ctx: Context, cmd: EstablishBody) -> list[LedgerEvent]:
    history = ctx.history(body_id(cmd.body))
    if history.current():
        raise RuleViolation(f"body '{cmd.body}' already exists")
    if cmd.parent is not None:
        body_history(ctx, cmd.parent)  # NotFound for an unknown parent; the rest: guards.py
    event = ctx.new_event(
        BodyEstablished,
        history,
        body=cmd.body,
        effective=cmd.effective,
        authority=cmd.authority,
        name=cmd.name,
        kind=cmd.kind,
        parent=cmd.parent,
    )
    return [_checked(history, event)]


def rename_body(ctx: Context, cmd: RenameBody) -> list[LedgerEvent]:
    history = body_history(ctx, cmd.body)
    event = ctx.new_event(
        BodyRenamed,
        history,
        body=cmd.body,
        effective=cmd.effective,
        authority=cmd.authority,
        name=cmd.name,
    )
    return [_checked(history, event)]


def dissolve_body(ctx: Context, cmd: DissolveBody) -> list[LedgerEvent]:
    history = body_history(ctx, cmd.body)
    event = ctx.new_event(
        BodyDissolved,
        history,
        body=cmd.body,
        effective=cmd.effective,
        authority=cmd.authority,
        reason=cmd.reason,
    )
    return [_checked(history, event)]
