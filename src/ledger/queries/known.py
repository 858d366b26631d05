"""The "known at" axis as the read models store it: UTC text, "now" when not given."""

from __future__ import annotations

from datetime import datetime

from ledger.infra.chain import utc_text

NOW = "9999-12-31T23:59:59.999999Z"


def known_at_text(moment: datetime | None) -> str:
    """The recorded-time bound of a question: ``moment`` in UTC, or everything recorded."""
    return utc_text(moment) if moment is not None else NOW
