"""Adopting or amending terms of reference from the document itself.

The document is parsed into numbered sections (``domain.tor_text``).  If the body has
no ToR in force on the effective date, the document is adopted whole; otherwise it is
compared section by section with the version in force and recorded as the amendments,
insertions and repeals that turn one into the other.  Structured rules already carried
by a section are kept: text cannot state them.  Importing the same document again
finds nothing to change and records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ledger.domain.errors import NotFound, ValidationError
from ledger.domain.events import Authority
from ledger.domain.tor import AdoptTor, AmendSection, InsertSection, RepealSection, SectionText
from ledger.domain.tor_text import (
    DocumentParseError,
    ParsedDocument,
    ParsedSection,
    parse_tor_document,
)

if TYPE_CHECKING:
    from ledger.application import Ledger, Receipt

TorCommand = AdoptTor | AmendSection | InsertSection | RepealSection


@dataclass
class DocumentImport:
    """What was parsed, what it means against the version in force, and what was recorded."""

    body: str
    effective: str
    parsed: ParsedDocument
    commands: list[TorCommand]
    receipt: Receipt | None = None


def _section(parsed: ParsedSection) -> SectionText:
    return SectionText(id=parsed.id, number=parsed.number, heading=parsed.heading, text=parsed.text)


def plan(
    ledger: Ledger, body: str, text: str, effective: date, authority: Authority | None
) -> DocumentImport:
    """Parse ``text`` and work out the commands that would record it."""
    try:
        parsed = parse_tor_document(text)
    except DocumentParseError as exc:
        raise ValidationError(str(exc)) from None
    sections = [_section(s) for s in parsed.sections]
    ledger.require_body(body)
    try:
        current = ledger.tor(body, effective)
    except NotFound:
        current = None
    common = {"body": body, "effective": effective, "authority": authority}
    commands: list[TorCommand] = []
    if current is None:
        commands.append(AdoptTor(title=parsed.title, sections=sections, **common))
        return DocumentImport(body, effective.isoformat(), parsed, commands)
    old = {s.id: s for s in current.sections}
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
    commands.extend(
        RepealSection(section=s.id, **common) for s in current.sections if s.id not in new_ids
    )
    return DocumentImport(body, effective.isoformat(), parsed, commands)


def import_document(
    ledger: Ledger,
    body: str,
    text: str,
    effective: date,
    authority: Authority | None = None,
    *,
    dry_run: bool = False,
) -> DocumentImport:
    """Parse a ToR document and record it as an adoption or as amendments, all or nothing."""
    result = plan(ledger, body, text, effective, authority)
    result.receipt = ledger.execute(list(result.commands), dry_run=dry_run)
    return result
