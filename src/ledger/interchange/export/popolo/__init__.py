"""Popolo JSON: the record's people, organisations, memberships, meetings, motions and
votes as one JSON object, in the Popolo Project's vocabulary (popoloproject.com/specs).

The object holds ``persons``, ``organizations``, ``posts``, ``memberships``, ``events``,
``motions`` and ``vote_events`` (each with its ``counts`` and ``votes``), every item
valid against Popolo's JSON Schema for its class.  What Popolo has no term for (the
seconder, substitutes, the casting vote, validity, the chain positions an item was
recorded at) goes in an ``extra`` object on the item, as Popolo's "flag non-specification
properties" pattern suggests.  docs/export-popolo.md gives every field; ADR 0019 the
reasons.

The bodies are read one at a time, each list spooled to a temporary file as it goes, so
the export holds one body's records (and the people and organisations met) at a time.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Protocol
from uuid import UUID

from ledger.domain.body import BodyState
from ledger.domain.body import body_id as body_aggregate
from ledger.domain.decision import motion_id as motion_aggregate
from ledger.domain.errors import ValidationError
from ledger.domain.history import Segment
from ledger.domain.meeting import Attendance, MeetingState
from ledger.domain.meeting import meeting_id as meeting_aggregate
from ledger.domain.membership import membership_id as membership_aggregate
from ledger.domain.organisation import OrganisationState
from ledger.domain.organisation import organisation_id as organisation_aggregate
from ledger.interchange.export import Selection, StageProgress, Written
from ledger.interchange.export.popolo.common import People, Spool, dumps
from ledger.interchange.export.popolo.decisions import (
    Seating,
    has_vote_event,
    motion_item,
    vote_event_item,
)
from ledger.interchange.export.popolo.meetings import meeting_items
from ledger.interchange.export.popolo.registers import body_item, by_slug, organisation_item
from ledger.interchange.export.popolo.seats import body_seats
from ledger.queries.decisions import DecisionReport
from ledger.queries.timelines import MembershipTimeline, RecordedEvent

LISTS = ("persons", "organizations", "posts", "memberships", "events", "motions", "vote_events")
SPOOLED = LISTS[2:]  # written body by body; persons and organizations are known at the end


class Source(Protocol):
    """The reads of the ledger's API this export uses (``Ledger`` has them all)."""

    def head(self) -> tuple[int, str]: ...

    def body_slugs(self) -> list[str]: ...

    def organisation_slugs(self) -> list[str]: ...

    def bodies_over_time(
        self, *, known_at: datetime | None = None, slugs: Sequence[str] | None = None
    ) -> list[Segment[BodyState]]: ...

    def organisations_over_time(
        self, *, known_at: datetime | None = None, slugs: Sequence[str] | None = None
    ) -> list[Segment[OrganisationState]]: ...

    def membership_over_time(
        self, body: str, *, known_at: datetime | None = None
    ) -> MembershipTimeline: ...

    def meeting_records(
        self,
        body: str,
        *,
        first: date | None = None,
        last: date | None = None,
        known_at: datetime | None = None,
    ) -> list[MeetingState]: ...

    def decisions(
        self,
        body: str | None = None,
        first: date | None = None,
        last: date | None = None,
        *,
        known_at: datetime | None = None,
        invalid_only: bool = False,
    ) -> list[DecisionReport]: ...

    def recorded_events(
        self, aggregate_id: UUID, *, known_at: datetime | None = None
    ) -> list[RecordedEvent]: ...


def write(source: Source, out: Path, selection: Selection, progress: StageProgress) -> Written:
    """Write the Popolo object for everything, or one body, or a range of dates, to
    ``out`` (replaced only when the whole object has been written)."""
    # Said before the record is read, not after.
    if out.is_dir():
        raise ValidationError(f"cannot write {out}: it is a folder; give a file name")
    if not out.parent.is_dir():
        raise ValidationError(f"cannot write {out}: there is no folder {out.parent}")
    size, head = source.head()
    # The registers are read a chunk of ids at a time, never whole: a county's ledger
    # may hold many thousands of bodies and organisations.
    names: dict[str, str] = {}  # every organisation's name now, by id
    for segments in _chunked_segments(source.organisations_over_time, source.organisation_slugs()):
        names[segments[-1].state.slug] = segments[-1].state.name
    chosen = [selection.body] if selection.body is not None else source.body_slugs()
    export = _Export(source, selection, names)
    try:
        advance = progress("popolo: bodies", len(chosen)) if progress is not None else None
        kept: list[str] = []
        for segments in _chunked_segments(source.bodies_over_time, chosen):
            export.body(segments[0].state.slug, segments[-1].state.name)
            kept.append(segments[0].state.slug)
            if advance is not None:
                advance(1)
        # A whole export holds the whole register; one body's, what its record names.
        wanted = sorted(names if selection.body is None else export.named & set(names))

        def registers() -> Iterator[dict[str, Any]]:
            for segments in _chunked_segments(source.bodies_over_time, kept):
                events = source.recorded_events(body_aggregate(segments[0].state.slug))
                yield body_item(segments, events)
            for segments in _chunked_segments(source.organisations_over_time, wanted):
                events = source.recorded_events(organisation_aggregate(segments[0].state.slug))
                yield organisation_item(segments, events)

        counts = {"persons": len(export.people.names), "organizations": len(kept) + len(wanted)}
        counts.update({key: spool.count for key, spool in export.spools.items()})
        with _replacing(out) as handle:
            handle.write("{\n")
            handle.write(f'"extra": {dumps(_about(size, head, selection))},\n')
            _list(handle, "persons", export.people.items())
            handle.write(",\n")
            _list(handle, "organizations", registers())
            for key in SPOOLED:
                handle.write(f',\n"{key}": [')
                export.spools[key].copy_to(handle)
            handle.write("\n}\n")
    finally:
        for spool in export.spools.values():
            spool.close()
    return Written("popolo", [str(out)], counts)


