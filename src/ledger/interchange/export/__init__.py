"""Exports: the record in files that others can read and check (one module per format).

``jsonl`` is the verifiable trail, written by the application beside the Merkle tree.
Every other format is a module here with one function::

    write(source, out: Path, selection: Selection, progress: StageProgress) -> Written

``source`` is the application's read API (each module states, as a Protocol, the reads
it uses); the module never touches the database.  ``progress(label, total)`` starts a
stage of the work and returns a callable to advance it (or None off a terminal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

FORMATS = ("jsonl", "csv", "html", "popolo", "grants")
"""Every export format, in the order ``ledger export --format`` lists them."""

Advance = Callable[[int], None] | None
StageProgress = Callable[[str, int], Advance] | None


@dataclass(frozen=True)
class Selection:
    """What an export holds: one body (or all), and a range of effective dates."""

    body: str | None = None
    first: date | None = None
    last: date | None = None

    @property
    def partial(self) -> bool:
        return self.body is not None or self.first is not None or self.last is not None

    def covers(self, day: date | None) -> bool:
        """Whether an effective date falls inside the range (an undated thing does)."""
        if day is None:
            return True
        return (self.first is None or day >= self.first) and (self.last is None or day <= self.last)


@dataclass
class Written:
    """What an export wrote: its files and how many of each thing went into them."""

    kind: str
    files: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    tree_size: int | None = None
    root: str | None = None
