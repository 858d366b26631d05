"""The constitution over both time axes: each ToR section as in force on a date, as known."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ConfigDict, TypeAdapter

from ledger.domain.history import in_force
from ledger.domain.rules import Rule
from ledger.domain.tor import TorState, timeline, tor_id
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

SECTIONS = "proj_tor_sections"
DOCUMENTS = "proj_tor_documents"
# Its validator is built when a row's rules are first read, not at import.
RULES: TypeAdapter[list[Any]] = TypeAdapter(list[Rule], config=ConfigDict(defer_build=True))


@dataclass(frozen=True)
class SectionView:
    id: str
    number: str
    heading: str
    text: str
    rules: list[Any]
    since: str
    changed_on: str
    changed_by: str


@dataclass
class TorView:
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


class ConstitutionProjection:
    name = "constitution"
    version = 1
    recomputes = True  # rebuilds its rows for an aggregate from all of its events
    tables: Sequence[str] = (SECTIONS, DOCUMENTS)

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
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {DOCUMENTS} (body TEXT NOT NULL, title TEXT, "
            f"adopted_by TEXT NOT NULL, adopted_on TEXT NOT NULL, {bitemporal_columns()})"
        )
        db.execute(f"CREATE INDEX IF NOT EXISTS {DOCUMENTS}_idx ON {DOCUMENTS} (body, recorded_to)")
        key_index(db, DOCUMENTS, ["body"])
        key_index(db, SECTIONS, ["body", "section_id"])

    def process(self, db: Connection, item: Delivered, events_of: EventsOf) -> None:
        event = item.event
        if event.body is None or event.originator_id != tor_id(event.body):
            return
        body = event.body
        changes = timeline(in_force(events_of(event.originator_id, event.originator_version)))
        documents, sections = split_timeline(changes)
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


def _section(row: Any) -> SectionView:
    return SectionView(
        id=row["section_id"],
        number=row["number"],
        heading=row["heading"],
        text=row["text"],
        rules=RULES.validate_python(json.loads(row["rules"])),
        since=row["valid_from"],
        changed_on=row["changed_on"],
        changed_by=row["changed_by"],
    )


def tor_on(db: Connection, body: str, day: date, known_at: str) -> TorView | None:
    """The ToR of ``body`` in force on ``day`` as recorded by ``known_at``."""
    params = [body, day.isoformat(), day.isoformat(), known_at, known_at]
    docs = db.query(f"SELECT * FROM {DOCUMENTS} WHERE body = ? AND {as_of_clause()}", params)
    if not docs:
        return None
    doc = docs[0]
    rows = db.query(
        f"SELECT * FROM {SECTIONS} WHERE body = ? AND {as_of_clause()} ORDER BY ordinal", params
    )
    return TorView(
        body=body,
        on=day.isoformat(),
        title=doc["title"],
        adopted_on=doc["adopted_on"],
        adopted_by=doc["adopted_by"],
        sections=[_section(r) for r in rows],
    )


@dataclass(frozen=True)
class PendingChange:
    section: str
    effective: str
    change: str  # "inserted" | "amended" | "repealed"
    changed_by: str | None


def pending_after(db: Connection, body: str, day: date, known_at: str) -> list[PendingChange]:
    """Changes known at ``known_at`` that take effect after ``day``."""
    rows = db.query(
        f"SELECT * FROM {SECTIONS} WHERE body = ? AND (valid_to IS NULL OR valid_to > ?) "
        "AND recorded_from <= ? AND (recorded_to IS NULL OR recorded_to > ?) "
        "ORDER BY section_id, valid_from",
        [body, day.isoformat(), known_at, known_at],
    )
    changes: list[PendingChange] = []
    previous: dict[str, Any] = {}
    for row in rows:
        sid = row["section_id"]
        before = previous.get(sid)
        if row["valid_from"] > day.isoformat():
            contiguous = before is not None and before["valid_to"] == row["valid_from"]
            content = ("number", "heading", "text", "rules")
            moved_only = (
                before is not None and contiguous and all(before[c] == row[c] for c in content)
            )
            if not moved_only:
                kind = "amended" if contiguous else "inserted"
                changes.append(PendingChange(sid, row["valid_from"], kind, row["changed_by"]))
        previous[sid] = row
    for sid, last in previous.items():
        if last["valid_to"] is not None and last["valid_to"] > day.isoformat():
            changes.append(PendingChange(sid, last["valid_to"], "repealed", None))
    return sorted(changes, key=lambda c: (c.effective, c.section))
