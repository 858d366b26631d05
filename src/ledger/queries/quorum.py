"""Was a meeting, or one agenda item, quorate under the rule in force that day, and why."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ledger.domain.eligibility import Eligibility
from ledger.domain.errors import NotFound
from ledger.domain.membership import MembershipState
from ledger.domain.quorum import QuorumResult, evaluate
from ledger.domain.rules import QuorumRule, VotingEligibility, rule_of
from ledger.projections import constitution, meetings, membership, organisations

if TYPE_CHECKING:
    from ledger.infra.db import Connection


def quorum_rules(
    db: Connection, body: str, day: date, known_at: str
) -> tuple[tuple[QuorumRule, str] | None, Eligibility | None]:
    """The machine-checked quorum rule in force and the voting-eligibility rule in force,
    each with the section that carries it (None where the ToR states none)."""
    tor = constitution.tor_on(db, body, day, known_at)
    if tor is None:
        return None, None
    return rule_of(tor.sections, QuorumRule), rule_of(tor.sections, VotingEligibility)


def quorum_result(db: Connection, meeting: str, item: str | None, known_at: str) -> QuorumResult:
    state = meetings.meeting_as_known(db, meeting, known_at)
    if state is None:
        raise NotFound(f"unknown meeting '{meeting}' (see 'ledger meetings BODY' for ids)")
    seats: MembershipState = membership.membership_on(db, state.body, state.day, known_at)
    quorum, eligibility = quorum_rules(db, state.body, state.day, known_at)
    rule, section = quorum if quorum is not None else (None, None)
    wanted = sorted({s.organisation for s in seats.seats if s.organisation})
    sectors = {
        o.slug: o.sector for o in organisations.organisations_on(db, state.day, known_at, wanted)
    }
    return evaluate(state, seats, rule, section, sectors, item, eligibility)
