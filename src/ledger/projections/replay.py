"""The reference answers: a plain in-memory replay of the events, with no tables at all.

Tests compare every projection with these on generated histories.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from uuid import UUID

from ledger.domain.body import BodyState, body_id, state_on
from ledger.domain.decision import MotionState, motion_id, motion_state
from ledger.domain.errors import NotFound
from ledger.domain.events import LedgerEvent
from ledger.domain.fund import FundPosition, fund_id
from ledger.domain.fund import position_on as fund_position_on
from ledger.domain.history import in_force
from ledger.domain.meeting import MeetingState, meeting_id, meeting_state
from ledger.domain.membership import MembershipState, membership_id
from ledger.domain.membership import membership_on as membership_state_on
from ledger.domain.organisation import OrganisationEvent, OrganisationState, organisation_id
from ledger.domain.organisation import state_on as organisation_state_on
from ledger.domain.quorum import QuorumResult
from ledger.domain.quorum import evaluate as evaluate_quorum
from ledger.domain.rule_kinds import QuorumRule, VotingEligibility, rule_of
from ledger.domain.tor import TorAdopted, TorState, tor_id, touched_sections
from ledger.domain.tor import tor_on as tor_state_on
from ledger.domain.validity import Validity, assess


def by_aggregate(events: Iterable[LedgerEvent]) -> dict[UUID, list[LedgerEvent]]:
    grouped: dict[UUID, list[LedgerEvent]] = defaultdict(list)
    for event in events:
        grouped[event.originator_id].append(event)
    for history in grouped.values():
        history.sort(key=lambda e: e.originator_version)
    return grouped


def bodies_on(
    events: Iterable[LedgerEvent], day: date, known_at: datetime | None = None
) -> list[BodyState]:
    """Every body's state on ``day`` as known at ``known_at``, by slug."""
    found = []
    for aggregate, history in by_aggregate(events).items():
        slug = history[0].body
        if slug is None or aggregate != body_id(slug):
            continue
        state = state_on(in_force(history, known_at), day)
        if state is not None:
            found.append(state)
    return sorted(found, key=lambda s: s.slug)


def tor_on(
    events: Iterable[LedgerEvent], body: str, day: date, known_at: datetime | None = None
) -> TorState | None:
    """The terms of reference of ``body`` in force on ``day`` as known at ``known_at``."""
    history = by_aggregate(events).get(tor_id(body), [])
    return tor_state_on(in_force(history, known_at), day)


def tor_makers(
    events: Iterable[LedgerEvent], body: str, day: date, known_at: datetime | None = None
) -> list[UUID]:
    """The provenance of ``body``'s ToR in force on ``day`` as known at ``known_at``: the
    standing events since the last adoption, up to ``day``, that adopted the document or
    wrote a section in force that day, in recorded order."""
    history = in_force(by_aggregate(events).get(tor_id(body), []), known_at)
    state = tor_state_on(history, day)
    if state is None:
        return []
    sections = {s.id for s in state.sections}
    standing = [e for e in history if e.effective <= day]
    adoptions = [i for i, e in enumerate(standing) if isinstance(e, TorAdopted)]
    since = standing[adoptions[-1] :] if adoptions else standing
    made = [e for e in since if isinstance(e, TorAdopted) or sections & set(touched_sections(e))]
    return [e.event_id for e in sorted(made, key=lambda e: e.originator_version)]


def organisations_on(
    events: Iterable[LedgerEvent], day: date, known_at: datetime | None = None
) -> list[OrganisationState]:
    """Every organisation's state on ``day`` as known at ``known_at``, by slug."""
    found = []
    for aggregate, history in by_aggregate(events).items():
        first = history[0]
        if not isinstance(first, OrganisationEvent):
            continue
        if aggregate != organisation_id(first.organisation):
            continue
        state = organisation_state_on(in_force(history, known_at), day)
        if state is not None:
            found.append(state)
    return sorted(found, key=lambda s: s.slug)


def membership_on(
    events: Iterable[LedgerEvent], body: str, day: date, known_at: datetime | None = None
) -> MembershipState:
    """The membership of ``body`` on ``day`` (seats and offices) as known at ``known_at``."""
    history = by_aggregate(events).get(membership_id(body), [])
    return membership_state_on(in_force(history, known_at), day)


def meeting_as_known(
    events: Iterable[LedgerEvent], meeting: str, known_at: datetime | None = None
) -> MeetingState | None:
    """The meeting as recorded by ``known_at`` (None if it was not scheduled then)."""
    history = by_aggregate(events).get(meeting_id(meeting), [])
    return meeting_state(in_force(history, known_at))


def quorum(
    events: Iterable[LedgerEvent],
    meeting: str,
    item: str | None = None,
    known_at: datetime | None = None,
) -> QuorumResult:
    """Whether ``meeting`` (or ``item``) was quorate under the rule in force on its date."""
    everything = list(events)
    state = meeting_as_known(everything, meeting, known_at)
    if state is None:
        raise NotFound(f"unknown meeting '{meeting}'")
    seats = membership_on(everything, state.body, state.day, known_at)
    rule: QuorumRule | None = None
    rule_section: str | None = None
    eligibility: tuple[VotingEligibility, str] | None = None
    tor = tor_on(everything, state.body, state.day, known_at)
    for section in tor.sections if tor is not None else ():
        for found in section.rules:
            if isinstance(found, QuorumRule) and rule is None:
                rule, rule_section = found, section.id
            if isinstance(found, VotingEligibility) and eligibility is None:
                eligibility = found, section.id
    sectors = {o.slug: o.sector for o in organisations_on(everything, state.day, known_at)}
    return evaluate_quorum(state, seats, rule, rule_section, sectors, item, eligibility)


def motion_as_known(
    events: Iterable[LedgerEvent], motion: str, known_at: datetime | None = None
) -> MotionState | None:
    """The motion as recorded by ``known_at`` (None if it was not proposed then)."""
    history = by_aggregate(events).get(motion_id(motion), [])
    return motion_state(in_force(history, known_at))


def decision(
    events: Iterable[LedgerEvent], motion: str, known_at: datetime | None = None
) -> Validity:
    """Whether the decision on ``motion`` was validly made, as known at ``known_at``."""
    everything = list(events)
    state = motion_as_known(everything, motion, known_at)
    if state is None:
        raise NotFound(f"unknown motion '{motion}'")
    meeting = meeting_as_known(everything, state.meeting, known_at)
    if meeting is None:
        raise NotFound(f"the meeting of motion '{motion}' is not recorded")
    seats = membership_on(everything, meeting.body, meeting.day, known_at)
    tor = tor_on(everything, meeting.body, meeting.day, known_at)
    sections = list(tor.sections) if tor is not None else []
    on_agenda = any(i.item == state.item for i in meeting.items)
    at_item = quorum(everything, state.meeting, state.item, known_at) if on_agenda else None
    return assess(state, meeting, seats, sections, at_item, rule_of(sections, VotingEligibility))


def budget(
    events: Iterable[LedgerEvent], fund: str, day: date, known_at: datetime | None = None
) -> FundPosition | None:
    """The fund's position on ``day`` as known at ``known_at`` (None before it existed)."""
    history = by_aggregate(events).get(fund_id(fund), [])
    return fund_position_on(in_force(history, known_at), day)
