"""Membership limits, checked across time rather than on one date.

"No more than three invitees" holds on every date, not only on the date a seat is
recorded.  A seat backdated into a period that is already full, a departure retracted,
a seat's date or category corrected, a ToR version that lowers a limit: each changes
how many seats of a category sit on dates other than its own effective date, under ToR
versions other than the one in force that day.  So every such change is judged by
comparing the body's whole timeline (its seats and its ToR, side by side) before and
after it: at every date where either changes, no one may take a seat in a category
that is over its limit that day (``seated_over``), and a ToR change that leaves a
category further over a limit is reported (``worsened``).

Comparing before with after, rather than asking "is any date over?", means a body that
is already over a limit (a ToR that lowered it, recorded with a warning; or history
recorded before this check existed) can still record everything that seats no one in
the excess, above all the departures that bring it back within the limit.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ledger.domain import membership, tor
from ledger.domain.events import LedgerEvent
from ledger.domain.history import side_by_side
from ledger.domain.rule_kinds import MembershipLimit

Moment = tuple[date, membership.MembershipState | None, tor.TorState | None]


def body_timeline(
    member_events: Sequence[LedgerEvent], tor_events: Sequence[LedgerEvent]
) -> list[Moment]:
    """A body's seats and its terms of reference, from in-force events, at every date
    either changes: (date, membership from then, ToR from then)."""
    return side_by_side(membership.timeline(member_events), tor.timeline(tor_events))


def at(moments: Sequence[Moment], day: date) -> Moment:
    """The moment in force on ``day``."""
    index = bisect_right([m[0] for m in moments], day)
    return moments[index - 1] if index else (day, None, None)


def sets(events: Sequence[LedgerEvent], kind: type) -> bool:
    """Whether any of these ToR events carries a rule of ``kind`` (a cheap look before
    walking a body's timeline: most bodies set no limit, many no voting rule)."""
    for event in events:
        if isinstance(event, tor.TorAdopted):
            sections = event.sections
        elif isinstance(event, tor.SectionInserted):
            sections = [event.section]
        elif isinstance(event, tor.SectionAmended):
            if any(isinstance(r, kind) for r in event.rules or ()):
                return True
            continue
        else:
            continue
        if any(isinstance(r, kind) for s in sections for r in s.rules):
            return True
    return False


def limits_in(document: tor.TorState | None) -> dict[str, tuple[MembershipLimit, str]]:
    """Each category's limit in a ToR version, with the section that sets it."""
    if document is None:
        return {}
    return {
        rule.category: (rule, section.id)
        for section in document.sections
        for rule in section.rules
        if isinstance(rule, MembershipLimit)
    }


def _seats(state: membership.MembershipState | None, category: str) -> list[str]:
    return sorted(s.member for s in (state.seats if state else ()) if s.category == category)


@dataclass(frozen=True)
class Excess:
    """On ``day``, ``seats`` of ``category`` sit where section ``section`` allows ``at_most``."""

    day: date
    category: str
    seats: tuple[str, ...]
    at_most: int
    section: str

    def sitting(self) -> str:
        noun = "seat" if len(self.seats) == 1 else "seats"
        return f"{len(self.seats)} {self.category} {noun} ({', '.join(self.seats)})"


def _first_excess(
    before: Sequence[Moment], after: Sequence[Moment], *, seated: bool
) -> Excess | None:
    for day in sorted({m[0] for m in before} | {m[0] for m in after}):
        _, seats_then, document_then = at(before, day)
        _, seats_now, document_now = at(after, day)
        old_limits = limits_in(document_then)
        for category, (limit, section) in sorted(limits_in(document_now).items()):
            sitting = _seats(seats_now, category)
            over = len(sitting) - limit.at_most
            if over <= 0:
                continue
            sat = _seats(seats_then, category)
            old = old_limits.get(category)
            if seated:
                worse = bool(set(sitting) - set(sat))
            else:
                worse = old is None or over > len(sat) - old[0].at_most
            if worse:
                return Excess(day, category, tuple(sitting), limit.at_most, section)
    return None


def seated_over(before: Sequence[Moment], after: Sequence[Moment]) -> Excess | None:
    """The first date (and category) on which ``after`` seats someone ``before`` did not,
    while more seats of that category sit than its limit allows; else None.  A body
    already over a limit may record departures, but no one may take a seat in it."""
    return _first_excess(before, after, seated=True)


def worsened(before: Sequence[Moment], after: Sequence[Moment]) -> Excess | None:
    """The first date (and category) on which ``after`` is further over a limit than
    ``before`` was, or over a limit ``before`` did not have; else None."""
    return _first_excess(before, after, seated=False)


def refusal(body: str, excess: Excess) -> str:
    """Why a seat change is refused."""
    return (
        f"refused: on {excess.day} {body} would have {excess.sitting()}; its terms of "
        f"reference (section {excess.section}) allow at most {excess.at_most}"
    )


def warning(body: str, excess: Excess) -> str:
    """What a ToR change that puts sitting seats over a limit is recorded with."""
    return (
        f"on {excess.day} {body} has {excess.sitting()}; its terms of reference (section "
        f"{excess.section}) allow at most {excess.at_most}: recorded, but no {excess.category} "
        "seat can be taken until fewer sit"
    )
