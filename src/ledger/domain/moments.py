"""Dates and moments as people write them, read strictly: ``YYYY-MM-DD`` for a day, an
ISO date-time (read in UTC when it names no offset) for a recorded moment.

Both faces read them the same way: the command line's options and the web view's query
parameters.  Each failure is a ``ValueError`` whose text is the one line to show.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
"""A day as written: ``YYYY-MM-DD`` (``ledger.domain.types`` validates with it too)."""
ISO_MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?"
)


def parse_day(value: str) -> date:
    """A day written ``YYYY-MM-DD`` (a real one), else ValueError."""
    text = str(value).strip()
    if not ISO_DAY.fullmatch(text):
        raise ValueError(f"'{value}' is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{value}' is not a real date (use YYYY-MM-DD)") from None


def parse_moment(value: str) -> datetime:
    """A recorded moment: ``YYYY-MM-DD`` (the end of that day, UTC) or an ISO date-time,
    in UTC as recorded times are; else ValueError."""
    text = str(value).strip()
    try:
        if ISO_DAY.fullmatch(text):
            return datetime.combine(date.fromisoformat(text), time.max, tzinfo=UTC)
        if not ISO_MOMENT.fullmatch(text):
            raise ValueError(text)
        moment = datetime.fromisoformat(text)
        # A moment that has no UTC reading (before year 1 or after 9999 once its offset
        # is taken off) is refused here.
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(
            f"'{value}' is not a real moment (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+00:00])"
        ) from None
