"""A body as it stood over some stretch of time, folded from its events
(``domain/body.py``); apart from them, so the read path imports no event model
(ADR 0023)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from msgspec import Struct


class BodyKind(StrEnum):
    """What sort of body it is, in the partnerships' own terms."""

    PARTNERSHIP = "partnership"
    STRATEGY_GROUP = "strategy-group"
    EXECUTIVE_GROUP = "executive-group"
    WORKING_GROUP = "working-group"
    STEERING_GROUP = "steering-group"
    SUBGROUP = "subgroup"
    TASK_GROUP = "task-group"
    BOARD = "board"
    OTHER = "other"


class BodyState(Struct, frozen=True):
    """A body as it stood over some stretch of time."""

    slug: str
    name: str
    kind: str
    parent: str | None
    established: date
    dissolved: date | None = None
