"""Every read model the ledger keeps, in the order the runner applies them."""

from __future__ import annotations

from ledger.infra import chain, roles
from ledger.infra.store import META
from ledger.projections.base import Projection
from ledger.projections.bodies import BodiesProjection
from ledger.projections.budget import BudgetProjection
from ledger.projections.constitution import ConstitutionProjection
from ledger.projections.decisions import DecisionsProjection
from ledger.projections.events_index import EventIndex
from ledger.projections.meetings import MeetingsProjection
from ledger.projections.membership import MembershipProjection
from ledger.projections.organisations import OrganisationsProjection
from ledger.projections.runner import TRACKING


def all_projections() -> list[Projection]:
    """A fresh instance of every read model (a live ledger's, or a scratch rebuild's)."""
    return [
        EventIndex(),
        BodiesProjection(),
        ConstitutionProjection(),
        OrganisationsProjection(),
        MembershipProjection(),
        MeetingsProjection(),
        DecisionsProjection(),
        BudgetProjection(),
    ]


def ledger_tables(events: str) -> roles.Tables:
    """Every table of a ledger, by what its roles may do with each."""
    return roles.Tables(
        log=[events, chain.CHAIN_TABLE],
        meta=META,
        read_models=[TRACKING, *(t for p in all_projections() for t in p.tables)],
    )
