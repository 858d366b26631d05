"""One renderer for every command: a readable table by default, JSON for machines."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from ledger.documents import UNSAFE, json_text


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: Any, *, lines: bool = False) -> str:
    """``text`` with every unsafe character shown as an escape (``\\x1b``, ``\\u202e``);
    newlines kept only when ``lines`` (a block of text), else shown as ``\\n``."""
    text = str(text)
    if not lines:
        text = text.replace("\n", "\\n")
    return UNSAFE.sub(_visible, text)


def say(text: Any, *, nl: bool = True) -> None:
    """Print a line (or block) of text that may hold what the record or the user wrote."""
    click.echo(safe(text, lines=True), nl=nl)


def emit_json(data: Any) -> None:
    """Print ``data`` as indented JSON (dataclasses and dates made plain): the document
    the web view serves for the same answer (``ledger.documents``).

    Unsafe characters inside strings are written as JSON escapes (``\\u202e``): the
    same data for a machine, nothing a terminal acts on for a person."""
    click.echo(json_text(data))


def emit_json_array(items: Iterable[Any]) -> None:
    """Print the items as ``emit_json`` prints a list of them, byte for byte, one item
    at a time (nothing holds the whole document)."""
    first = True
    for item in items:
        body = "\n".join("  " + line for line in json_text(item).split("\n"))
        click.echo(("[\n" if first else ",\n") + body, nl=False)
        first = False
    click.echo("[]" if first else "\n]")


def json_line(data: Any) -> str:
    """``data`` as one line of JSON (for JSON Lines), unsafe characters escaped as in
    ``emit_json``."""
    return json_text(data, one_line=True)


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
    "why",
    "recipient",
    "decision",
    "source",
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
        say(empty)
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    grid = Table(
        title=None if title is None else escape(safe(title)),
        title_justify="left",
        show_lines=False,
        header_style="bold",
    )
    for column in columns:
        # Ids, dates and short codes never wrap; prose columns fold.
        grid.add_column(column.replace("_", " "), overflow="fold", no_wrap=column not in PROSE)
    for row in rows:
        grid.add_row(
            *("" if row.get(c) is None else escape(safe(row.get(c), lines=True)) for c in columns)
        )
    Console(width=None if sys.stdout.isatty() else 160, soft_wrap=False).print(grid)


def heading(text: str) -> None:
    click.echo(click.style(safe(text, lines=True), bold=True))


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


@contextmanager
def stages() -> Iterator[Callable[[str, int | None], Callable[[int], None] | None] | None]:
    """Progress for work done in stages: ``start(label, total)`` adds a bar for a stage
    and returns the callable that advances it.  Nothing when stderr is not a terminal."""
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

        def start(label: str, total: int | None) -> Callable[[int], None]:
            task = bar.add_task(label, total=total)
            return lambda n: bar.advance(task, n)

        yield start


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
