"""The ledger's own clock.  Recorded times come only from here, never from a user.

freezegun patches ``datetime.now`` so tests control it.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current moment, timezone-aware UTC."""
    return datetime.now(UTC)
