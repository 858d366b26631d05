"""Every read model the ledger keeps, in the order the runner applies them.

The projections' modules are imported when their instances are first asked for: their
names, versions and tables are in ``names.py`` (ADR 0023)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.infra.chain import CHAIN_TABLE
from ledger.infra.meta import META
from ledger.projections.names import READ_MODELS
from ledger.projections.runner import TRACKING

if TYPE_CHECKING:
    from ledger.infra.roles import Tables
    from ledger.projections.base import Projection


def all_projections() -> list[Projection]:
    """A fresh instance of every read model (a live ledger's, or a scratch rebuild's)."""
    from ledger.projections.bodies import BodiesProjection
    from ledger.projections.budget import BudgetProjection
    from ledger.projections.constitution import ConstitutionProjection
    from ledger.projections.decisions import DecisionsProjection
    from ledger.projections.events_index import EventIndex
    from ledger.projections.meetings import MeetingsProjection
    from ledger.projections.membership import MembershipProjection
    from ledger.projections.organisations import OrganisationsProjection

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


def ledger_tables(events: str) -> Tables:
    """Every table of a ledger, by what its roles may do with each."""
    from ledger.infra.roles import Tables

    return Tables(
        log=[events, CHAIN_TABLE],
        meta=META,
        read_models=[TRACKING, *(t for m in READ_MODELS for t in m.tables)],
    )
