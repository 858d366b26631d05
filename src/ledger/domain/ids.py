"""Deterministic aggregate ids, so a body is found by its slug alone."""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

LEDGER_NAMESPACE = UUID("5b0f8f5e-3a55-4b1d-9d0e-6c1f0a3b7e21")


@lru_cache(maxsize=8192)
def aggregate_id(kind: str, key: str) -> UUID:
    """The id of the ``kind`` aggregate known by ``key`` (e.g. ``body``, ``kcsp``).

    Kept for the aggregates used lately: a write asks for the same ids several times
    (its handler, its guards, the read models), and each is a SHA-1."""
    return uuid5(LEDGER_NAMESPACE, f"{kind}:{key}")
