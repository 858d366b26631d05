"""The registers of bodies and organisations as they stood on a date."""

from __future__ import annotations

from datetime import date

from ledger.domain.body_state import BodyState
from ledger.domain.errors import NotFound
from ledger.domain.organisation_state import OrganisationState
from ledger.infra.db import Connection
from ledger.projections import bodies as bodies_projection
from ledger.projections import organisations as organisations_projection


def bodies(db: Connection, on: date, known_at: str, include_dissolved: bool) -> list[BodyState]:
    """The bodies on ``on`` as known at ``known_at``; dissolved ones only if asked."""
    found = bodies_projection.bodies_on(db, on, known_at)
    return [b for b in found if include_dissolved or b.dissolved is None or b.dissolved > on]


def body(db: Connection, slug: str, on: date, known_at: str) -> BodyState:
    """One body as it stood on ``on`` as known at ``known_at``; on a day it did not stand,
    as it last stood before it (or, before it was established, as it first stood)."""
    timeline = bodies_projection.body_timeline(db, slug, known_at)
    if not timeline:
        raise NotFound(f"unknown body '{slug}'")
    earlier = [state for start, _, state in timeline if start <= on]
    return earlier[-1] if earlier else timeline[0][2]


def organisations(
    db: Connection, on: date, known_at: str, include_closed: bool
) -> list[OrganisationState]:
    """The organisations on ``on`` as known at ``known_at``; closed ones only if asked."""
    found = organisations_projection.organisations_on(db, on, known_at)
    return [o for o in found if include_closed or o.closed is None or o.closed > on]


def organisation(db: Connection, slug: str, on: date, known_at: str) -> OrganisationState | None:
    """One organisation as it stood on ``on`` as known at ``known_at`` (None: it did not)."""
    found = organisations_projection.organisations_on(db, on, known_at, [slug])
    return found[0] if found else None


def body_slugs(db: Connection) -> list[str]:
    """Every body ever recorded, by id."""
    return sorted(str(r["slug"]) for r in db.query("SELECT DISTINCT slug FROM proj_bodies"))


def organisation_slugs(db: Connection) -> list[str]:
    """Every organisation ever recorded, by id."""
    rows = db.query("SELECT DISTINCT slug FROM proj_organisations")
    return sorted(str(r["slug"]) for r in rows)


def require_body(db: Connection, slug: str) -> None:
    """Raise NotFound unless the ledger has ever recorded a body with this id."""
    if not db.scalar("SELECT COUNT(*) FROM proj_bodies WHERE slug = ?", [slug]):
        raise NotFound(f"unknown body '{slug}'")
