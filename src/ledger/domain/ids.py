"""Deterministic aggregate ids, so a body is found by its slug alone."""

from __future__ import annotations

from uuid import UUID, uuid5

LEDGER_NAMESPACE = UUID("5b0f8f5e-3a55-4b1d-9d0e-6c1f0a3b7e21")


def aggregate_id(kind: str, key: str) -> UUID:
    """The id of the ``kind`` aggregate known by ``key`` (e.g. ``body``, ``kcsp``)."""
    return uuid5(LEDGER_NAMESPACE, f"{kind}:{key}")
