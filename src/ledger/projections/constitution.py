"""The constitution over both time axes: each ToR section as in force on a date, as known."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from ledger.domain.rule_kinds import stored_rules
from ledger.infra.canonical import canonical_bytes
from ledger.infra.db import Connection
from ledger.projections.base import (
    Delivered,
    EventsOf,
    Segment,
    as_of_clause,
    bitemporal_columns,
    key_index,
    merge_segments,
    replace_timeline,
)

# The events and their folds are the write side's, imported when events are applied:
# the read path (tor_on, rules_on) imports no event model (ADR 0023).
if TYPE_CHECKING:
    from ledger.domain.events import LedgerEvent
    from ledger.domain.tor import TorState

SECTIONS = "proj_tor_sections"
DOCUMENTS = "proj_tor_documents"
# The standing events of each document that shape it (adoptions, and the events that
# write sections), as known over recorded time: what a ToR's provenance is read from.
# valid_from is the event's effective date; (valid_from, place, version) is the order
# of ``in_force``; ``sections`` the ids it writes, space-separated (slugs).
MAKERS = "proj_tor_makers"


class SectionView(Struct):
    """A section of the ToR as in force on a day, with where its text came from."""

    id: str
    number: str
    heading: str
    text: str
    rules: list[Any]
    since: str
    changed_on: str
    changed_by: str


class TorView(Struct):
    """The ToR of a body as in force on a day: its document and its sections."""

    body: str
    on: str
    title: str | None
    adopted_on: str
    adopted_by: str
    sections: list[SectionView] = field(default_factory=list)


def _rules_text(rules: Sequence[Any]) -> str:
    return canonical_bytes([r.model_dump(mode="json") for r in rules]).decode()


def split_timeline(
    changes: list[tuple[date, TorState]],
) -> tuple[list[Segment], dict[str, list[Segment]]]:
    """Document and per-section segments from the ToR's states over effective time."""
    documents: list[Segment] = []
    sections: dict[str, list[Segment]] = {}
    for index, (start, state) in enumerate(changes):
        end = changes[index + 1][0].isoformat() if index + 1 < len(changes) else None
        begin = start.isoformat()
        documents.append(
            (
                begin,
                end,
                {
                    "title": state.title,
                    "adopted_by": str(state.adopted_by),
                    "adopted_on": state.adopted_on.isoformat(),
                },
            )
        )
        for ordinal, s in enumerate(state.sections):
            sections.setdefault(s.id, []).append(
                (
                    begin,
                    end,
                    {
                        "ordinal": ordinal,
                        "number": s.number,
                        "heading": s.heading,
                        "text": s.text,
                        "rules": _rules_text(s.rules),
                        "changed_on": s.changed_on.isoformat(),
                        "changed_by": str(s.changed_by),
                    },
                )
            )
    return merge_segments(documents), {k: merge_segments(v) for k, v in sections.items()}


def _maker_rows(events: Sequence[LedgerEvent], standing: Sequence[LedgerEvent]) -> dict[str, Any]:
    """The MAKERS values of each standing event that adopts or writes sections."""
    from ledger.domain.history import place
    from ledger.domain.tor import TorAdopted, touched_sections

    by_id = {e.event_id: e for e in events}
    rows: dict[str, Any] = {}
    for event in standing:
        adoption, touched = isinstance(event, TorAdopted), touched_sections(event)
        if adoption or touched:
            rows[str(event.event_id)] = (
                event.effective.isoformat(),
                place(event, by_id),
                event.originator_version,
                int(adoption),
                " ".join(touched),
            )
    return rows


def replace_makers(
    db: Connection,
    body: str,
    events: Sequence[LedgerEvent],
    standing: Sequence[LedgerEvent],
    at: str,
) -> None:
    """Make the standing makers of ``body``'s document the current belief: close the rows
    of events no longer standing (corrected, retracted) and add the new ones."""
    wanted = _maker_rows(events, standing)
    rows = db.query(f"SELECT * FROM {MAKERS} WHERE body = ? AND recorded_to IS NULL", [body])
    believed = {
        r["event_id"]: (r["valid_from"], r["place"], r["version"], r["adoption"], r["sections"])
        for r in rows
    }
    since = {r["event_id"]: r["recorded_from"] for r in rows}
    gone = [eid for eid, row in believed.items() if wanted.get(eid) != row]
    # A row believed from this very moment (an earlier part of the same write) was never
    # believed for any time: it goes, as if the write came at once.
    db.executemany(
        f"DELETE FROM {MAKERS} WHERE body = ? AND event_id = ? AND recorded_to IS NULL",
        [[body, eid] for eid in gone if since[eid] == at],
    )
    db.executemany(
        f"UPDATE {MAKERS} SET recorded_to = ? WHERE body = ? AND event_id = ? "
        "AND recorded_to IS NULL",
        [[at, body, eid] for eid in gone if since[eid] != at],
    )
    new = [
        [body, eid, *row[1:], row[0], None, at, None]
        for eid, row in wanted.items()
        if believed.get(eid) != row
    ]
    db.executemany(
        f"INSERT INTO {MAKERS} (body, event_id, place, version, adoption, sections, "
        "valid_from, valid_to, recorded_from, recorded_to) VALUES (?,?,?,?,?,?,?,?,?,?)",
        new,
    )


