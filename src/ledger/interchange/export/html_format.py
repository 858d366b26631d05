"""How the HTML report writes dates, moments, money and yes/no: Jinja2 filters.

Nothing here reads a clock or a locale: a month's name comes from the table below, not
from ``strftime`` (which follows the process's locale), so the same ledger gives the
same bytes on any machine.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from markupsafe import Markup

from ledger.domain.money import MONTHS, Amount, format_pence
from ledger.domain.types import FORBIDDEN

# The bidi isolates and marks are stored (ADR 0010) and render correctly in HTML; the
# characters the ledger refuses on input can still be in what an earlier release
# stored, and HTML has no use for them: each becomes U+FFFD, visibly.
REPLACEMENT = "\ufffd"
UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]")


def neutralise(value: Any) -> Any:
    """Jinja2's ``finalize``: every expression's value, before it is escaped.  Markup
    (what a macro or a filter of ours built) passes; text loses control characters."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return FORBIDDEN.sub(REPLACEMENT, value)


def long_date(value: date | str | None) -> str:
    """``4 July 2024`` for ``2024-07-04`` (an empty string for None)."""
    if value is None or value == "":
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def iso_date(value: date | str | None) -> str:
    """``2024-07-04``: the machine-readable form, for ``<time datetime>``."""
    if value is None or value == "":
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def moment(value: datetime | str | None) -> str:
    """``1 December 2026, 14:10:55 UTC`` for a recorded time (UTC text or datetime)."""
    if value is None or value == "":
        return ""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(_aware(str(value)))
    return f"{long_date(when.date())}, {when:%H:%M:%S} UTC"


def iso_moment(value: datetime | str | None) -> str:
    """The recorded time as ISO 8601 in UTC, for ``<time datetime>``."""
    if value is None or value == "":
        return ""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(_aware(str(value)))
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _aware(text: str) -> str:
    return text[:-1] + "+00:00" if text.endswith("Z") else text


def money(value: Amount | int | None) -> str:
    """``£39,661.00``: pounds and pence exactly, from the integer pence."""
    if value is None:
        return ""
    pence = value.pence if isinstance(value, Amount) else int(value)
    return format_pence(pence)


def yes_no(value: bool | None, unknown: str = "not known") -> str:
    """``yes``, ``no`` or ``unknown`` (None)."""
    if value is None:
        return unknown
    return "yes" if value else "no"


def anchor(value: str) -> str:
    """A fragment id for a record id: letters, digits, ``-`` and ``_`` kept, anything
    else written as ``.`` and its code point in hex, so distinct ids stay distinct."""
    return UNSAFE_ID.sub(lambda found: f".{ord(found.group()):x}.", str(value))


FILTERS = {
    "anchor": anchor,
    "long_date": long_date,
    "iso_date": iso_date,
    "moment": moment,
    "iso_moment": iso_moment,
    "money": money,
    "yes_no": yes_no,
}
