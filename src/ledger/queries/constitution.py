"""Answers about the terms of reference: as in force, as known, redlines and history.

Read-side service used by the application API; the answers come from the bitemporal
constitution projection, enriched with provenance from the event index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from ledger.domain.errors import NotFound
from ledger.infra.chain import utc_text
from ledger.projections import constitution as projection
from ledger.projections.base import as_of_clause
from ledger.projections.constitution import PendingChange, SectionView
from ledger.queries.authority import AuthorityCheck, check_decisions
from ledger.queries.known import known_at_text
from ledger.queries.redline import Piece, word_diff

# The ToR's events are read for its history alone, imported there: showing a ToR (or a
# redline) reads the read models only (ADR 0023).
if TYPE_CHECKING:
    from datetime import datetime

    from ledger.domain.events import LedgerEvent
    from ledger.infra.db import Connection
    from ledger.infra.histories import Histories


class Provenance(Struct):
    """An event that made some part of the document what it is."""

    position: int
    effective: str
    recorded_at: str
    summary: str
    authority: str | None
    event_id: str
    # The decision it cites as authority, and whether that decision is good authority.
    decision: AuthorityCheck | None = None


class TorReport(Struct):
    """The ToR of a body on a day as known at a moment, with provenance and what is pending."""

    body: str
    on: str
    known_at: str | None
    title: str | None
    adopted_on: str
    sections: list[SectionView]
    provenance: list[Provenance]
    pending: list[PendingChange] = field(default_factory=list)


class SectionChange(Struct):
    """How one section changed between two dates."""

    section: str
    number: str
    heading: str
    change: str  # "added" | "repealed" | "changed"
    heading_diff: list[Piece] = field(default_factory=list)
    text_diff: list[Piece] = field(default_factory=list)
    number_before: str | None = None
    rules_before: list[str] = field(default_factory=list)
    rules_after: list[str] = field(default_factory=list)


class Redline(Struct):
    """A body's ToR compared between two dates, section by section."""

    body: str
    date_from: str
    date_to: str
    changes: list[SectionChange]
    made_by: list[Provenance] = field(default_factory=list)


class HistoryEntry(Struct, frozen=True):
    """One recorded change to a ToR, as the history lists it."""

    position: int
    effective: str
    recorded_at: str
    actor: str
    summary: str
    authority: str | None
    sections: list[str]
    status: str
    decision: AuthorityCheck | None = None


def provenance(db: Connection, event_ids: list[str], known_at: str) -> dict[str, Provenance]:
    """Index rows for the given event ids, by event id, each with the decision it cites
    checked as known at ``known_at``."""
    rows: list[Any] = []
    for start in range(0, len(event_ids), 500):
        chunk = event_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows += db.query(f"SELECT * FROM proj_events WHERE event_id IN ({marks})", chunk)
    return _provenance(db, rows, known_at)


def _provenance(db: Connection, rows: list[Any], known_at: str) -> dict[str, Provenance]:
    checks = check_decisions(db, (r["decision"] for r in rows), known_at)
    return {
        r["event_id"]: Provenance(
            int(r["position"]),
            r["effective"],
            r["recorded_at"],
            r["summary"],
            r["authority"],
            r["event_id"],
            checks.get(r["decision"]) if r["decision"] else None,
        )
        for r in rows
    }


# The standing makers of a document in force on a day as known at a moment, in the order
# the document applies them, each with its event index row (parameters as as_of_clause).
MAKERS_SQL = (
    "SELECT m.adoption, m.sections, e.position, e.effective, e.recorded_at, e.summary, "
    f"e.authority, e.event_id, e.decision FROM {projection.MAKERS} m "
    "JOIN proj_events e ON e.event_id = m.event_id "
    f"WHERE m.body = ? AND {as_of_clause()} ORDER BY m.valid_from, m.place, m.version"
)


def _made(
    db: Connection, body: str, day: date, known_at: str, sections: set[str]
) -> list[Provenance]:
    """The provenance of the document (or of ``sections``) in force on ``day``, by
    position: ``makers`` and ``_provenance`` in one pass over the rows."""
    rows = db.query(MAKERS_SQL, [body, day.isoformat(), day.isoformat(), known_at, known_at])
    values = [_values(r) for r in rows]
    last = max((i for i, v in enumerate(values) if v[0]), default=0)
    kept = [v for v in values[last:] if v[0] or not sections.isdisjoint(v[1].split())]
    checks = check_decisions(db, sorted({v[8] for v in kept if v[8]}), known_at)
    made = {
        event_id: Provenance(
            int(position),
            effective,
            recorded_at,
            summary,
            authority,
            event_id,
            checks.get(decision) if decision else None,
        )
        for _, _, position, effective, recorded_at, summary, authority, event_id, decision in kept
    }
    return sorted(made.values(), key=lambda p: p.position)


def _values(row: Any) -> Sequence[Any]:
    """A row's values in column order: a SQLite row is a sequence, a PostgreSQL row a dict."""
    return tuple(row.values()) if isinstance(row, dict) else row


def report(
    db: Connection,
    body: str,
    day: date,
    known_at: str,
    label: str | None,
    section: str | None = None,
) -> TorReport:
    """The ToR (or one section) on ``day`` as known at ``known_at``, with provenance."""
    view = projection.tor_on(db, body, day, known_at)
    if view is None:
        raise NotFound(
            f"{body} has no terms of reference in force on {day}"
            + (f" as known at {label}" if label else "")
        )
    if section is not None:
        view.sections = [s for s in view.sections if s.id == section]
        if not view.sections:
            raise NotFound(f"{body} has no section '{section}' in force on {day}")
    made = _made(db, body, day, known_at, {s.id for s in view.sections})
    pending = [
        change
        for change in projection.pending_after(db, body, day, known_at)
        if section is None or change.section == section
    ]
    return TorReport(
        body=body,
        on=view.on,
        known_at=label,
        title=view.title,
        adopted_on=view.adopted_on,
        sections=view.sections,
        provenance=made,
        pending=pending,
    )


