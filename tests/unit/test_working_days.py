"""Working days in England and Wales, on real dates: what a call-in period of N working
days counts."""

from __future__ import annotations

from datetime import date

import holidays
import pytest

from ledger.domain.working_days import add_working_days, bank_holidays, is_working_day


@pytest.mark.parametrize(
    ("start", "n", "ends"),
    [
        # Thursday 19 December 2024: 20 (Fri), 23 (Mon), 24 (Tue), 27 (Fri), 30 (Mon).
        (date(2024, 12, 19), 5, date(2024, 12, 30)),
        (date(2024, 12, 24), 1, date(2024, 12, 27)),  # Christmas and Boxing Day
        (date(2024, 12, 31), 1, date(2025, 1, 2)),  # New Year's Day
        # Maundy Thursday 28 March 2024: Good Friday 29 March and Easter Monday 1 April.
        (date(2024, 3, 28), 1, date(2024, 4, 2)),
        (date(2024, 3, 28), 5, date(2024, 4, 8)),
        # The early May bank holiday, Monday 6 May 2024; the spring one, 27 May.
        (date(2024, 5, 3), 1, date(2024, 5, 7)),
        (date(2024, 5, 2), 5, date(2024, 5, 10)),
        (date(2024, 5, 24), 1, date(2024, 5, 28)),
        # The summer bank holiday, Monday 26 August 2024.
        (date(2024, 8, 23), 1, date(2024, 8, 27)),
        # Substitute days: Christmas 2022 on a Sunday, so Tuesday 27 December as well.
        (date(2022, 12, 23), 1, date(2022, 12, 28)),
        # One-off days: the state funeral (19 September 2022), the coronation (8 May 2023),
        # and the early May bank holiday moved to VE Day, Friday 8 May 2020.
        (date(2022, 9, 16), 1, date(2022, 9, 20)),
        (date(2023, 5, 5), 1, date(2023, 5, 9)),
        (date(2020, 5, 7), 1, date(2020, 5, 11)),
        (date(2020, 5, 1), 1, date(2020, 5, 4)),  # and Monday 4 May 2020 was a working day
        # A start at the weekend, or on a bank holiday, does not count either.
        (date(2024, 3, 16), 1, date(2024, 3, 18)),
        (date(2024, 12, 25), 1, date(2024, 12, 27)),
        # An ordinary fortnight: ten working days from Thursday 14 March 2024.
        (date(2024, 3, 14), 10, date(2024, 3, 28)),
        (date(2024, 3, 14), 0, date(2024, 3, 14)),
    ],
)
def test_n_working_days_from_a_date_end_on_the_nth_working_day_after_it(
    start: date, n: int, ends: date
) -> None:
    assert add_working_days(start, n) == ends


def test_weekends_and_bank_holidays_are_not_working_days() -> None:
    assert is_working_day(date(2024, 12, 24)) is True  # Christmas Eve is
    assert is_working_day(date(2024, 12, 25)) is False
    assert is_working_day(date(2024, 12, 28)) is False  # a Saturday
    assert is_working_day(date(2024, 4, 1)) is False  # Easter Monday: England and Wales only
    assert bank_holidays(2024) == {
        date(2024, 1, 1),
        date(2024, 3, 29),
        date(2024, 4, 1),
        date(2024, 5, 6),
        date(2024, 5, 27),
        date(2024, 8, 26),
        date(2024, 12, 25),
        date(2024, 12, 26),
    }


def test_wales_has_the_same_bank_holidays_as_england() -> None:
    years = range(1950, 2051)
    wales = holidays.country_holidays("GB", subdiv="WLS", years=years)
    assert set().union(*(bank_holidays(y) for y in years)) == set(wales)


def test_a_period_cannot_be_negative_and_stops_at_the_last_date() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        add_working_days(date(2024, 3, 14), -1)
    assert add_working_days(date(9999, 12, 28), 5) == date.max
