"""An organisation as it stood over some stretch of time, folded from its events
(``domain/organisation.py``); apart from them, so the read path imports no event
model (ADR 0023)."""

from __future__ import annotations

from datetime import date

from msgspec import Struct


class OrganisationState(Struct, frozen=True):
    """An organisation as it stood over some stretch of time."""

    slug: str
    name: str
    short_name: str | None
    sector: str
    registered: date
    closed: date | None = None
    successor: str | None = None
    identifier: str | None = None  # its org-id.guide identifier, e.g. GB-LAE-KEN
