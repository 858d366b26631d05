"""Money, exactly: integer pence inside, pounds and pence as people write them outside.

An amount is typed as ``39661``, ``39,661``, ``£39,661.00`` or ``39661.5``; inside the
ledger it is always a whole number of pence (3966100).  No float ever touches an
amount: text is read with a regular expression, a whole number is pounds, and a float
(a YAML or JSON number with a decimal point, which its parser has already rounded to
binary) is refused with a line saying to write the amount as text.  More than two
decimal places, a negative amount, or anything that is not a number is one clear line.

Financial years are labelled as partnerships write them: ``2024/25`` is 1 April 2024 to
31 March 2025.  A fund may start its year in another month; one that starts in January
keeps calendar years, labelled ``2024``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    Strict,
    ValidationInfo,
    WithJsonSchema,
)

from ledger.domain.types import from_store

MAX_PENCE = 99_999_999_999_999  # £999,999,999,999.99: well inside JSON's exact integers
AMOUNT = re.compile(r"£?(?P<pounds>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<pence>\d+))?")
AMOUNT_PATTERN = r"^\s*£?(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?\s*$"
EXAMPLES = "e.g. 39661, 39,661, £39,661.00 or 39661.5"


def parse_pence(value: Any) -> int:
    """The pence in an amount as typed: a whole number of pounds, or text such as
    ``£39,661.00``; ValueError with one clear line for anything else."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount of money ({EXAMPLES})")
    if isinstance(value, float):
        raise ValueError(
            f"{value!r} is a decimal number, which a file's parser reads inexactly: "
            f"write the amount as text, e.g. '{value}' in quotes"
        )
    if isinstance(value, int):
        pence = value * 100
    elif isinstance(value, Decimal | str):
        pence = _parse_text(str(value))
    else:
        raise ValueError(f"{value!r} is not an amount of money ({EXAMPLES})")
    if pence < 0:
        raise ValueError(f"{format_pence(pence)} is negative: an amount here cannot be")
    if pence > MAX_PENCE:
        raise ValueError(
            f"{format_pence(pence)} is more than {format_pence(MAX_PENCE)}, "
            "the most one amount may be"
        )
    return pence


def _parse_text(raw: str) -> int:
    text = raw.strip()
    negative = text.startswith("-") or text.startswith("£-")
    unsigned = text.replace("-", "", 1) if negative else text
    found = AMOUNT.fullmatch(unsigned)
    if found is None:
        raise ValueError(f"'{raw}' is not an amount of money ({EXAMPLES})")
    fraction = found.group("pence") or ""
    if len(fraction) > 2:
        raise ValueError(
            f"'{raw}' has more than two decimal places: amounts are in pounds and pence"
        )
    pence = int(found.group("pounds").replace(",", "")) * 100 + int(fraction.ljust(2, "0"))
    if negative and pence:
        raise ValueError(f"'{raw}' is negative: an amount here cannot be")
    return pence


def format_pence(pence: int) -> str:
    """``£39,661.00`` (``-£659.50`` below zero): pounds with thousands separators and pence."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"


@dataclass(frozen=True)
class Amount:
    """An amount in an answer: its pence, and the same as people read it."""

    pence: int
    text: str

    @classmethod
    def of(cls, pence: int) -> Amount:
        return cls(pence, format_pence(pence))

    def __str__(self) -> str:
        return self.text


Money = Annotated[
    int,
    BeforeValidator(parse_pence),
    PlainSerializer(format_pence, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "description": "whole pounds"},
                {"type": "string", "pattern": AMOUNT_PATTERN},
            ],
            "description": f"An amount in pounds: {EXAMPLES}; at most two decimal places.",
        }
    ),
]
"""An amount in a command, as typed (a whole number is pounds); held as pence, and
written out as text (``£39,661.00``) so an entry read back means what it meant."""

Pence = Annotated[int, Strict(), Field(ge=0, le=MAX_PENCE)]
"""An amount in a stored event: a whole number of pence, never negative."""


# --- financial years ----------------------------------------------------------------

YEAR_LABEL = re.compile(r"(?P<start>\d{4})(?:/(?P<end>\d{2}))?")
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _check_year(value: str, info: ValidationInfo) -> str:
    if from_store(info):
        return value
    found = YEAR_LABEL.fullmatch(value)
    if found is None:
        raise ValueError(f"'{value}' is not a financial year: write it as 2024/25 (or 2024)")
    start, end = int(found.group("start")), found.group("end")
    if end is not None and int(end) != (start + 1) % 100:
        following = f"{(start + 1) % 100:02d}"
        raise ValueError(
            f"'{value}' is not a financial year: one year runs into the next, "
            f"so after {start} write {start}/{following}"
        )
    if not 1 <= start <= 9998:
        raise ValueError(f"'{value}' is not a financial year the ledger can hold")
    return value


FinancialYear = Annotated[
    str,
    Strict(),
    AfterValidator(_check_year),
    WithJsonSchema({"type": "string", "pattern": r"^\d{4}(/\d{2})?$"}),
]
"""A financial year's label: ``2024/25`` (1 April 2024 to 31 March 2025 for a fund whose
year starts in April), or ``2024`` for a fund whose year is the calendar year."""


def year_style(start_month: int) -> str:
    """How a fund's years run, e.g. ``April to March``."""
    return f"{MONTHS[start_month - 1]} to {MONTHS[(start_month + 10) % 12]}"


def year_problem(label: str, start_month: int) -> str | None:
    """Why ``label`` does not name one of a fund's years (None: it does)."""
    calendar = start_month == 1
    if calendar and "/" in label:
        return f"its years run {year_style(1)}: write {label[:4]}, not {label}"
    if not calendar and "/" not in label:
        start = int(label)
        return (
            f"its years run {year_style(start_month)}: write {start}/{(start + 1) % 100:02d}, "
            f"not {label}"
        )
    return None


def year_bounds(label: str, start_month: int) -> tuple[date, date]:
    """The first and last day of the financial year ``label``."""
    first = date(int(label[:4]), start_month, 1)
    after = date(first.year + 1, start_month, 1)
    return first, after - timedelta(days=1)


def year_of(day: date, start_month: int) -> str:
    """The label of the financial year ``day`` falls in."""
    start = day.year if day.month >= start_month else day.year - 1
    return year_label(start, start_month)


def year_label(start: int, start_month: int) -> str:
    return str(start) if start_month == 1 else f"{start}/{(start + 1) % 100:02d}"


def next_year(label: str) -> str:
    """The financial year after ``label`` (``2024/25`` -> ``2025/26``)."""
    start = int(label[:4]) + 1
    return f"{start}/{(start + 1) % 100:02d}" if "/" in label else str(start)
