"""A meeting as it stands: its agenda items, attendance and declarations of interest,
folded from its events (``domain/meeting.py``).  Apart from the events, with nothing
of pydantic's, so the read path that reads it back from the read model imports no event
model (ADR 0023)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from functools import cached_property

from msgspec import Struct

from ledger.domain.errors import NotFound


class Status(StrEnum):
    PRESENT = "present"
    SUBSTITUTE = "substitute"  # present as substitute for a named member
    IN_ATTENDANCE = "in-attendance"  # not a member
    APOLOGIES = "apologies"
    ABSENT = "absent"
    UNKNOWN = "unknown"


PRESENT = (Status.PRESENT, Status.SUBSTITUTE, Status.IN_ATTENDANCE)


class Item(Struct, frozen=True):
    """An agenda item."""

    item: str
    title: str
    paper: str | None
    classification: str
    financial: bool


class Attendance(Struct, frozen=True):
    """A person's attendance: as what, and from and to which items."""

    person: str
    name: str
    status: str
    member: str | None
    substitute_for: str | None
    from_item: str | None
    to_item: str | None


class Interest(Struct, frozen=True):
    """An interest declared at an item, and whether the person withdrew."""

    person: str
    item: str
    interest: str
    withdrew: bool


class MeetingState(Struct, frozen=True, dict=True):
    """A meeting as recorded: its status, agenda, attendance and interests."""

    meeting: str
    body: str
    day: date
    title: str | None
    public: bool
    status: str  # scheduled | held | cancelled | dissolved
    items: tuple[Item, ...] = ()
    attendance: tuple[Attendance, ...] = ()
    interests: tuple[Interest, ...] = ()
    minutes_approved_at: str | None = None
    reason: str | None = None

    @cached_property
    def _item_positions(self) -> dict[str, int]:
        """Each agenda item's place (the first, should one be listed twice)."""
        positions: dict[str, int] = {}
        for index, entry in enumerate(self.items):
            positions.setdefault(entry.item, index)
        return positions

    @cached_property
    def _records(self) -> dict[str, Attendance]:
        """Each person's attendance record (the first, should one be listed twice)."""
        found: dict[str, Attendance] = {}
        for record in self.attendance:
            found.setdefault(record.person, record)
        return found

    def record_of(self, person: str) -> Attendance | None:
        """``person``'s attendance record (None: not recorded at this meeting)."""
        return self._records.get(person)

    def item_index(self, item: str) -> int:
        index = self._item_positions.get(item)
        if index is None:
            raise NotFound(f"{self.meeting} has no agenda item {item}")
        return index

    def present_at(self, record: Attendance, item: str | None) -> bool:
        """Whether ``record`` places the person in the room for ``item`` (None: the start)."""
        if record.status not in PRESENT:
            return False
        if not self.items:
            return True
        at = self.item_index(item) if item is not None else 0
        start = self.item_index(record.from_item) if record.from_item else 0
        end = self.item_index(record.to_item) if record.to_item else len(self.items) - 1
        return start <= at <= end
