"""Was a meeting, or one agenda item, quorate under the rule in force that day, and why."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from ledger.domain.errors import NotFound
from ledger.domain.meeting import MeetingState
from ledger.domain.membership import MembershipState
from ledger.domain.quorum import QuorumResult, evaluate
from ledger.domain.rules import QuorumRule, VotingEligibility, rule_of
from ledger.projections import constitution, meetings, membership, organisations

if TYPE_CHECKING:
    from ledger.infra.db import Connection


# The kinds of rule a quorum is judged by (``rules_on``'s ``kinds``).
QUORUM_KINDS = ("quorum", "voting-eligibility")


def sectors_of(db: Connection, seats: MembershipState, day: date, known_at: str) -> dict[str, Any]:
    """The sector of each organisation holding a seat, on ``day``: what a quorum counts
    organisations by."""
    wanted = sorted({s.organisation for s in seats.seats if s.organisation})
    return organisations.organisation_values_on(db, day, known_at, wanted, "sector")


def quorum_of(
    db: Connection,
    state: MeetingState,
    seats: MembershipState,
    sections: Sequence[Any],
    item: str | None,
    known_at: str,
    sectors: dict[str, Any] | None = None,
) -> QuorumResult:
    """The quorum of a meeting (or one item) already read, with its body's membership and
    ToR sections on its day (and the seats' sectors, if read already), all as known at
    ``known_at``."""
    quorum = rule_of(sections, QuorumRule)
    rule, section = quorum if quorum is not None else (None, None)
    if sectors is None:
        sectors = sectors_of(db, seats, state.day, known_at)
    eligibility = rule_of(sections, VotingEligibility)
    return evaluate(state, seats, rule, section, sectors, item, eligibility)


def quorum_result(db: Connection, meeting: str, item: str | None, known_at: str) -> QuorumResult:
    state = meetings.meeting_as_known(db, meeting, known_at)
    if state is None:
        raise NotFound(f"unknown meeting '{meeting}' (see 'ledger meetings BODY' for ids)")
    seats = membership.membership_on(db, state.body, state.day, known_at)
    # The quorum rule and who may vote are all a quorum is judged by.
    sections = constitution.rules_on(db, state.body, state.day, known_at, QUORUM_KINDS)
    return quorum_of(db, state, seats, sections, item, known_at)
