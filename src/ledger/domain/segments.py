"""A state over a stretch of effective time: what the folds of ``domain/history.py``
make and what the read models read back, apart from the events (ADR 0023)."""

from __future__ import annotations

from datetime import date
from typing import Generic, TypeVar

from msgspec import Struct

S = TypeVar("S")


class Segment(Struct, Generic[S], frozen=True):
    """``state`` held from ``valid_from`` until the day before ``valid_to`` (None: still)."""

    valid_from: date
    valid_to: date | None
    state: S
