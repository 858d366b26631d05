"""Click parameter types that turn bad dates into one clear line."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import click

from ledger.domain.moments import ISO_DAY, parse_day, parse_moment


class DateType(click.ParamType):  # type: ignore[type-arg]
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_day(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class MomentType(click.ParamType):  # type: ignore[type-arg]
    """A recorded moment: ``YYYY-MM-DD`` (end of that day, UTC) or an ISO date-time."""

    name = "DATETIME"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_moment(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class BoundType(click.ParamType):  # type: ignore[type-arg]
    """A chain position (a whole number) or a recorded moment (an ISO date-time; a date
    alone is the start of that day, UTC, or with ``end_of_day`` its end)."""

    name = "POSITION|MOMENT"

    def __init__(self, *, end_of_day: bool) -> None:
        self.end_of_day = end_of_day

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | datetime:
        if isinstance(value, int | datetime):
            return value
        text = str(value).strip()
        if text.isdigit():
            return int(text)
        if ISO_DAY.fullmatch(text) and not self.end_of_day:
            try:
                return datetime.combine(parse_day(text), time.min, tzinfo=UTC)
            except ValueError as exc:
                self.fail(str(exc), param, ctx)
        try:
            return MOMENT.convert(text, param, ctx)
        except click.BadParameter:
            self.fail(
                f"'{value}' is neither a chain position (a whole number) nor a moment "
                "(YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+00:00])",
                param,
                ctx,
            )


DATE = DateType()
MOMENT = MomentType()
FROM_BOUND = BoundType(end_of_day=False)
TO_BOUND = BoundType(end_of_day=True)

YEAR = click.IntRange(1, 9999)
"""A calendar year the ledger can hold dates in."""

LIMIT = click.IntRange(1, 1_000_000_000)
"""How many rows at most: a positive number."""


class MoneyType(click.ParamType):  # type: ignore[type-arg]
    """An amount as typed (39661, 39,661, £39,661.00, 39661.5): one clear line if it is
    not one.  It is handed on as exact text (``£39,661.00``), never as a float."""

    name = "AMOUNT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from ledger.domain.money import format_pence, parse_pence

        try:
            return format_pence(parse_pence(str(value)))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


MONEY = MoneyType()
