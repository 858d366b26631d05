"""Working days in England and Wales: what a call-in period of N working days counts.

A working day is a weekday that is not a bank holiday in England and Wales.  The bank
holidays come from the ``holidays`` package, subdivision ``ENG`` (Wales, ``WLS``, has
the same days): the fixed and moveable ones (Good Friday, Easter Monday, the May, spring
and summer bank holidays), the substitute days when Christmas, Boxing Day or New Year's
Day fall at a weekend, and the one-off days proclaimed for jubilees, coronations and
state funerals (ADR 0012).

A period of N working days from a date ends at the end of the Nth working day after
it: the date itself does not count, whatever day it is.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """The bank holidays of England and Wales in ``year``, substitute days included."""
    import holidays  # on first use only: loading its calendars takes a tenth of a second

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    """True for a weekday that is not a bank holiday in England and Wales."""
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_working_days(start: date, n: int) -> date:
    """The last day of a period of ``n`` working days from ``start``: the ``n``th working
    day after it (``start`` itself never counts; ``n`` of 0 is ``start``).  A period that
    would run past the last date there is ends on that date."""
    if n < 0:
        raise ValueError(f"a period of working days cannot be negative ({n})")
    day = start
    while n:
        if day == date.max:
            return day
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day
