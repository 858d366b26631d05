"""Click parameter types that turn bad dates into one clear line."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import click


class DateType(click.ParamType):  # type: ignore[type-arg]
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"'{value}' is not a real date (use YYYY-MM-DD)", param, ctx)


class MomentType(click.ParamType):  # type: ignore[type-arg]
    """A recorded moment: ``YYYY-MM-DD`` (end of that day, UTC) or an ISO date-time."""

    name = "DATETIME"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        try:
            if len(text) == 10:
                return datetime.combine(date.fromisoformat(text), time.max, tzinfo=UTC)
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.fail(
                f"'{value}' is not a real moment (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+00:00])",
                param,
                ctx,
            )
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


DATE = DateType()
MOMENT = MomentType()
