"""Was a meeting, or one agenda item, quorate under the rule in force that day, and why."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ledger.domain.errors import NotFound
from ledger.domain.membership import MembershipState
from ledger.domain.quorum import QuorumResult, evaluate
from ledger.domain.rules import QuorumRule
from ledger.projections import constitution, meetings, membership, organisations

if TYPE_CHECKING:
    from ledger.infra.db import Connection


def quorum_rule(
    db: Connection, body: str, day: date, known_at: str
) -> tuple[QuorumRule | None, str | None]:
    """The machine-checked quorum rule in force, and the section that carries it."""
    tor = constitution.tor_on(db, body, day, known_at)
    if tor is None:
        return None, None
    for section in tor.sections:
        for rule in section.rules:
            if isinstance(rule, QuorumRule):
                return rule, section.id
    return None, None


def quorum_result(db: Connection, meeting: str, item: str | None, known_at: str) -> QuorumResult:
    state = meetings.meeting_as_known(db, meeting, known_at)
    if state is None:
        raise NotFound(f"unknown meeting '{meeting}' (see 'ledger meetings BODY' for ids)")
    seats: MembershipState = membership.membership_on(db, state.body, state.day, known_at)
    rule, section = quorum_rule(db, state.body, state.day, known_at)
    wanted = sorted({s.organisation for s in seats.seats if s.organisation})
    sectors = {
        o.slug: o.sector for o in organisations.organisations_on(db, state.day, known_at, wanted)
    }
    return evaluate(state, seats, rule, section, sectors, item)
