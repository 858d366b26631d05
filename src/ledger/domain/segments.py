"""A state over a stretch of effective time: what the folds of ``domain/history.py``
make and what the read models read back, apart from the events (ADR 0023)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

S = TypeVar("S")


@dataclass(frozen=True)
class Segment(Generic[S]):
    """``state`` held from ``valid_from`` until the day before ``valid_to`` (None: still)."""

    valid_from: date
    valid_to: date | None
    state: S
