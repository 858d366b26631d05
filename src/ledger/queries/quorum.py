"""Was a meeting, or one agenda item, quorate under the rule in force that day, and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ledger.domain.errors import NotFound
from ledger.domain.meeting_state import MeetingState
from ledger.domain.membership_state import MembershipState
from ledger.domain.quorum import QuorumResult, evaluate
from ledger.domain.rule_kinds import QuorumRule, VotingEligibility, rule_of
from ledger.projections import constitution, meetings, membership

if TYPE_CHECKING:
    from ledger.infra.db import Connection


def quorum_of(
    db: Connection,
    state: MeetingState,
    seats: MembershipState,
    sections: Sequence[Any],
    item: str | None,
    known_at: str,
    sectors: dict[str, Any],
) -> QuorumResult:
    """The quorum of a meeting (or one item) already read, with its body's membership,
    its seats' sectors (by organisation) and ToR sections on its day, all as known at
    ``known_at``."""
    quorum = rule_of(sections, QuorumRule)
    rule, section = quorum if quorum is not None else (None, None)
    eligibility = rule_of(sections, VotingEligibility)
    return evaluate(state, seats, rule, section, sectors, item, eligibility)


def quorums_of(
    db: Connection, state: MeetingState, items: Sequence[str | None], known_at: str
) -> list[QuorumResult]:
    """The quorum of a meeting already read at each of ``items`` (None: the start), its
    body's membership, sectors and rules on its day read once for all of them."""
    seats, found = membership.membership_with_organisations_on(db, state.body, state.day, known_at)
    sectors = {slug: sector for slug, (_name, sector) in found.items()}
    sections = constitution.rules_on(db, state.body, state.day, known_at)
    return [quorum_of(db, state, seats, sections, item, known_at, sectors) for item in items]


def quorum_result(db: Connection, meeting: str, item: str | None, known_at: str) -> QuorumResult:
    state = meetings.meeting_as_known(db, meeting, known_at)
    if state is None:
        raise NotFound(f"unknown meeting '{meeting}' (see 'ledger meetings BODY' for ids)")
    return quorums_of(db, state, [item], known_at)[0]
