"""Money is exact: amounts as clerks type them, read into whole pence without a float,
and shown with pounds, pence and thousands separators; financial years as labelled."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from ledger.domain.money import (
    FinancialYear,
    Money,
    format_pence,
    next_year,
    parse_pence,
    year_bounds,
    year_of,
    year_problem,
)


@pytest.mark.parametrize(
    ("typed", "pence"),
    [
        (39661, 3966100),  # a whole number is pounds
        ("39661", 3966100),
        ("39,661", 3966100),
        ("£39,661.00", 3966100),
        ("39661.5", 3966150),
        ("£1,234,567.89", 123456789),
        (" £0.01 ", 1),
        (Decimal("2500.50"), 250050),
        ("0", 0),
    ],
)
def test_amounts_are_read_as_typed_into_whole_pence(typed: object, pence: int) -> None:
    assert parse_pence(typed) == pence


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("£1.234", "'£1.234' has more than two decimal places"),
        ("-5", "'-5' is negative: an amount here cannot be"),
        (-5, "-£5.00 is negative"),
        ("abc", "'abc' is not an amount of money (e.g. 39661, 39,661, £39,661.00 or 39661.5)"),
        ("1,23", "'1,23' is not an amount of money"),
        ("", "'' is not an amount of money"),
        (True, "True is not an amount of money"),
        (39661.5, "39661.5 is a decimal number, which a file's parser reads inexactly"),
        ("1000000000000", "is more than £999,999,999,999.99"),
    ],
)
def test_anything_else_is_one_clear_line(typed: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_pence(typed)


def test_amounts_are_shown_with_pounds_pence_and_thousands_separators() -> None:
    assert format_pence(3966100) == "£39,661.00"
    assert format_pence(184050) == "£1,840.50"
    assert format_pence(5) == "£0.05"
    assert format_pence(-65950) == "-£659.50"


class Entry(BaseModel):
    amount: Money
    year: FinancialYear


def test_a_money_field_holds_pence_and_writes_itself_out_as_exact_text() -> None:
    entry = Entry(amount="39,661.5", year="2024/25")
    assert entry.amount == 3966150
    assert entry.model_dump(mode="json") == {"amount": "£39,661.50", "year": "2024/25"}
    # Read back, the text means what it meant.
    assert Entry.model_validate(entry.model_dump(mode="json")).amount == 3966150


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("2024/26", "after 2024 write 2024/25"),
        ("24/25", "'24/25' is not a financial year"),
        ("2024-25", "'2024-25' is not a financial year"),
    ],
)
def test_an_impossible_year_label_is_refused(label: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Entry(amount=1, year=label)
    assert message in str(caught.value)


def test_a_year_label_runs_april_to_march_unless_the_fund_says_otherwise() -> None:
    assert year_bounds("2024/25", 4) == (date(2024, 4, 1), date(2025, 3, 31))
    assert year_of(date(2025, 3, 31), 4) == "2024/25"
    assert year_of(date(2025, 4, 1), 4) == "2025/26"
    assert next_year("2024/25") == "2025/26"
    assert next_year("1999/00") == "2000/01"
    # A fund whose year starts in January keeps calendar years.
    assert year_bounds("2024", 1) == (date(2024, 1, 1), date(2024, 12, 31))
    assert year_of(date(2024, 12, 31), 1) == "2024"
    assert (
        year_problem("2024/25", 1) == "its years run January to December: write 2024, not 2024/25"
    )
    assert year_problem("2024", 4) == "its years run April to March: write 2024/25, not 2024"
    assert year_problem("2024/25", 4) is None
