"""A body's membership as it stands on a day: its seats (each with its representative
and substitute) and its offices, folded from the membership events
(``domain/membership.py``).  Apart from the events, with nothing of pydantic's, so the
read path that reads it back from the read model imports no event model (ADR 0023)."""

from __future__ import annotations

from datetime import date
from functools import cached_property

from msgspec import Struct, field


class Person(Struct, frozen=True):
    """Someone named on a seat or in an office."""

    person: str
    name: str
    role: str | None = None


class Seat(Struct, frozen=True):
    """A seat on a body: its member, category, votes, and who fills it."""

    member: str
    organisation: str | None
    category: str
    voting: bool
    counts_for_quorum: bool | None  # None: if it votes
    joined: date
    representative: Person | None = None
    substitute: Person | None = None
    roles: tuple[str, ...] = ()
    decision: str | None = None  # the decision the seat's joining cites as authority


class Office(Struct, frozen=True):
    """An office of a body (a chair, say) and who holds it."""

    office: str
    holder: Person
    elected: date
    term_end: date | None
    decision: str | None = None  # the decision that elected them, if one is cited

    def held_on(self, day: date) -> bool:
        return self.term_end is None or day <= self.term_end


class MembershipState(Struct, frozen=True, dict=True):
    """A body's seats and offices on a day."""

    seats: tuple[Seat, ...] = ()
    offices: tuple[Office, ...] = field(default_factory=tuple)

    @cached_property
    def _by_member(self) -> dict[str, Seat]:
        found: dict[str, Seat] = {}
        for s in self.seats:
            found.setdefault(s.member, s)  # the first, as a scan in order would find
        return found

    def seat(self, member: str) -> Seat | None:
        return self._by_member.get(member)

    def office_holder(self, office: str, day: date) -> Person | None:
        held = next((o for o in self.offices if o.office == office), None)
        return held.holder if held is not None and held.held_on(day) else None

    def seat_of(self, person: str) -> Seat | None:
        """The seat this person represents (not as a substitute).

        Someone who represents two seats is taken for the first by member id, so the
        answer never depends on the order the seats happen to be held in."""
        held = [
            s
            for s in self.seats
            if s.representative is not None and s.representative.person == person
        ]
        return min(held, key=lambda s: s.member, default=None)
