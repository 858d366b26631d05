"""Read a terms-of-reference document, as written, into numbered sections.

Partnerships keep their terms of reference as Word, PDF or plain text with numbered
headings ("1. TITLE", "3.1 Members", "## 6. Quorum"), not as structured data.  This
module turns such text into sections with stable ids so a ToR can be adopted into the
ledger from the document itself, and later redlined section by section.  It is pure:
text in, sections out, no I/O.

Being conservative about what counts as a heading matters more than being clever: a
bullet ("- a. Funding"), or a numbered paragraph that is a sentence, stays body text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_HEADING_WORDS = 8
MAX_HEADING_CHARS = 70
MAX_ID_CHARS = 63

# "1." or "3.1" / "3.1." (up to six levels, at most three digits each, so "2008." and
# "10 times per year" are never numbers), then whitespace and the heading text.
_HEADING = re.compile(
    r"^(?P<number>\d{1,3}(?:\.\d{1,3}){1,5}\.?|\d{1,3}\.)\s+(?P<heading>\S.*?)\s*$"
)
_MARKDOWN_HASHES = re.compile(r"^#{1,6}\s+|\s+#+$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_MANY_BLANK_LINES = re.compile(r"\n{4,}")


class DocumentParseError(ValueError):
    """The text is empty or has no numbered heading, so it cannot be read as a ToR."""


@dataclass(frozen=True)
class ParsedSection:
    """One numbered section as written."""

    id: str  # stable slug from the heading, e.g. "quorum"; unique in the document
    number: str  # as written, without a trailing full stop: "1", "3.1"
    heading: str  # as written, without the number and a trailing full stop
    text: str  # the body up to the next heading
    level: int  # 1 for "3", 2 for "3.1"


@dataclass(frozen=True)
class ParsedDocument:
    """A document's title (the lines before the first heading) and its sections."""

    title: str | None
    sections: list[ParsedSection]


def _clean(line: str) -> str:
    """A line without Markdown heading marks or bold, for recognising headings."""
    line = _MARKDOWN_HASHES.sub("", line.strip())
    return line.replace("**", "").replace("__", "").strip()


def _heading(line: str) -> tuple[str, str] | None:
    """(number, heading) if the line is a numbered heading, else None."""
    match = _HEADING.match(_clean(line))
    if match is None:
        return None
    number = match["number"].rstrip(".")
    heading = match["heading"].rstrip(".").rstrip()
    if (
        not heading
        or not heading[0].isalpha()
        or len(heading) > MAX_HEADING_CHARS
        or len(heading.split()) > MAX_HEADING_WORDS
        or heading[-1] in ",;"
    ):
        return None
    return number, heading


def _slug(heading: str, number: str) -> str:
    """Lower-case ASCII letters, digits and hyphens from the heading, at most 63."""
    ascii_text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:MAX_ID_CHARS].rstrip("-")
    return slug or "section-" + number.replace(".", "-")


def _unique(slug: str, number: str, used: set[str]) -> str:
    """The slug, or on a clash the slug with "-" + the number (then a counter)."""
    suffix = number.replace(".", "-")
    candidate, count = slug, 1
    while candidate in used:
        tail = suffix if count == 1 else f"{suffix}-{count}"
        candidate = f"{slug[: MAX_ID_CHARS - len(tail) - 1].rstrip('-')}-{tail}"
        count += 1
    used.add(candidate)
    return candidate


def _body(lines: list[str]) -> str:
    """Lines kept, trailing spaces stripped, outer blank lines removed, 3+ blanks -> 1."""
    text = "\n".join(line.rstrip() for line in lines).strip("\n")
    return _MANY_BLANK_LINES.sub("\n\n", text)


def parse_tor_document(text: str) -> ParsedDocument:
    """Split a terms-of-reference document into its numbered sections.

    Raises DocumentParseError if the text is empty or has no numbered heading.
    """
    if not text.strip():
        raise DocumentParseError("the document is empty: there is no text to read sections from")
    preamble: list[str] = []
    found: list[tuple[str, str, list[str]]] = []
    for line in text.splitlines():
        heading = _heading(line)
        if heading is not None:
            found.append((*heading, []))
        elif found:
            found[-1][2].append(line)
        else:
            preamble.append(line)
    if not found:
        raise DocumentParseError(
            "no numbered heading found: expected lines such as '1. Purpose' or '3.1 Members'"
        )
    used: set[str] = set()
    sections = [
        ParsedSection(
            id=_unique(_slug(heading, number), number, used),
            number=number,
            heading=heading,
            text=_body(body),
            level=number.count(".") + 1,
        )
        for number, heading, body in found
    ]
    title_lines = [_clean(line) for line in preamble]
    title = " — ".join(line for line in title_lines if line)
    return ParsedDocument(title=title or None, sections=sections)
