"""Who may vote, and so who counts towards quorum by default.

A seat carries its own ``voting`` flag; the ToR may carry a ``voting-eligibility`` rule
naming the categories that may vote.  A seat votes when both say so: a seat of a
category the rule leaves out is taken as non-voting, whatever its flag.  A seat counts
towards quorum as its ``counts_for_quorum`` says (true or false), or, when that is not
given, if it votes.

Where a seat's flag and the rule in force disagree, the ledger records what it is told
and says so (a warning on the receipt), at the seat's recording and at the ToR's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from msgspec import Struct

from ledger.domain.membership_state import Seat
from ledger.domain.rule_kinds import VotingEligibility, rule_of

# The seat's part (may_vote, counts_for_quorum) is what quorum asks, on the read path;
# the events are the write path's (tenures), imported there (ADR 0023).
if TYPE_CHECKING:
    from ledger.domain.events import LedgerEvent
    from ledger.domain.membership import MemberJoined
    from ledger.domain.tor import TorState

Eligibility = tuple[VotingEligibility, str]  # the rule in force, and its section


def may_vote(seat: Seat, eligibility: Eligibility | None) -> bool:
    """The seat votes: its own flag, and its category under the rule in force (if any)."""
    return seat.voting and (eligibility is None or eligibility[0].allows(seat.category))


def counts_for_quorum(seat: Seat, eligibility: Eligibility | None) -> bool:
    """The seat counts towards quorum: as recorded, or if it votes."""
    if seat.counts_for_quorum is not None:
        return seat.counts_for_quorum
    return may_vote(seat, eligibility)


def not_eligible(seat: Seat, eligibility: Eligibility) -> str:
    """The reason a seat recorded as voting is taken as non-voting."""
    return f"{seat.member}'s category {seat.category} cannot vote under section {eligibility[1]}"


class Disagreement(Struct, frozen=True):
    """From ``day``, seat ``member`` (``voting`` as recorded) of ``category`` is in
    conflict with the rule of section ``section``, which lets ``categories`` vote."""

    member: str
    category: str
    voting: bool
    section: str
    categories: tuple[str, ...]
    day: date

    def key(self) -> Key:
        # Not the categories: a seat already said to disagree with a section is not
        # said to again when the section's rule changes and still disagrees.
        return (self.member, self.category, self.voting, self.section)


Key = tuple[str, str, bool, str]


Tenure = tuple[date, date | None, "MemberJoined"]  # from, until (not including), as joined


def tenures(events: Sequence[LedgerEvent]) -> dict[str, list[Tenure]]:
    """Each seat's spells on the body, in order, from in-force membership events: one
    pass, no states built (this runs for every seat recorded)."""
    from ledger.domain.membership import MemberJoined, MemberLeft

    sitting: dict[str, MemberJoined] = {}
    spells: dict[str, list[Tenure]] = {}
    for event in events:
        if isinstance(event, MemberJoined):
            sitting[event.member] = event
        elif isinstance(event, MemberLeft) and event.member in sitting:
            joined = sitting.pop(event.member)
            spells.setdefault(event.member, []).append((joined.effective, event.effective, joined))
    for member, joined in sitting.items():
        spells.setdefault(member, []).append((joined.effective, None, joined))
    return spells


def disagreements(
    spells: dict[str, list[Tenure]],
    document: Sequence[tuple[date, TorState]],
    members: Iterable[str] | None = None,
) -> dict[Key, Disagreement]:
    """Every seat (of ``members``, or all) whose voting flag the voting-eligibility rule
    of the ToR versions ``document`` (its changes by date) contradicts while it sits,
    each from the first date it does."""
    versions = [
        (day, document[i + 1][0] if i + 1 < len(document) else None, found)
        for i, (day, state) in enumerate(document)
        if (found := rule_of(state.sections, VotingEligibility)) is not None
    ]
    said: dict[Key, Disagreement] = {}
    for member in spells if members is None else members:
        for start, end, joined in spells.get(member, ()):
            for since, until, (rule, section) in versions:
                begin = max(start, since)
                if (end is not None and begin >= end) or (until is not None and begin >= until):
                    continue
                if joined.voting == rule.allows(joined.category):
                    continue
                one = Disagreement(
                    member, joined.category, joined.voting, section, tuple(rule.categories), begin
                )
                said.setdefault(one.key(), one)
    return said


def new_disagreements(
    before: dict[Key, Disagreement], after: dict[Key, Disagreement]
) -> list[Disagreement]:
    """The disagreements ``after`` has that ``before`` had not, by date and seat."""
    return sorted((d for k, d in after.items() if k not in before), key=lambda d: (d.day, d.member))


def warning(body: str, d: Disagreement) -> str:
    """What the receipt says about a disagreement."""
    rule = f"{body}'s terms of reference (section {d.section})"
    if d.voting:
        return (
            f"{d.member} is recorded as voting, but from {d.day} {rule} let only "
            f"{_listed(d.categories)} vote, not {d.category}: quorum takes it as non-voting"
        )
    return (
        f"{d.member} is recorded as non-voting, but from {d.day} {rule} let {d.category} "
        "vote: the ledger keeps it non-voting (correct the seat if it votes)"
    )


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
