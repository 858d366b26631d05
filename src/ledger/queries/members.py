"""Who sat on a body on a date: seats, organisations, representatives, substitutes, offices."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from msgspec import Struct, field

from ledger.domain.eligibility import counts_for_quorum, may_vote
from ledger.domain.rule_kinds import VotingEligibility, rule_of
from ledger.projections import constitution, membership
from ledger.queries.authority import AuthorityCheck, check_decisions

if TYPE_CHECKING:
    from ledger.infra.db import Connection


class MemberView(Struct):
    member: str
    organisation: str | None
    organisation_name: str | None
    category: str
    voting: bool  # as recorded
    counts_for_quorum: bool | None  # as recorded; None: if it votes
    joined: str
    representative: str | None
    substitute: str | None
    offices: list[str]
    roles: list[str]
    votes: bool  # its flag and the ToR's voting-eligibility rule in force that day
    counts: bool  # towards quorum, that day
    decision: AuthorityCheck | None = None  # the decision its joining cites, checked


class MembersReport(Struct):
    body: str
    on: str
    members: list[MemberView]
    offices: dict[str, str]
    # The decision each office holder's election cites (checked), by office.
    office_decisions: dict[str, AuthorityCheck] = field(default_factory=dict)


def members_report(db: Connection, body: str, day: date, known_at: str) -> MembersReport:
    state, found = membership.membership_with_organisations_on(db, body, day, known_at)
    names = {slug: name for slug, (name, _sector) in found.items()}
    held = [o for o in state.offices if o.held_on(day)]
    holders = {o.office: o.holder for o in held}
    cited = [s.decision for s in state.seats] + [o.decision for o in held]
    checks = check_decisions(db, cited, known_at)
    eligibility = rule_of(constitution.rules_on(db, body, day, known_at), VotingEligibility)
    views = []
    for seat in state.seats:
        rep, sub = seat.representative, seat.substitute
        people = {rep.person if rep else None, sub.person if sub else None} - {None}
        views.append(
            MemberView(  # positional, in the order of the fields
                seat.member,
                seat.organisation,
                names.get(seat.organisation or ""),
                seat.category,
                seat.voting,
                seat.counts_for_quorum,
                seat.joined.isoformat(),
                rep.name if rep else None,
                sub.name if sub else None,
                sorted(o for o, h in holders.items() if h.person in people),
                list(seat.roles),
                may_vote(seat, eligibility),
                counts_for_quorum(seat, eligibility),
                checks.get(seat.decision) if seat.decision else None,
            )
        )
    return MembersReport(
        body,
        day.isoformat(),
        views,
        {o: h.name for o, h in sorted(holders.items())},
        {o.office: checks[o.decision] for o in sorted(held, key=lambda o: o.office) if o.decision},
    )
