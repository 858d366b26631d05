"""The columns of every CSV file, defined once: the writer writes them, ``columns.csv``
lists them and ``docs/export-csv.md`` documents them, all from these definitions.

A ``Table`` is one file: its name, what one row is, and its columns.  A ``Column`` has
a name, a type, a meaning and how to read its value from a row (by default the row's
attribute of the same name).  ``cell`` turns a value into what the file holds, and
keeps a spreadsheet from reading text from the record as a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter
from pathlib import Path
from typing import Any, Generic, TextIO, TypeVar

R = TypeVar("R")

Cell = str | int | bool | None

TYPES = {
    "text": "text, as recorded",
    "id": "an identifier (a slug, an event id, a UUID)",
    "date": "a date, YYYY-MM-DD",
    "time": "a recorded time, UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ",
    "number": "a whole number, written by the export (never prefixed)",
    "pence": "an amount in whole pence, written by the export (never prefixed)",
    "money": "the same amount as text, e.g. £39,661.00",
    "flag": "true or false (empty: not recorded)",
    "list": "several values, separated by '; ' (ids by a space)",
}
"""The types a column may have, and what each means in a cell."""

NUMBERS = ("number", "pence")

# OWASP "CSV Injection": a cell starting with one of these is read as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_CHARACTERS = frozenset(FORMULA_STARTS)


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: its name, type, meaning, and its value in a row."""

    name: str
    kind: str
    meaning: str
    get: Callable[[R], Cell] | None = None

    def value(self, row: R) -> Cell:
        return self.get(row) if self.get is not None else getattr(row, self.name)

    def writer(self, file: str) -> Callable[[R], str | int]:
        """What turns a row into this column's cell (made once per file: it runs for
        every cell of an export)."""
        get: Callable[[R], Any] = self.get if self.get is not None else attrgetter(self.name)
        if self.kind not in NUMBERS:
            return lambda row: cell(get(row))

        def number(row: R) -> str | int:
            value = get(row)
            if value is None:
                return ""
            if type(value) is not int:
                raise TypeError(f"{file} {self.name}: {value!r} is not a whole number")
            return int(value)

        return number


@dataclass(frozen=True)
class Table(Generic[R]):
    """One file: its name, what each of its rows is, and its columns in order."""

    file: str
    rows: str
    columns: tuple[Column[R], ...]

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    @cached_property
    def _writers(self) -> list[Callable[[R], str | int]]:
        return [c.writer(self.file) for c in self.columns]

    def cells(self, row: R) -> list[str | int]:
        """The row's cells, in the header's order."""
        return [write(row) for write in self._writers]


def cell(value: Cell, number: bool = False) -> str | int:
    """What a CSV cell holds for ``value``: a number the export wrote stays a number;
    text that would start a formula gets a leading ``'`` (OWASP), so a spreadsheet
    shows it as text instead of running it."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if number and type(value) is int:
        return value
    text = value if type(value) is str else str(value)
    # Apostrophes already in front count too, so the prefix can always be taken off:
    # "'=x" as recorded is written "''=x", never mistaken for a prefixed "=x".
    return "'" + text if text.lstrip("'")[:1] in FORMULA_CHARACTERS else text


def one_of(values: Iterable[Any]) -> str:
    """The values a column may hold, for its meaning: ``a, b or c``."""
    names = [str(v) for v in values]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def joined(values: Iterable[Any], sep: str = "; ") -> str | None:
    """Several values in one cell (None when there are none)."""
    found = [str(v) for v in values if v is not None and v != ""]
    return sep.join(found) if found else None


class Writer(Generic[R]):
    """One open CSV file: RFC 4180, UTF-8, CRLF line ends, text always quoted (so a
    separator inside text never splits a cell), the header first."""

    def __init__(self, table: Table[R], handle: TextIO):
        self.table = table
        self.rows = 0
        self._csv = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
        self._csv.writerow(table.header)

    def write(self, row: R) -> None:
        self._csv.writerow(self.table.cells(row))
        self.rows += 1


def open_table(table: Table[R], folder: Path) -> tuple[Writer[R], TextIO]:
    """A writer for ``table`` in ``folder``, and its file (close it when done)."""
    handle = (folder / table.file).open("w", encoding="utf-8", newline="")
    return Writer(table, handle), handle


def write_all(table: Table[R], folder: Path, rows: Iterable[R]) -> int:
    """Write every row of ``rows`` to ``table``'s file; how many there were."""
    writer, handle = open_table(table, folder)
    with handle:
        for row in rows:
            writer.write(row)
    return writer.rows


@dataclass(frozen=True)
class Described:
    """One line of the data dictionary."""

    file: str
    column: str
    type: str
    meaning: str


def dictionary(tables: Iterable[Table[Any]]) -> Iterator[Described]:
    """Every column of every table, in file order: the rows of ``columns.csv``."""
    for table in tables:
        for column in table.columns:
            yield Described(table.file, column.name, column.kind, column.meaning)


COLUMNS: Table[Described] = Table(
    "columns.csv",
    "column of a file of this export",
    (
        Column("file", "text", "The file the column is in."),
        Column("column", "text", "The column's name, as in the file's header row."),
        Column(
            "type",
            "text",
            "What its cells hold: " + "; ".join(f"{k}: {v}" for k, v in TYPES.items()) + ".",
        ),
        Column("meaning", "text", "What it means."),
    ),
)