CHUNK = 500  # ids read from a register at a time


def _chunked_segments(
    read: Callable[..., Sequence[Segment[Any]]], slugs: Sequence[str]
) -> Iterator[list[Segment[Any]]]:
    """Each id's segments (those recorded, by date), in the order of ``slugs``, read
    ``CHUNK`` ids at a time: an id with none (every record of it retracted) is passed over."""
    for start in range(0, len(slugs), CHUNK):
        chunk = slugs[start : start + CHUNK]
        grouped = by_slug(read(slugs=chunk), lambda state: state.slug)
        for slug in chunk:
            if grouped.get(slug):
                yield grouped[slug]


@dataclass
class _Export:
    """The export under way: the people and organisations its records have named so
    far, and the spooled lists."""

    source: Source
    selection: Selection
    organisation_names: dict[str, str]  # slug -> its name now
    people: People = field(default_factory=People)
    named: set[str] = field(default_factory=set)  # organisations the records name
    spools: dict[str, Spool] = field(default_factory=lambda: {k: Spool() for k in SPOOLED})

    def body(self, slug: str, body_name: str) -> None:
        """Spool one body's posts, memberships, meetings, motions and vote events."""
        source, people, spools = self.source, self.people, self.spools
        first, last = self.selection.first, self.selection.last
        timeline = source.membership_over_time(slug)
        events = source.recorded_events(membership_aggregate(slug))
        seats = body_seats(
            timeline, body_name, self.organisation_names, events, first, last, people
        )
        self.named |= seats.organisations
        spools["posts"].add_all(seats.posts)
        spools["memberships"].add_all(seats.memberships)
        attendance: dict[str, dict[str, Attendance]] = {}
        for meeting in source.meeting_records(slug, first=first, last=last):
            events = source.recorded_events(meeting_aggregate(meeting.meeting))
            spools["events"].add_all(meeting_items(meeting, body_name, events, people))
            attendance[meeting.meeting] = {a.person: a for a in meeting.attendance}
        seating = Seating(timeline)
        for report in source.decisions(slug, first, last):
            events = source.recorded_events(motion_aggregate(report.motion))
            spools["motions"].add(motion_item(report, events, people))
            if has_vote_event(report):
                at = attendance.get(report.meeting, {})
                spools["vote_events"].add(vote_event_item(report, events, at, seating, people))
        self.named |= seating.organisations


def _about(size: int, head: str, selection: Selection) -> dict[str, Any]:
    """What the object is: the log it was read from, and what was selected."""
    chosen = {
        "body": selection.body,
        "from": selection.first.isoformat() if selection.first else None,
        "to": selection.last.isoformat() if selection.last else None,
    }
    return {
        "format": "popolo",
        "schemas": "http://www.popoloproject.com/schemas/ (JSON Schema draft 3, one per class)",
        "log": {"size": size, "head": head},
        "selection": {k: v for k, v in chosen.items() if v is not None},
    }


def _list(handle: IO[str], key: str, items: Iterable[dict[str, Any]]) -> None:
    handle.write(f'"{key}": [')
    count = 0
    for item in items:
        handle.write(("," if count else "") + "\n  " + dumps(item))
        count += 1
    handle.write("\n]" if count else "]")


@contextlib.contextmanager
def _replacing(out: Path) -> Iterator[IO[str]]:
    """A file that becomes ``out`` once written in full; a failure leaves ``out`` as it
    was and no partial file behind."""
    partial = out.with_name(out.name + ".partial")
    try:
        handle = partial.open("w", encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        with handle:
            yield handle
        try:
            os.replace(partial, out)
        except OSError as exc:
            raise ValidationError(f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
