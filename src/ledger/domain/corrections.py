"""Corrections and retractions: the record is never edited, only superseded.

A correction is a new event of the same kind as the one it corrects, carrying the
right values and pointing at the original with ``corrects``.  A retraction says an
event was recorded in error.  The original stays in the log and the audit trail;
answers "as known at" a moment before the correction still show it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, JsonValue
from pydantic import ValidationError as PydanticValidationError

from ledger.domain.commands import Command, Context
from ledger.domain.errors import RuleViolation, ValidationError
from ledger.domain.events import Authority, EventRetracted, LedgerEvent
from ledger.domain.history import check_aggregate
from ledger.domain.types import Day

ENVELOPE = {
    "originator_id",
    "originator_version",
    "timestamp",
    "event_id",
    "actor",
    "corrects",
    "source_key",
    "body",
    "authority",
}


class CorrectEvent(Command):
    """Correct an earlier event: give the fields that were wrong, with their right values."""

    type: Literal["correct"] = "correct"
    event: str = Field(description="The event to correct: its id, '#position', or entry key.")
    effective: Day | None = Field(default=None, description="The right effective date.")
    changes: dict[str, JsonValue] = Field(
        default_factory=dict, description="Other fields of the event and their right values."
    )
    reason: str = Field(min_length=1, max_length=2000)


class RetractEvent(Command):
    """Retract an earlier event that was recorded in error."""

    type: Literal["retract"] = "retract"
    event: str = Field(description="The event to retract: its id, '#position', or entry key.")
    reason: str = Field(min_length=1, max_length=2000)


def _authority(cmd: Command, reason: str) -> Authority:
    base = cmd.authority or Authority()
    note = f"{base.note}; {reason}" if base.note else reason
    return base.model_copy(update={"note": note})


def _standing(ctx: Context, target: LedgerEvent) -> None:
    history = ctx.history(target.originator_id)
    if isinstance(target, EventRetracted):
        raise RuleViolation("a retraction cannot itself be corrected; record the event again")
    if target.event_id not in {e.event_id for e in history.current()}:
        raise RuleViolation(f"event {target.event_id} has already been corrected or retracted")


def correct_event(ctx: Context, cmd: CorrectEvent) -> list[LedgerEvent]:
    target = ctx.resolve_event(cmd.event)
    _standing(ctx, target)
    forbidden = sorted(set(cmd.changes) & ENVELOPE)
    if forbidden:
        raise ValidationError(f"a correction cannot change {', '.join(forbidden)}")
    data: dict[str, Any] = target.model_dump(mode="json", exclude=ENVELOPE)
    # Fields left out of the stored bytes while empty (ADR 0003) may be set too.
    unknown = sorted(set(cmd.changes) - (set(type(target).model_fields) - ENVELOPE))
    if unknown:
        raise ValidationError(f"{target.TOPIC} has no field {', '.join(unknown)}")
    try:
        data.update(type(target).read_changes(cmd.changes))
    except ValueError as exc:
        raise ValidationError(f"correction: {exc}") from None
    if cmd.effective is not None:
        data["effective"] = cmd.effective.isoformat()
    original = target.model_dump(mode="json", exclude=ENVELOPE)
    if data == original:
        raise ValidationError("the correction changes nothing")
    history = ctx.history(target.originator_id)
    try:
        event = ctx.new_event(
            type(target),
            history,
            corrects=target.event_id,
            body=target.body,
            authority=_authority(cmd, cmd.reason),
            **data,
        )
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ValidationError(f"correction field {where}: {message}") from None
    check_aggregate(history.with_event(event))
    return [event]


def retract_event(ctx: Context, cmd: RetractEvent) -> list[LedgerEvent]:
    target = ctx.resolve_event(cmd.event)
    _standing(ctx, target)
    history = ctx.history(target.originator_id)
    event = ctx.new_event(
        EventRetracted,
        history,
        corrects=target.event_id,
        body=target.body,
        effective=target.effective,
        authority=cmd.authority,
        reason=cmd.reason,
    )
    remaining = history.with_event(event)
    check_aggregate(remaining)
    return [event]
