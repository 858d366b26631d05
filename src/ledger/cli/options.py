"""Options that many commands share: --json, and on whose authority a change was made."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from ledger.domain.events import Authority

F = TypeVar("F", bound=Callable[..., Any])
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")


def authority_options(func: F) -> F:
    """--decision/--meeting/--item/--paper/--note: on whose authority the change was made."""
    for name, text in (
        ("note", "Any other authority, in words."),
        ("paper", "The paper or report that proposed it."),
        ("item", "The agenda item number."),
        ("meeting", "The meeting that approved it (e.g. kcsp-2024-07-04)."),
        ("decision", "The decision (motion id) that authorised it: it must have been carried."),
    ):
        func = click.option(f"--{name}", default=None, help=text)(func)
    return func


def authority_from(
    meeting: str | None,
    item: str | None,
    paper: str | None,
    note: str | None,
    decision: str | None = None,
) -> Authority | None:
    """The authority the options name, or None when none was given."""
    from ledger.domain.events import Authority

    if not any((meeting, item, paper, note, decision)):
        return None
    return Authority(meeting=meeting, item=item, paper=paper, note=note, decision=decision)
