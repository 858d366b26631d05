"""One renderer for every command: a readable table by default, JSON for machines."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from typing import Any

import click
from pydantic import BaseModel


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def emit_json(data: Any) -> None:
    """Print ``data`` as indented JSON (dataclasses and dates made plain)."""
    click.echo(json.dumps(_plain(data), indent=2, ensure_ascii=False))


PROSE = {
    "name",
    "what",
    "authority",
    "organisation",
    "representative",
    "substitute",
    "title",
    "heading",
    "rule",
    "reason",
    "office",
}


def table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    *,
    title: str | None = None,
    empty: str = "nothing to show",
) -> None:
    """Print rows as a table with the given columns (keys of each row)."""
    if not rows:
        click.echo(empty)
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    grid = Table(title=title, title_justify="left", show_lines=False, header_style="bold")
    for column in columns:
        # Ids, dates and short codes never wrap; prose columns fold.
        grid.add_column(column.replace("_", " "), overflow="fold", no_wrap=column not in PROSE)
    for row in rows:
        grid.add_row(*("" if row.get(c) is None else escape(str(row.get(c))) for c in columns))
    Console(width=None if sys.stdout.isatty() else 160, soft_wrap=False).print(grid)


def heading(text: str) -> None:
    click.echo(click.style(text, bold=True))


@contextmanager
def progress(label: str, total: int | None) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on a terminal (stderr); nothing when output is piped."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def report_receipt(receipt: Any, as_json: bool, what: str = "recorded") -> None:
    """One line for what a write recorded (or would record), then the new head; each of
    the receipt's warnings on a line of its own, on stderr (in the JSON, ``warnings``)."""
    if as_json:
        emit_json(receipt)
        return
    verb = "would record" if receipt.dry_run else what
    line = f"{verb} {receipt.recorded} event(s)"
    if receipt.skipped:
        line += f", skipped {receipt.skipped} already recorded"
    if receipt.positions:
        first, last = receipt.positions[0], receipt.positions[-1]
        line += f" at position {first}" if first == last else f" at positions {first}-{last}"
    click.echo(line)
    click.echo(f"head {receipt.head_position}:{receipt.head_hash}")
    for warning in getattr(receipt, "warnings", ()):
        click.echo(f"warning: {warning}", err=True)
