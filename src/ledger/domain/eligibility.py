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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ledger.domain.limits import Moment
from ledger.domain.membership import Seat
from ledger.domain.rules import VotingEligibility, rule_of

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


@dataclass(frozen=True)
class Disagreement:
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


def disagreements(moments: Sequence[Moment]) -> dict[Key, Disagreement]:
    """Every seat whose voting flag the rule in force contradicts, first date first."""
    found: dict[Key, Disagreement] = {}
    for day, seats, document in moments:
        if seats is None or document is None:
            continue
        rule = rule_of(document.sections, VotingEligibility)
        if rule is None:
            continue
        for seat in seats.seats:
            if seat.voting == rule[0].allows(seat.category):
                continue
            found_one = Disagreement(
                seat.member, seat.category, seat.voting, rule[1], tuple(rule[0].categories), day
            )
            found.setdefault(found_one.key(), found_one)
    return found


def new_disagreements(before: Sequence[Moment], after: Sequence[Moment]) -> list[Disagreement]:
    """The disagreements ``after`` has that ``before`` had not, by date and seat."""
    old = disagreements(before)
    new = [d for k, d in disagreements(after).items() if k not in old]
    return sorted(new, key=lambda d: (d.day, d.member, d.section))


def warning(body: str, d: Disagreement) -> str:
    """What the receipt says about a disagreement."""
    rule = f"{body}'s terms of reference (section {d.section})"
    if d.voting:
        return (
            f"{d.member} is recorded as voting, but from {d.day} {rule} let only "
            f"{', '.join(d.categories)} vote, not {d.category}: quorum takes it as non-voting"
        )
    return (
        f"{d.member} is recorded as non-voting, but from {d.day} {rule} let {d.category} "
        "vote: the ledger keeps it non-voting (correct the seat if it votes)"
    )
