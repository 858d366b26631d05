"""The event envelope every stored event shares, and the registry of event topics.

Every event class names its topic explicitly (``TOPIC = "body.established/v1"``).  The
topic, never the Python class path, is what is stored, so classes can be renamed or
moved freely.  A change to an event's shape or meaning gets a new ``/vN`` topic and an
upcaster (``register_upcaster``) that turns a stored ``/v(N-1)`` payload into the new
shape when it is read; the stored bytes are never rewritten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from pydantic import ConfigDict, Field, field_validator

from ledger.domain.types import SLUG, Day, Slug, StrictInput, Whole, omitted_when_empty

__all__ = ["SLUG", "Authority", "EventRetracted", "LedgerEvent"]


class Authority(StrictInput):
    """On whose authority a change was made: a meeting and item, a paper, or a note."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    meeting: str | None = Field(default=None, max_length=200, description="Meeting id or name")
    item: str | None = Field(default=None, max_length=50, description="Agenda item number")
    paper: str | None = Field(default=None, max_length=500, description="Paper or report title")
    note: str | None = Field(default=None, max_length=2000, description="Any other authority")
    decision: Slug | None = omitted_when_empty(
        default=None,
        description="The decision (motion id) that authorised it; it must have been carried.",
    )

    def describe(self) -> str:
        """A short human reading, e.g. ``kcsp-2024-07-04 item 5; paper: ToR Update``."""
        parts = []
        if self.decision:
            parts.append(f"decision {self.decision}")
        if self.meeting:
            parts.append(self.meeting + (f" item {self.item}" if self.item else ""))
        elif self.item:
            parts.append(f"item {self.item}")
        if self.paper:
            parts.append(f"paper: {self.paper}")
        if self.note:
            parts.append(self.note)
        return "; ".join(parts)


class LedgerEvent(StrictInput):
    """Base class of every stored event.

    ``timestamp`` is the recorded time (the ledger's clock); ``effective`` is the
    valid time the user gave; ``body`` is the slug of the body the event concerns.
    ``corrects`` names an earlier event of the same aggregate that this one replaces;
    ``source_key`` is how an import recognises an entry it has already recorded.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    TOPIC: ClassVar[str] = ""
    SUMMARY: ClassVar[str] = ""

    originator_id: UUID
    originator_version: Whole
    timestamp: datetime
    event_id: UUID
    effective: Day
    actor: str
    authority: Authority | None = None
    corrects: UUID | None = None
    source_key: str | None = None
    body: str | None = None

    @field_validator("timestamp")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("recorded time must be timezone-aware")
        return value

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        topic = cls.__dict__.get("TOPIC")
        if topic:
            register_event(topic, cls)

    def describe(self) -> str:
        """One line saying what happened, for logs and replays."""
        return self.SUMMARY or self.TOPIC

    @classmethod
    def read_changes(cls, changes: Mapping[str, Any]) -> dict[str, Any]:
        """A correction's changes as this event's fields hold them (an amount typed in
        pounds becomes pence); unchanged for most events."""
        return dict(changes)


EVENT_TYPES: dict[str, type[LedgerEvent]] = {}


def register_event(topic: str, cls: type[LedgerEvent]) -> None:
    """Register an event class under its stored topic; a topic may be claimed once."""
    existing = EVENT_TYPES.get(topic)
    if existing is not None and existing is not cls:
        raise RuntimeError(f"event topic {topic!r} is claimed by {existing} and {cls}")
    EVENT_TYPES[topic] = cls


Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
UPCASTERS: dict[str, tuple[str, Upcaster]] = {}


def register_upcaster(old_topic: str, new_topic: str, upcaster: Upcaster) -> None:
    """Read payloads stored under ``old_topic`` as ``new_topic`` payloads, via ``upcaster``."""
    if old_topic in EVENT_TYPES:
        raise RuntimeError(
            f"event topic {old_topic!r} is still claimed by {EVENT_TYPES[old_topic]}"
        )
    UPCASTERS[old_topic] = (new_topic, upcaster)


def upcast(topic: str, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The current topic and payload of a payload stored under ``topic`` (unchanged if current)."""
    while topic in UPCASTERS:
        topic, upcaster = UPCASTERS[topic]
        payload = upcaster(dict(payload))
    return topic, payload


def event_class(topic: str) -> type[LedgerEvent]:
    """The class stored under ``topic``."""
    try:
        return EVENT_TYPES[topic]
    except KeyError:
        raise LookupError(f"no event class is registered for topic {topic!r}") from None


class EventRetracted(LedgerEvent):
    """An earlier event of this aggregate was recorded in error and no longer holds."""

    TOPIC: ClassVar[str] = "event.retracted/v1"
    reason: str = Field(min_length=1, max_length=2000)

    def describe(self) -> str:
        return f"retracted an earlier event: {self.reason}"
