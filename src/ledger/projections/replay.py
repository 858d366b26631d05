"""The reference answers: a plain in-memory replay of the events, with no tables at all.

Tests compare every projection with these on generated histories.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from uuid import UUID

from ledger.domain.body import BodyState, body_id, state_on
from ledger.domain.events import LedgerEvent
from ledger.domain.history import in_force
from ledger.domain.organisation import OrganisationEvent, OrganisationState, organisation_id
from ledger.domain.organisation import state_on as organisation_state_on
from ledger.domain.tor import TorState, tor_id
from ledger.domain.tor import tor_on as tor_state_on


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
