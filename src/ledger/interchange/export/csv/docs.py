"""The reference part of docs/export-csv.md, generated from the column definitions the
writer uses, so the page always documents what the files hold.

    python -m ledger.interchange.export.csv.docs docs/export-csv.md

rewrites the part of the page between the two markers (a test holds it current).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ledger.interchange.export.csv import FIELDS, TABLES
from ledger.interchange.export.csv.columns import TYPES

BEGIN = "<!-- BEGIN generated: python -m ledger.interchange.export.csv.docs docs/export-csv.md -->"
END = "<!-- END generated -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def reference() -> str:
    """The generated reference: the types, then every file's columns, then export.csv's
    fields."""
    lines = ["### Types of cell", "", "| type | a cell holds |", "|---|---|"]
    lines += [f"| `{k}` | {_cell(v)} |" for k, v in TYPES.items()]
    for table in TABLES:
        lines += ["", f"### {table.file}", "", f"One row per {table.rows}.", ""]
        lines += ["| column | type | meaning |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {c.kind} | {_cell(c.meaning)} |" for c in table.columns]
    lines += ["", "### The fields of export.csv", "", "| field | meaning |", "|---|---|"]
    lines += [f"| `{name}` | {_cell(meaning)} |" for name, meaning in FIELDS.items()]
    return "\n".join(lines) + "\n"


def generated_part(page: str) -> str:
    """What the page holds between the markers (ValueError if they are missing)."""
    start, end = page.index(BEGIN) + len(BEGIN), page.index(END)
    return page[start:end].strip("\n") + "\n"


def refreshed(page: str) -> str:
    """The page with its generated part replaced by the current reference."""
    start, end = page.index(BEGIN) + len(BEGIN), page.index(END)
    return page[:start] + "\n\n" + reference() + "\n" + page[end:]


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else Path("docs/export-csv.md")
    page = path.read_text(encoding="utf-8")
    new = refreshed(page)
    if new != page:
        path.write_text(new, encoding="utf-8")
        print(f"rewrote the generated part of {path}")
    else:
        print(f"{path} is current")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
