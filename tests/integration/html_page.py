"""An HTML page read as a browser's parser and a reader see it (the standard library's
html.parser): every element with its attributes, the text, the tables by caption, and
what would make the page unsafe or broken (a tag left open, an end tag out of place)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements a browser shows apart from their neighbours: their text is read with a space.
BLOCK = {"p", "div", "dt", "dd", "li", "tr", "td", "th", "h1", "h2", "h3", "br", "caption", "pre"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""


@dataclass
class Table:
    caption: str
    rows: list[list[str]] = field(default_factory=list)
    cells: list[Element] = field(default_factory=list)  # every th and td, in order


class Page(HTMLParser):
    """Parse ``html``; ``problems`` lists every tag not closed or closed out of order."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.problems: list[str] = []
        self.tables: list[Table] = []
        self.doctype = ""
        self._open: list[Element] = []
        self._chunks: list[str] = []
        self._row: list[str] | None = None
        self.feed(html)
        self.close()
        if self._open:
            self.problems.append(f"never closed: {[e.tag for e in self._open]}")

    # --- parsing --------------------------------------------------------------------

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK:
            self.handle_data(" ")
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag == "table":
            self.tables.append(Table(""))
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td") and self.tables:
            self.tables[-1].cells.append(element)
        if tag in VOID:
            return
        self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, dict(attrs)))
        if tag not in VOID:
            self.problems.append(f"<{tag}/> is not a void element")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.problems.append(f"</{tag}> closes a void element")
            return
        if not self._open or self._open[-1].tag != tag:
            self.problems.append(f"</{tag}> where {[e.tag for e in self._open][-3:]} is open")
            return
        element = self._open.pop()
        if tag in ("th", "td") and self._row is not None:
            self._row.append(squash(element.text))
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1].rows.append(self._row)
            self._row = None
        elif tag == "caption" and self.tables:
            self.tables[-1].caption = squash(element.text)

    def handle_data(self, data: str) -> None:
        self._chunks.append(data)
        for element in self._open:
            element.text += data

    # --- reading --------------------------------------------------------------------

    @property
    def text(self) -> str:
        """The page's text as a reader sees it, spaces squashed."""
        return squash("".join(self._chunks))

    def all(self, tag: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag]

    def by_id(self, ident: str) -> Element:
        return next(e for e in self.elements if e.attrs.get("id") == ident)

    def table(self, caption: str) -> Table:
        found = [t for t in self.tables if t.caption.startswith(caption)]
        assert len(found) == 1, (caption, [t.caption for t in self.tables])
        return found[0]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def section(html: str, ident: str) -> str:
    """The HTML of the ``<section ... id="ident">`` element (sections do not nest)."""
    found = re.search(rf'<section class="major" id="{re.escape(ident)}".*?</section>', html, re.S)
    assert found, ident
    return found.group(0)


def between(html: str, start: str, end: str | None) -> str:
    """The HTML from the element whose id is ``start`` to the one whose id is ``end``."""
    first = html.index(f'id="{start}"')
    last = html.index(f'id="{end}"', first) if end else len(html)
    return html[first:last]
