"""Membership over both time axes: seats and offices on a date, as known at a moment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from ledger.domain.membership_state import MembershipState, Office, Person, Seat
from ledger.domain.segments import Segment as Span
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

SEATS = "proj_members"
OFFICES = "proj_offices"
T = TypeVar("T")


def _person(prefix: str, person: Person | None) -> dict[str, Any]:
    return {
        f"{prefix}_person": person.person if person else None,
        f"{prefix}_name": person.name if person else None,
        f"{prefix}_role": person.role if person else None,
    }


def split(
    changes: list[tuple[date, MembershipState]],
) -> tuple[dict[str, list[Segment]], dict[str, list[Segment]]]:
    seats: dict[str, list[Segment]] = {}
    offices: dict[str, list[Segment]] = {}
    for index, (start, state) in enumerate(changes):
        end = changes[index + 1][0].isoformat() if index + 1 < len(changes) else None
        for seat in state.seats:
            values = {
                "organisation": seat.organisation,
                "category": seat.category,
                "voting": int(seat.voting),
                "counts_for_quorum": (
                    None if seat.counts_for_quorum is None else int(seat.counts_for_quorum)
                ),
                "roles": " ".join(seat.roles),  # slugs: no spaces within one
                "joined": seat.joined.isoformat(),
                **_person("rep", seat.representative),
                **_person("sub", seat.substitute),
                "decision": seat.decision,
            }
            seats.setdefault(seat.member, []).append((start.isoformat(), end, values))
        for office in state.offices:
            values = {
                "person": office.holder.person,
                "name": office.holder.name,
                "elected": office.elected.isoformat(),
                "term_end": office.term_end.isoformat() if office.term_end else None,
                "decision": office.decision,
            }
            offices.setdefault(office.office, []).append((start.isoformat(), end, values))
    return {k: merge_segments(v) for k, v in seats.items()}, {
        k: merge_segments(v) for k, v in offices.items()
    }


class MembershipProjection:
    name = "membership"
    version = 3  # 2: seats' roles; counts_for_quorum may be null; 3: authorising decisions
    recomputes = True  # rebuilds its rows for an aggregate from all of its events
    tables: Sequence[str] = (SEATS, OFFICES)

    def create(self, db: Connection) -> None:
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {SEATS} (body TEXT NOT NULL, member TEXT NOT NULL, "
            "organisation TEXT, category TEXT NOT NULL, voting INTEGER NOT NULL, "
            "counts_for_quorum INTEGER, roles TEXT NOT NULL, joined TEXT NOT NULL, "
            "rep_person TEXT, rep_name TEXT, rep_role TEXT, sub_person TEXT, sub_name TEXT, "
            "sub_role TEXT, decision TEXT, "
            f"{bitemporal_columns()})"
        )
        db.execute(
            f"CREATE INDEX IF NOT EXISTS {SEATS}_asof_idx "
            f"ON {SEATS} (body, valid_from, recorded_from)"
        )
        db.execute(
            f"CREATE INDEX IF NOT EXISTS {SEATS}_open_idx ON {SEATS} (body, member, recorded_to)"
        )
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {OFFICES} (body TEXT NOT NULL, office TEXT NOT NULL, "
            "person TEXT NOT NULL, name TEXT NOT NULL, elected TEXT NOT NULL, term_end TEXT, "
            "decision TEXT, "
            f"{bitemporal_columns()})"
        )
        db.execute(
            f"CREATE INDEX IF NOT EXISTS {OFFICES}_idx ON {OFFICES} (body, office, recorded_to)"
        )
        key_index(db, SEATS, ["body", "member"])
        key_index(db, OFFICES, ["body", "office"])

    def process(self, db: Connection, item: Delivered, events_of: EventsOf) -> None:
        from ledger.domain.history import (
            in_force,  # the write side's: imported when events are applied (ADR 0023)
        )
        from ledger.domain.membership import membership_id, timeline

        event = item.event
        if event.body is None or event.originator_id != membership_id(event.body):
            return
        body = event.body
        changes = timeline(in_force(events_of(event.originator_id, event.originator_version)))
        seats, offices = split(changes)
        for table, column, segments in ((SEATS, "member", seats), (OFFICES, "office", offices)):
            open_keys = {
                r[column]
                for r in db.query(
                    f"SELECT DISTINCT {column} FROM {table} WHERE body = ? AND recorded_to IS NULL",
                    [body],
                )
            }
            for key in sorted(open_keys | set(segments)):
                replace_timeline(
                    db, table, {"body": body, column: key}, segments.get(key, []), item.recorded_at
                )


def _maybe_person(row: Any, prefix: str) -> Person | None:
    if row[f"{prefix}_person"] is None:
        return None
    return Person(row[f"{prefix}_person"], row[f"{prefix}_name"], row[f"{prefix}_role"])


def _seat(r: Any) -> Seat:
    return Seat(
        member=r["member"],
        organisation=r["organisation"],
        category=r["category"],
        voting=bool(r["voting"]),
        counts_for_quorum=None if r["counts_for_quorum"] is None else bool(r["counts_for_quorum"]),
        joined=date.fromisoformat(r["joined"]),
        representative=_maybe_person(r, "rep"),
        substitute=_maybe_person(r, "sub"),
        roles=tuple(r["roles"].split()),
        decision=r["decision"],
    )


def _office(r: Any) -> Office:
    return Office(
        office=r["office"],
        holder=Person(r["person"], r["name"]),
        elected=date.fromisoformat(r["elected"]),
        term_end=date.fromisoformat(r["term_end"]) if r["term_end"] else None,
        decision=r["decision"],
    )


def membership_on(db: Connection, body: str, day: date, known_at: str) -> MembershipState:
    """The membership of ``body`` on ``day`` as recorded by ``known_at``."""
    params = [body, day.isoformat(), day.isoformat(), known_at, known_at]
    seats = tuple(
        _seat(r)
        for r in db.query(
            f"SELECT * FROM {SEATS} WHERE body = ? AND {as_of_clause()} ORDER BY member", params
        )
    )
    offices = tuple(
        _office(r)
        for r in db.query(
            f"SELECT * FROM {OFFICES} WHERE body = ? AND {as_of_clause()} ORDER BY office", params
        )
    )
    return MembershipState(seats, offices)


RECORDED = "recorded_from <= ? AND (recorded_to IS NULL OR recorded_to > ?)"


def _segment(r: Any, state: T) -> Span[T]:
    end = date.fromisoformat(r["valid_to"]) if r["valid_to"] else None
    return Span(date.fromisoformat(r["valid_from"]), end, state)


def membership_segments(
    db: Connection, body: str, known_at: str
) -> tuple[list[Span[Seat]], list[Span[Office]]]:
    """The seats and the offices of ``body`` over effective time as recorded by
    ``known_at``: each seat's (and office's) states by member (office), then date."""
    params = [body, known_at, known_at]
    seats = [
        _segment(r, _seat(r))
        for r in db.query(f"SELECT * FROM {SEATS} WHERE body = ? AND {RECORDED}", params)
    ]
    offices = [
        _segment(r, _office(r))
        for r in db.query(f"SELECT * FROM {OFFICES} WHERE body = ? AND {RECORDED}", params)
    ]
    # Sorted here, not by the database, whose collation may order hyphens otherwise.
    seats.sort(key=lambda s: (s.state.member, s.valid_from))
    offices.sort(key=lambda s: (s.state.office, s.valid_from))
    return seats, offices