def _describe_rules(rules: list[Any]) -> list[str]:
    return [r.describe() for r in rules]


def section_changes(before: Sequence[Any], after: Sequence[Any]) -> list[SectionChange]:
    """The per-section redline from one version's sections to another's (each with
    ``id``, ``number``, ``heading``, ``text`` and ``rules``): sections added, repealed
    and changed, in the later version's order, then the repealed ones."""
    old = {s.id: s for s in before}
    new = {s.id: s for s in after}
    changes: list[SectionChange] = []
    order = [s.id for s in after]
    order += [sid for sid in old if sid not in new]
    for sid in order:
        a, b = old.get(sid), new.get(sid)
        if a is None and b is not None:
            changes.append(
                SectionChange(
                    sid,
                    b.number,
                    b.heading,
                    "added",
                    text_diff=[Piece("+", b.text)],
                    rules_after=_describe_rules(b.rules),
                )
            )
        elif b is None and a is not None:
            changes.append(
                SectionChange(
                    sid,
                    a.number,
                    a.heading,
                    "repealed",
                    text_diff=[Piece("-", a.text)],
                    rules_before=_describe_rules(a.rules),
                )
            )
        elif a is not None and b is not None:
            rules_a, rules_b = list(a.rules), list(b.rules)
            same = (a.number, a.heading, a.text, rules_a) == (b.number, b.heading, b.text, rules_b)
            if same:
                continue
            changes.append(
                SectionChange(
                    sid,
                    b.number,
                    b.heading,
                    "changed",
                    heading_diff=word_diff(a.heading, b.heading) if a.heading != b.heading else [],
                    text_diff=word_diff(a.text, b.text) if a.text != b.text else [],
                    number_before=a.number if a.number != b.number else None,
                    rules_before=_describe_rules(rules_a) if rules_a != rules_b else [],
                    rules_after=_describe_rules(rules_b) if rules_a != rules_b else [],
                )
            )
    return changes


def redline(db: Connection, body: str, first: date, second: date, known_at: str) -> Redline:
    before = projection.tor_on(db, body, first, known_at)
    after = projection.tor_on(db, body, second, known_at)
    if before is None and after is None:
        raise NotFound(f"{body} has no terms of reference on {first} or {second}")
    new = {s.id: s for s in (after.sections if after else [])}
    changes = section_changes(before.sections if before else [], after.sections if after else [])
    made_ids = sorted(
        {
            s.changed_by
            for s in new.values()
            if s.changed_on > first.isoformat() and s.changed_on <= second.isoformat()
        }
    )
    made = provenance(db, made_ids, known_at)
    return Redline(
        body,
        first.isoformat(),
        second.isoformat(),
        changes,
        sorted(made.values(), key=lambda p: p.position),
    )


def history(db: Connection, events: list[LedgerEvent], section: str | None) -> list[HistoryEntry]:
    """Every recorded change to the document (or one section), with what became of it."""
    from ledger.domain.events import EventRetracted
    from ledger.domain.history import in_force
    from ledger.domain.tor import touched_sections

    standing = {e.event_id for e in in_force(events)}
    by_id = {e.event_id: e for e in events}
    index = provenance(db, [str(e.event_id) for e in events], known_at_text(None))
    superseded_by: dict[Any, LedgerEvent] = {}
    for event in events:
        if event.corrects is not None:
            superseded_by[event.corrects] = event
    entries = []
    for event in events:
        target = by_id.get(event.corrects) if event.corrects else None
        touched = touched_sections(
            target if isinstance(event, EventRetracted) and target else event
        )
        if section is not None and section not in touched:
            continue
        row = index[str(event.event_id)]
        if isinstance(event, EventRetracted):
            status = f"retracts #{index[str(event.corrects)].position}"
        elif event.event_id in standing:
            status = (
                "in force"
                if event.corrects is None
                else (f"corrects #{index[str(event.corrects)].position}")
            )
        else:
            later = superseded_by.get(event.event_id)
            how = "retracted" if isinstance(later, EventRetracted) else "corrected"
            status = f"{how} by #{index[str(later.event_id)].position}" if later else "superseded"
        entries.append(
            HistoryEntry(
                row.position,
                event.effective.isoformat(),
                row.recorded_at,
                event.actor,
                row.summary,
                row.authority,
                touched,
                status,
                row.decision,
            )
        )
    return entries


def tor_report(
    db: Connection, body: str, on: date, known_at: datetime | None, section: str | None
) -> TorReport:
    """The ToR (or one section) in force on ``on`` as known at ``known_at`` (None: now)."""
    label = utc_text(known_at) if known_at else None
    return report(db, body, on, known_at_text(known_at), label, section)


def tor_history(
    db: Connection, histories: Histories, body: str, section: str | None
) -> list[HistoryEntry]:
    """Every recorded change to a body's ToR (or one section), oldest first."""
    from ledger.domain.tor import tor_id

    events = histories.events(tor_id(body))
    if not events:
        raise NotFound(f"{body} has no terms of reference recorded")
    entries = history(db, events, section)
    if section is not None and not entries:
        raise NotFound(f"{body}'s terms of reference have never had a section '{section}'")
    return entries
