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
ORGANISATIONS = "proj_organisations"  # projections/organisations.py's table, joined to seats
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
    families: frozenset[str] | None = frozenset({"membership"})  # and retractions
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
    cfq = r["counts_for_quorum"]
    return Seat(  # positional, in the dataclass's field order: the cheaper call
        r["member"],
        r["organisation"],
        r["category"],
        bool(r["voting"]),
        None if cfq is None else bool(cfq),
        date.fromisoformat(r["joined"]),
        _maybe_person(r, "rep"),
        _maybe_person(r, "sub"),
        tuple(r["roles"].split()),
        r["decision"],
    )


def _office(r: Any) -> Office:
    return Office(
        r["office"],
        Person(r["person"], r["name"]),
        date.fromisoformat(r["elected"]),
        date.fromisoformat(r["term_end"]) if r["term_end"] else None,
        r["decision"],
    )


# The columns a seat (an office) is made of, in the order _seat_of (_office_of) reads
# them: an as-of read selects these alone, not the bitemporal columns it filters on.
_SEAT_COLUMNS = (
    "member, organisation, category, voting, counts_for_quorum, joined, rep_person, "
    "rep_name, rep_role, sub_person, sub_name, sub_role, roles, decision"
)
_OFFICE_COLUMNS = "office, person, name, elected, term_end, decision"


def _values(row: Any) -> Sequence[Any]:
    """A row's values in column order: a SQLite row is a sequence, a PostgreSQL row a dict."""
    return tuple(row.values()) if isinstance(row, dict) else row


def _seat_of(row: Any) -> Seat:
    member, org, category, voting, cfq, joined, rp, rn, rr, sp, sn, sr, roles, decision = _values(
        row
    )
    return Seat(
        member,
        org,
        category,
        bool(voting),
        None if cfq is None else bool(cfq),
        date.fromisoformat(joined),
        Person(rp, rn, rr) if rp is not None else None,
        Person(sp, sn, sr) if sp is not None else None,
        tuple(roles.split()),
        decision,
    )


def _office_of(row: Any) -> Office:
    office, person, name, elected, term_end, decision = _values(row)
    end = date.fromisoformat(term_end) if term_end else None
    return Office(office, Person(person, name), date.fromisoformat(elected), end, decision)


def membership_on(db: Connection, body: str, day: date, known_at: str) -> MembershipState:
    """The membership of ``body`` on ``day`` as recorded by ``known_at``."""
    params = [body, day.isoformat(), day.isoformat(), known_at, known_at]
    seats = db.query(
        f"SELECT {_SEAT_COLUMNS} FROM {SEATS} WHERE body = ? AND {as_of_clause()} ORDER BY member",
        params,
    )
    offices = db.query(
        f"SELECT {_OFFICE_COLUMNS} FROM {OFFICES} WHERE body = ? AND {as_of_clause()} "
        "ORDER BY office",
        params,
    )
    return MembershipState(
        tuple([_seat_of(r) for r in seats]), tuple([_office_of(r) for r in offices])
    )


def _as_of(alias: str) -> str:
    """``as_of_clause`` for the table named ``alias`` in a join."""
    return (
        f"{alias}.valid_from <= ? AND ({alias}.valid_to IS NULL OR {alias}.valid_to > ?) "
        f"AND {alias}.recorded_from <= ? AND ({alias}.recorded_to IS NULL "
        f"OR {alias}.recorded_to > ?)"
    )


_SEATS_WITH_ORGANISATIONS = (
    "SELECT "
    + ", ".join(f"m.{c.strip()}" for c in _SEAT_COLUMNS.split(","))
    + ", o.name, o.sector "
    f"FROM {SEATS} m LEFT JOIN {ORGANISATIONS} o ON o.slug = m.organisation AND "
    f"{_as_of('o')} WHERE m.body = ? AND {_as_of('m')} ORDER BY m.member"
)


def membership_with_organisations_on(
    db: Connection, body: str, day: date, known_at: str
) -> tuple[MembershipState, dict[str, tuple[str, str]]]:
    """``membership_on``, and the name and sector of each organisation holding a seat
    (by slug; one not registered on ``day`` is left out), read with the seats in one
    statement: a seat's organisation has one row in force on a day, as known."""
    on = day.isoformat()
    rows = db.query(
        _SEATS_WITH_ORGANISATIONS, [on, on, known_at, known_at, body, on, on, known_at, known_at]
    )
    seats, organisations = [], {}
    for row in rows:
        values = _values(row)
        seats.append(_seat_of(values[:-2]))
        if values[-2] is not None:
            organisations[values[1]] = (values[-2], values[-1])
    offices = db.query(
        f"SELECT {_OFFICE_COLUMNS} FROM {OFFICES} WHERE body = ? AND {as_of_clause()} "
        "ORDER BY office",
        [body, on, on, known_at, known_at],
    )
    state = MembershipState(tuple(seats), tuple([_office_of(r) for r in offices]))
    return state, organisations


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
