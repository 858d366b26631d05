"""Terms of reference: adopted whole, then amended section by section.

Section ids are stable across versions, so a redline is per section.  Every change
has an effective date (past, today or future) and an authority; the ToR in force on
a date is the fold of the in-force events effective on or before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, field_validator, model_validator

from ledger.domain.body import body_history, state_on
from ledger.domain.commands import Context, EffectiveCommand
from ledger.domain.errors import RuleViolation
from ledger.domain.events import SLUG, LedgerEvent
from ledger.domain.history import (
    History,
    changes_by_date,
    in_force,
    register_checker,
    state_at,
)
from ledger.domain.ids import aggregate_id
from ledger.domain.rules import Rule, check_rules
from ledger.domain.types import Document, Flag, Name, Number, StrictInput, Title


def tor_id(slug: str) -> UUID:
    """The aggregate id of a body's terms of reference."""
    return aggregate_id("tor", slug)


def _section_id(value: str) -> str:
    if not SLUG.fullmatch(value):
        raise ValueError("a section id is lower-case letters, digits and hyphens, e.g. 'quorum'")
    return value


class SectionText(StrictInput):
    """One section as written: stable id, number, heading, text, and structured rules."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="Stable id, kept across versions, e.g. 'quorum'.")
    number: str = Field(min_length=1, max_length=20, description="As numbered, e.g. '6' or '3.1'.")
    heading: str = Field(min_length=1, max_length=300)
    text: str = Field(default="", max_length=50_000)
    rules: list[Rule] = Field(default_factory=list)

    _id = field_validator("id")(_section_id)


def _unique(sections: Sequence[SectionText]) -> None:
    ids = [s.id for s in sections]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"section ids must be unique; repeated: {', '.join(dupes)}")


# --- events -----------------------------------------------------------------------


class TorAdopted(LedgerEvent):
    """A whole terms of reference adopted (replacing any earlier one from that date)."""

    TOPIC: ClassVar[str] = "tor.adopted/v1"
    title: Title | None = None
    sections: list[SectionText]

    def describe(self) -> str:
        return f"adopted the terms of reference of {self.body} ({len(self.sections)} sections)"


class SectionAmended(LedgerEvent):
    TOPIC: ClassVar[str] = "tor.section-amended/v1"
    section: str
    number: Number | None = None
    heading: Name | None = None
    text: Document | None = None
    rules: list[Rule] | None = None

    def describe(self) -> str:
        parts = [n for n in ("number", "heading", "text", "rules") if getattr(self, n) is not None]
        return f"amended section {self.section} of {self.body} ({', '.join(parts)})"


class SectionInserted(LedgerEvent):
    TOPIC: ClassVar[str] = "tor.section-inserted/v1"
    section: SectionText
    after: str | None = None
    first: Flag = False

    def describe(self) -> str:
        return f"inserted section {self.section.number} {self.section.id} into {self.body}"


class SectionRepealed(LedgerEvent):
    TOPIC: ClassVar[str] = "tor.section-repealed/v1"
    section: str

    def describe(self) -> str:
        return f"repealed section {self.section} of {self.body}"


# --- state ------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionState:
    id: str
    number: str
    heading: str
    text: str
    rules: tuple[Any, ...]
    changed_by: UUID
    changed_on: date


@dataclass(frozen=True)
class TorState:
    title: str | None
    adopted_by: UUID
    adopted_on: date
    sections: tuple[SectionState, ...]

    def section(self, section_id: str) -> SectionState | None:
        return next((s for s in self.sections if s.id == section_id), None)


def _from_text(s: SectionText, event: LedgerEvent) -> SectionState:
    return SectionState(
        s.id, s.number, s.heading, s.text, tuple(s.rules), event.event_id, event.effective
    )


def _apply(state: TorState | None, event: LedgerEvent) -> TorState:
    if isinstance(event, TorAdopted):
        sections = tuple(_from_text(s, event) for s in event.sections)
        return TorState(event.title, event.event_id, event.effective, sections)
    if state is None:
        raise RuleViolation(f"{event.body} has no terms of reference in force on {event.effective}")
    if isinstance(event, SectionAmended):
        old = state.section(event.section)
        if old is None:
            raise RuleViolation(
                f"{event.body} has no section '{event.section}' on {event.effective}"
            )
        new = replace(
            old,
            number=event.number if event.number is not None else old.number,
            heading=event.heading if event.heading is not None else old.heading,
            text=event.text if event.text is not None else old.text,
            rules=tuple(event.rules) if event.rules is not None else old.rules,
            changed_by=event.event_id,
            changed_on=event.effective,
        )
        if (new.number, new.heading, new.text, new.rules) == (
            old.number,
            old.heading,
            old.text,
            old.rules,
        ):
            raise RuleViolation(f"the amendment to section '{event.section}' changes nothing")
        return replace(state, sections=tuple(new if s.id == old.id else s for s in state.sections))
    if isinstance(event, SectionInserted):
        if state.section(event.section.id) is not None:
            raise RuleViolation(f"{event.body} already has a section '{event.section.id}'")
        ordered = list(state.sections)
        index = 0 if event.first else len(ordered)
        if event.after is not None:
            found = [i for i, s in enumerate(ordered) if s.id == event.after]
            if not found:
                raise RuleViolation(f"{event.body} has no section '{event.after}' to insert after")
            index = found[0] + 1
        ordered.insert(index, _from_text(event.section, event))
        return replace(state, sections=tuple(ordered))
    if isinstance(event, SectionRepealed):
        if state.section(event.section) is None:
            raise RuleViolation(
                f"{event.body} has no section '{event.section}' on {event.effective}"
            )
        if len(state.sections) == 1:
            raise RuleViolation("repealing the last section would leave no terms of reference")
        return replace(state, sections=tuple(s for s in state.sections if s.id != event.section))
    raise RuleViolation(f"{event.TOPIC} does not apply to terms of reference")


def _checked_step(state: TorState | None, event: LedgerEvent) -> TorState:
    new = _apply(state, event)
    check_rules([(s.id, s.rules) for s in new.sections])
    return new


def touched_sections(event: LedgerEvent) -> list[str]:
    """The ids of the sections an event of the document writes (all of them, for an
    adoption); none for any other event."""
    if isinstance(event, TorAdopted):
        return [s.id for s in event.sections]
    if isinstance(event, SectionAmended | SectionRepealed):
        return [event.section]
    if isinstance(event, SectionInserted):
        return [event.section.id]
    return []


def timeline(events: Sequence[LedgerEvent]) -> list[tuple[date, TorState]]:
    """(effective date, state from then) for each date a change took effect."""
    return changes_by_date(events, _checked_step)


def versions(events: Sequence[LedgerEvent]) -> list[tuple[date, TorState]]:
    """``timeline`` without its rule checks: for reading a history already checked when
    it was recorded (the audit replay reads every prefix of one)."""
    return changes_by_date(events, _apply)


def tor_on(events: Sequence[LedgerEvent], day: date) -> TorState | None:
    """The terms of reference in force on ``day`` (None if none had been adopted)."""
    return state_at(events, day, _apply)


def check_history(events: Sequence[LedgerEvent]) -> None:
    """Raise RuleViolation if the in-force events do not make a coherent document."""
    timeline(events)


register_checker("tor.", check_history)


# --- commands ---------------------------------------------------------------------


class AdoptTor(EffectiveCommand):
    """Adopt a whole terms of reference for a body (replacing any earlier one)."""

    type: Literal["adopt-tor"] = "adopt-tor"
    body: str
    title: str | None = Field(default=None, max_length=500)
    sections: list[SectionText] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids(self) -> AdoptTor:
        _unique(self.sections)
        return self


class AmendSection(EffectiveCommand):
    """Substitute a section's text, heading, number or rules (give only what changes)."""

    type: Literal["amend-section"] = "amend-section"
    body: str
    section: str
    number: str | None = Field(default=None, min_length=1, max_length=20)
    heading: str | None = Field(default=None, min_length=1, max_length=300)
    text: str | None = Field(default=None, max_length=50_000)
    rules: list[Rule] | None = None


