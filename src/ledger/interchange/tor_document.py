"""Adopting or amending terms of reference from the document itself.

The document is parsed into numbered sections (``domain.tor_text``).  If the body has
no ToR in force on the effective date, the document is adopted whole; otherwise it is
compared section by section with the version in force and recorded as the amendments,
insertions and repeals that turn one into the other.  Structured rules already carried
by a section are kept: text cannot state them.  Importing the same document again
finds nothing to change and records nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from ledger.domain.errors import ValidationError
from ledger.domain.events import Authority
from ledger.domain.tor import AdoptTor, AmendSection, InsertSection, RepealSection, SectionText
from ledger.domain.tor_text import (
    DocumentParseError,
    ParsedDocument,
    ParsedSection,
    parse_tor_document,
)

TorCommand = AdoptTor | AmendSection | InsertSection | RepealSection


class CurrentSection(Protocol):
    """A section of the version in force, as the read side shows it."""

    @property
    def id(self) -> str: ...
    @property
    def number(self) -> str: ...
    @property
    def heading(self) -> str: ...
    @property
    def text(self) -> str: ...


@dataclass
class DocumentPlan:
    """What was parsed, and the commands that record it against the version in force."""

    body: str
    effective: str
    parsed: ParsedDocument
    commands: list[TorCommand]


def _section(parsed: ParsedSection) -> SectionText:
    return SectionText(id=parsed.id, number=parsed.number, heading=parsed.heading, text=parsed.text)


def parse(text: str) -> ParsedDocument:
    """The document's numbered sections; a ValidationError says what could not be read."""
    try:
        return parse_tor_document(text)
    except DocumentParseError as exc:
        raise ValidationError(str(exc)) from None


def plan(
    body: str,
    parsed: ParsedDocument,
    effective: date,
    authority: Authority | None,
    current: Sequence[CurrentSection] | None,
) -> DocumentPlan:
    """The commands that record ``parsed`` against the sections in force (None: no ToR)."""
    sections = [_section(s) for s in parsed.sections]
    common = {"body": body, "effective": effective, "authority": authority}
    commands: list[TorCommand] = []
    if current is None:
        commands.append(AdoptTor(title=parsed.title, sections=sections, **common))
        return DocumentPlan(body, effective.isoformat(), parsed, commands)
    old = {s.id: s for s in current}
    previous: str | None = None
    for section in sections:
        was = old.get(section.id)
        if was is None:
            commands.append(
                InsertSection(section=section, after=previous, first=previous is None, **common)
            )
        else:
            changed = {
                field: getattr(section, field)
                for field in ("number", "heading", "text")
                if getattr(section, field) != getattr(was, field)
            }
            if changed:
                commands.append(AmendSection(section=section.id, **changed, **common))
        previous = section.id
    new_ids = {s.id for s in sections}
    commands.extend(RepealSection(section=s.id, **common) for s in current if s.id not in new_ids)
    return DocumentPlan(body, effective.isoformat(), parsed, commands)