class ConstitutionProjection:
    name = "constitution"
    version = 2  # 2: the standing makers of each document (its provenance)
    recomputes = True  # rebuilds its rows for an aggregate from all of its events
    families: frozenset[str] | None = frozenset({"tor"})  # and retractions
    tables: Sequence[str] = (SECTIONS, DOCUMENTS, MAKERS)

    def create(self, db: Connection) -> None:
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {SECTIONS} (body TEXT NOT NULL, section_id TEXT NOT NULL, "
            "ordinal INTEGER NOT NULL, number TEXT NOT NULL, heading TEXT NOT NULL, "
            "text TEXT NOT NULL, rules TEXT NOT NULL, changed_on TEXT NOT NULL, "
            f"changed_by TEXT NOT NULL, {bitemporal_columns()})"
        )
        db.execute(
            f"CREATE INDEX IF NOT EXISTS {SECTIONS}_asof_idx "
            f"ON {SECTIONS} (body, valid_from, recorded_from)"
        )
        db.execute(
            f"CREATE INDEX IF NOT EXISTS {SECTIONS}_open_idx "
            f"ON {SECTIONS} (body, section_id, recorded_to)"
        )
        # The as-of reads (tor_on, rules_on) filter on both axes within the index, and
        # fetch only the rows in force: the sections that carry rules have one of their own.
        both_axes = "body, valid_from, valid_to, recorded_from, recorded_to"
        db.execute(f"CREATE INDEX IF NOT EXISTS {SECTIONS}_inforce_idx ON {SECTIONS} ({both_axes})")
        db.execute(
            f"CREATE INDEX IF NOT EXISTS {SECTIONS}_rules_idx ON {SECTIONS} ({both_axes}) "
            "WHERE rules <> '[]'"
        )
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {DOCUMENTS} (body TEXT NOT NULL, title TEXT, "
            f"adopted_by TEXT NOT NULL, adopted_on TEXT NOT NULL, {bitemporal_columns()})"
        )
        db.execute(f"CREATE INDEX IF NOT EXISTS {DOCUMENTS}_idx ON {DOCUMENTS} (body, recorded_to)")
        key_index(db, DOCUMENTS, ["body"])
        key_index(db, SECTIONS, ["body", "section_id"])
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {MAKERS} (body TEXT NOT NULL, event_id TEXT NOT NULL, "
            "place INTEGER NOT NULL, version INTEGER NOT NULL, adoption INTEGER NOT NULL, "
            f"sections TEXT NOT NULL, {bitemporal_columns()})"
        )
        db.execute(
            f"CREATE INDEX IF NOT EXISTS {MAKERS}_asof_idx "
            f"ON {MAKERS} (body, valid_from, recorded_from)"
        )
        db.execute(
            f"CREATE INDEX IF NOT EXISTS {MAKERS}_open_idx "
            f"ON {MAKERS} (body, event_id, recorded_to)"
        )

    def process(self, db: Connection, item: Delivered, events_of: EventsOf) -> None:
        from ledger.domain.history import in_force
        from ledger.domain.tor import timeline, tor_id

        event = item.event
        if event.body is None or event.originator_id != tor_id(event.body):
            return
        body = event.body
        events = events_of(event.originator_id, event.originator_version)
        standing = in_force(events)
        documents, sections = split_timeline(timeline(standing))
        replace_makers(db, body, events, standing, item.recorded_at)
        replace_timeline(db, DOCUMENTS, {"body": body}, documents, item.recorded_at)
        open_ids = {
            r["section_id"]
            for r in db.query(
                f"SELECT DISTINCT section_id FROM {SECTIONS} "
                "WHERE body = ? AND recorded_to IS NULL",
                [body],
            )
        }
        for section_id in sorted(open_ids | set(sections)):
            replace_timeline(
                db,
                SECTIONS,
                {"body": body, "section_id": section_id},
                sections.get(section_id, []),
                item.recorded_at,
            )


