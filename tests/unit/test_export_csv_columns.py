"""The csv export's columns, defined once: the cells they write, and the page that
documents them (docs/export-csv.md), which must be the one the definitions generate."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from ledger.interchange.export.csv import FIELDS, TABLES
from ledger.interchange.export.csv.columns import TYPES, Column, Table, Writer, cell
from ledger.interchange.export.csv.docs import generated_part, reference

PAGE = Path(__file__).parents[2] / "docs" / "export-csv.md"


def test_the_published_page_documents_every_column_the_writer_writes() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert generated_part(page) == reference(), (
        "docs/export-csv.md is stale: python -m ledger.interchange.export.csv.docs "
        "docs/export-csv.md"
    )
    for table in TABLES:
        assert f"### {table.file}" in page
        for column in table.columns:
            assert f"| `{column.name}` | {column.kind} |" in page, (table.file, column.name)
    assert all(f"| `{name}` |" in page for name in FIELDS)


def test_every_file_and_column_is_named_once_with_a_known_type_and_a_meaning() -> None:
    files = [t.file for t in TABLES]
    assert len(files) == len(set(files))
    for table in TABLES:
        assert len(table.header) == len(set(table.header)), table.file
        for column in table.columns:
            assert column.kind in TYPES, (table.file, column.name)
            assert column.meaning.endswith("."), (table.file, column.name)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_would_start_a_formula_gets_a_leading_quote(start: str) -> None:
    assert cell(f"{start}1+2") == f"'{start}1+2"


def test_numbers_the_export_writes_stay_numbers_and_text_stays_text() -> None:
    assert cell(-5, number=True) == -5
    assert cell(1200000, number=True) == 1200000
    assert cell("-5") == "'-5"  # recorded text that looks like a number is still text
    assert cell("Kent Police") == "Kent Police"
    assert cell("a=b") == "a=b"  # only the first character matters
    assert cell("'Tis") == "'Tis"
    assert cell("'=1") == "''=1"  # so taking one ' off a prefixed cell is always right
    assert (cell(True), cell(False), cell(None)) == ("true", "false", "")


def test_a_row_is_quoted_text_unquoted_numbers_and_crlf() -> None:
    table: Table[dict[str, object]] = Table(
        "t.csv",
        "thing",
        (
            Column("name", "text", "Its name.", lambda r: r["name"]),  # type: ignore[arg-type]
            Column("pence", "pence", "Pence.", lambda r: r["pence"]),  # type: ignore[arg-type]
        ),
    )
    handle = io.StringIO(newline="")
    writer = Writer(table, handle)
    writer.write({"name": '=1, "two"; three', "pence": -250})
    assert handle.getvalue() == '"name","pence"\r\n"\'=1, ""two""; three",-250\r\n'
    with pytest.raises(TypeError, match="not a whole number"):
        writer.write({"name": "x", "pence": "12"})
    assert list(csv.reader(io.StringIO(handle.getvalue(), newline="")))[1] == [
        '\'=1, "two"; three',
        "-250",
    ]