class InsertSection(EffectiveCommand):
    """Insert a new section after a given section, or first, or (by default) at the end."""

    type: Literal["insert-section"] = "insert-section"
    body: str
    section: SectionText
    after: str | None = Field(default=None, description="The section it follows.")
    first: Flag = Field(default=False, description="Put it before every other section.")

    @model_validator(mode="after")
    def _where(self) -> InsertSection:
        if self.first and self.after is not None:
            raise ValueError("a section goes first or after another, not both")
        return self


class RepealSection(EffectiveCommand):
    """Repeal a section from a date."""

    type: Literal["repeal-section"] = "repeal-section"
    body: str
    section: str


TorCommand = AdoptTor | AmendSection | InsertSection | RepealSection


def _record(
    ctx: Context, cmd: TorCommand, cls: type[LedgerEvent], **fields: Any
) -> list[LedgerEvent]:
    body = state_on(in_force(body_history(ctx, cmd.body).events), cmd.effective)
    if body is None or body.dissolved is not None:
        raise RuleViolation(f"body '{cmd.body}' does not exist on {cmd.effective}")
    history: History = ctx.history(tor_id(cmd.body))
    event = ctx.new_event(
        cls, history, body=cmd.body, effective=cmd.effective, authority=cmd.authority, **fields
    )
    timeline(history.with_event(event))
    return [event]


def adopt_tor(ctx: Context, cmd: AdoptTor) -> list[LedgerEvent]:
    return _record(ctx, cmd, TorAdopted, title=cmd.title, sections=cmd.sections)


def amend_section(ctx: Context, cmd: AmendSection) -> list[LedgerEvent]:
    return _record(
        ctx,
        cmd,
        SectionAmended,
        section=cmd.section,
        number=cmd.number,
        heading=cmd.heading,
        text=cmd.text,
        rules=cmd.rules,
    )


def insert_section(ctx: Context, cmd: InsertSection) -> list[LedgerEvent]:
    return _record(ctx, cmd, SectionInserted, section=cmd.section, after=cmd.after, first=cmd.first)


def repeal_section(ctx: Context, cmd: RepealSection) -> list[LedgerEvent]:
    return _record(ctx, cmd, SectionRepealed, section=cmd.section)