def _rules(text: str) -> list[Any]:
    """A section's stored rules (canonical JSON the projection wrote), as plain rule
    kinds, made without a validator (``stored_rules``)."""
    return stored_rules(json.loads(text))


# The columns a section of tor_on is made of, in SectionView's order.
_SECTION_COLUMNS = "section_id, number, heading, text, rules, valid_from, changed_on, changed_by"


def tor_on(db: Connection, body: str, day: date, known_at: str) -> TorView | None:
    """The ToR of ``body`` in force on ``day`` as recorded by ``known_at``."""
    params = [body, day.isoformat(), day.isoformat(), known_at, known_at]
    docs = db.query(
        f"SELECT title, adopted_on, adopted_by FROM {DOCUMENTS} WHERE body = ? "
        f"AND {as_of_clause()}",
        params,
    )
    if not docs:
        return None
    doc = docs[0]
    rows = db.query(
        f"SELECT {_SECTION_COLUMNS} FROM {SECTIONS} WHERE body = ? AND {as_of_clause()} "
        "ORDER BY ordinal",
        params,
    )
    sections = []
    for row in rows:
        sid, number, heading, text, rules, since, changed_on, changed_by = _values(row)
        sections.append(
            SectionView(sid, number, heading, text, _rules(rules), since, changed_on, changed_by)
        )
    return TorView(
        body=body,
        on=day.isoformat(),
        title=doc["title"],
        adopted_on=doc["adopted_on"],
        adopted_by=doc["adopted_by"],
        sections=sections,
    )


def _values(row: Any) -> Sequence[Any]:
    """A row's values in column order: a SQLite row is a sequence, a PostgreSQL row a dict."""
    return tuple(row.values()) if isinstance(row, dict) else row


class SectionRules(Struct, frozen=True):
    """A section in force that carries rules: its id and its rules, in document order."""

    id: str
    rules: list[Any]


def rules_on(db: Connection, body: str, day: date, known_at: str) -> list[SectionRules]:
    """The sections of ``body``'s ToR in force on ``day`` as recorded by ``known_at`` that
    carry rules, in order (none if no ToR was in force): what the rules in force are read
    from (``rule_of``), as ``tor_on(...).sections`` would give them, without the text.
    A section is in force only with its document, so the document is not read; the
    sections with rules have an index of their own (``rules <> '[]'``)."""
    params = [body, day.isoformat(), day.isoformat(), known_at, known_at]
    rows = db.query(
        f"SELECT section_id, rules FROM {SECTIONS} WHERE body = ? AND {as_of_clause()} "
        "AND rules <> '[]' ORDER BY ordinal",
        params,
    )
    return [SectionRules(sid, _rules(rules)) for sid, rules in map(_values, rows)]


class PendingChange(Struct, frozen=True):
    """An amendment recorded but not yet in force on the day asked."""

    section: str
    effective: str
    change: str  # "inserted" | "amended" | "repealed"
    changed_by: str | None


# Every section version ending after a day as known at a moment (parameters: body, day,
# K, K), each section's in effective order.
PENDING_SQL = (
    "SELECT section_id, number, heading, text, rules, changed_by, valid_from, valid_to "
    f"FROM {SECTIONS} WHERE body = ? AND (valid_to IS NULL OR valid_to > ?) "
    "AND recorded_from <= ? AND (recorded_to IS NULL OR recorded_to > ?) "
    "ORDER BY section_id, valid_from"
)


def pending_after(db: Connection, body: str, day: date, known_at: str) -> list[PendingChange]:
    """Changes known at ``known_at`` that take effect after ``day``."""
    on = day.isoformat()
    changes: list[PendingChange] = []
    # By section: the version before, as (valid_to, number, heading, text, rules).
    previous: dict[str, tuple[Any, ...]] = {}
    for row in db.query(PENDING_SQL, [body, on, known_at, known_at]):
        sid, number, heading, text, rules, changed_by, valid_from, valid_to = _values(row)
        before = previous.get(sid)
        if valid_from > on:
            contiguous = before is not None and before[0] == valid_from
            # The same words and rules from where the one before ended: moved, not changed.
            if not (
                contiguous and before is not None and before[1:] == (number, heading, text, rules)
            ):
                kind = "amended" if contiguous else "inserted"
                changes.append(PendingChange(sid, valid_from, kind, changed_by))
        previous[sid] = (valid_to, number, heading, text, rules)
    for sid, last in previous.items():
        if last[0] is not None and last[0] > on:
            changes.append(PendingChange(sid, last[0], "repealed", None))
    return sorted(changes, key=lambda c: (c.effective, c.section))
