"""Popolo posts and memberships: a body's seats and offices, and who held them when.

A seat on a body is a post (``body/kcsp-wg/seat/kent-police``); its organisation's
tenure of it is a membership whose ``member`` is the organisation, and each person who
represented it is a membership with ``person_id``, ``post_id`` and ``on_behalf_of_id``.
An office (chair, vice-chair) is a post too, and each holding of it a membership.
Substitutes, voting and quorum flags, roles and the authority of a seat are extensions
(``extra``).  End dates are inclusive, as Popolo's are."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from ledger.domain.events import LedgerEvent
from ledger.domain.history import Segment
from ledger.domain.membership import (
    MemberJoined,
    MemberLeft,
    Office,
    OfficeHolderElected,
    Person,
    RepresentativeAppointed,
    Seat,
    SubstituteNamed,
)
from ledger.interchange.export.popolo.common import (
    People,
    body_id,
    compact,
    last_day,
    office_post_id,
    organisation_id,
    overlaps,
    part,
    recorded,
    seat_post_id,
    text,
)
from ledger.interchange.export.popolo.registers import runs
from ledger.queries.timelines import MembershipTimeline, RecordedEvent


@dataclass
class BodySeats:
    """What one body's membership gives the export."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    memberships: list[dict[str, Any]] = field(default_factory=list)
    organisations: set[str] = field(default_factory=set)  # the member organisations named


def _tenures(segments: Sequence[Segment[Seat]]) -> Iterator[list[Segment[Seat]]]:
    """Each unbroken holding of a seat: its segments, from joining to leaving."""
    run: list[Segment[Seat]] = []
    for segment in segments:
        if run and (
            run[-1].state.member != segment.state.member
            or run[-1].valid_to != segment.valid_from
            or run[-1].state.joined != segment.state.joined
        ):
            yield run
            run = []
        run.append(segment)
    if run:
        yield run


def _events(
    events: Sequence[RecordedEvent], kind: type[LedgerEvent], **wanted: Any
) -> list[RecordedEvent]:
    return [
        r
        for r in events
        if isinstance(r.event, kind) and all(getattr(r.event, k) == v for k, v in wanted.items())
    ]


def _within(events: list[RecordedEvent], start: date, end: date | None) -> list[RecordedEvent]:
    """The events effective from ``start`` up to ``end`` (the first day after; None: on)."""
    return [
        r
        for r in events
        if r.event.effective >= start and (end is None or r.event.effective <= end)
    ]


def body_seats(
    timeline: MembershipTimeline,
    body_name: str,
    organisation_names: dict[str, str],
    events: Sequence[RecordedEvent],
    first: date | None,
    last: date | None,
    people: People,
) -> BodySeats:
    """The posts and memberships of one body that fall within [first, last] (a holding
    that overlaps the range is given whole, with its true dates)."""
    reader = _Reader(timeline.body, body_name, organisation_names, events, first, last, people)
    for tenure in _tenures(timeline.seats):
        reader.seat(tenure)
    reader.offices(timeline.offices)
    reader.found.posts = reader.posts.items()
    return reader.found


def _seat_post(body: str, seat: Seat, organisation_names: dict[str, str]) -> dict[str, Any]:
    named = organisation_names.get(seat.organisation or "")
    return {
        "id": seat_post_id(body, seat.member),
        "label": f"{named} ({seat.member})" if named else seat.member,
        "role": seat.category,
        "organization_id": body_id(body),
    }


class Posts:
    """The posts the exported memberships hold, each dated from its first holding to
    its last (no end date while one holding is open)."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[dict[str, Any], date | None, date | None]] = {}

    def hold(self, post: dict[str, Any], start: date | None, end: date | None) -> None:
        if post["id"] in self._held:
            _, begun, until = self._held[post["id"]]
            start = min(start, begun) if start and begun else None
            end = None if end is None or until is None else max(end, until)
        self._held[post["id"]] = (post, start, end)

    def items(self) -> list[dict[str, Any]]:
        return [
            compact({**post, "start_date": text(start), "end_date": text(end)})
            for post, start, end in self._held.values()
        ]


def _person_at(
    tenure: list[Segment[Seat]], day: date, which: Literal["representative", "substitute"]
) -> Person:
    """Who sat in the seat (or was its substitute) from ``day``, a day a run began."""
    seat = next(s for s in tenure if s.valid_from == day).state
    person = seat.representative if which == "representative" else seat.substitute
    assert person is not None
    return person


@dataclass
class _Reader:
    """One body's seats and offices read into posts and memberships."""

    body: str
    body_name: str
    names: dict[str, str]  # organisation slug -> its name now
    events: Sequence[RecordedEvent]  # the membership's events, with their positions
    first: date | None
    last: date | None
    people: People
    found: BodySeats = field(default_factory=BodySeats)
    posts: Posts = field(default_factory=Posts)

    def __post_init__(self) -> None:
        # The events by the seat or office they are about, so each holding finds its own
        # without reading all of the body's.
        self._about: dict[str, list[RecordedEvent]] = {}
        for r in self.events:
            key = getattr(r.event, "member", None) or getattr(r.event, "office", None)
            if key is not None:
                self._about.setdefault(key, []).append(r)

    def _of(self, key: str, kind: type[LedgerEvent], **wanted: Any) -> list[RecordedEvent]:
        return _events(self._about.get(key, []), kind, **wanted)

    def seat(self, tenure: list[Segment[Seat]]) -> None:
        """A seat's tenure, its representatives and its substitutes."""
        seat = tenure[0].state
        start, stop = tenure[0].valid_from, tenure[-1].valid_to
        end = last_day(stop)
        if not overlaps(start, end, self.first, self.last):
            return
        post = _seat_post(self.body, seat, self.names)
        self.posts.hold(post, start, end)
        member = seat.member
        substitutes = self._substitutes(tenure)
        extra = compact(
            {
                "voting": seat.voting,
                "counts_for_quorum": seat.counts_for_quorum,
                "roles": list(seat.roles),
                "decision_id": seat.decision,
                "substitutes": substitutes,
                "recorded": recorded(
                    _within(self._of(member, MemberJoined), start, stop)
                    + _within(self._of(member, MemberLeft), start, stop)
                ),
            }
        )
        if seat.organisation is not None:
            self.found.organisations.add(seat.organisation)
            self.found.memberships.append(
                compact(
                    {
                        "id": f"membership/{self.body}/seat/{member}/{start}",
                        "member": {
                            "@type": "Organization",
                            "id": organisation_id(seat.organisation),
                        },
                        "organization_id": body_id(self.body),
                        "post_id": post["id"],
                        "role": seat.category,
                        "start_date": text(start),
                        "end_date": text(end),
                        "extra": extra,
                    }
                )
            )
        for person, begun, until in runs(
            tenure, lambda s: s.representative.person if s.representative else None
        ):
            if person is None or not overlaps(begun, last_day(until), self.first, self.last):
                continue
            who = _person_at(tenure, begun, "representative")
            appointed = self._of(member, RepresentativeAppointed, person=person)
            own = {"recorded": recorded(_within(appointed, begun, until))}
            self.found.memberships.append(
                compact(
                    {
                        "id": f"membership/{self.body}/seat/{member}"
                        f"/representative/{person}/{begun}",
                        "label": who.role,
                        "role": "representative" if seat.organisation else seat.category,
                        "person_id": self.people.note(person, who.name, begun),
                        "organization_id": body_id(self.body),
                        "post_id": post["id"],
                        "on_behalf_of_id": (
                            organisation_id(seat.organisation) if seat.organisation else None
                        ),
                        "start_date": text(begun),
                        "end_date": text(last_day(until)),
                        # A seat with no organisation is the person's own: its details are here.
                        "extra": own if seat.organisation else {**extra, **own},
                    }
                )
            )

    def _substitutes(self, tenure: list[Segment[Seat]]) -> list[dict[str, Any]]:
        """The seat's named substitutes over the tenure, each with the dates named."""
        found = []
        for person, begun, until in runs(
            tenure, lambda s: s.substitute.person if s.substitute else None
        ):
            if person is None:
                continue
            who = _person_at(tenure, begun, "substitute")
            named = _events(
                self.events, SubstituteNamed, member=tenure[0].state.member, person=person
            )
            found.append(
                compact(
                    {
                        "person_id": self.people.note(person, who.name, begun),
                        "name": who.name,
                        "label": who.role,
                        "start_date": text(begun),
                        "end_date": text(last_day(until)),
                        "recorded": recorded(_within(named, begun, until)),
                    }
                )
            )
        return found

    def offices(self, segments: Sequence[Segment[Office]]) -> None:
        """Each holding of an office: from the election to the end of the term, or to the
        day before someone else took the office."""
        held: list[tuple[Office, date | None]] = []
        for segment in segments:
            office = segment.state
            if held and held[-1][0] == office and held[-1][1] == segment.valid_from:
                held[-1] = (office, segment.valid_to)
            else:
                held.append((office, segment.valid_to))
        for office, stop in held:
            ends = [d for d in (office.term_end, last_day(stop)) if d is not None]
            end = min(ends) if ends else None
            if not overlaps(office.elected, end, self.first, self.last):
                continue
            title = office.office[:1].upper() + office.office[1:]
            post = {
                "id": office_post_id(self.body, office.office),
                "label": f"{title} of {self.body_name}",
                "role": office.office,
                "organization_id": body_id(self.body),
            }
            # The ledger records elections to an office, not when the office was created
            # or abolished: an office post carries no dates of its own.
            self.posts.hold(post, None, None)
            elected = self._of(office.office, OfficeHolderElected, person=office.holder.person)
            self.found.memberships.append(
                compact(
                    {
                        "id": f"membership/{self.body}/office/{part(office.office)}"
                        f"/{office.holder.person}/{office.elected}",
                        "role": office.office,
                        "person_id": self.people.note(
                            office.holder.person, office.holder.name, office.elected
                        ),
                        "organization_id": body_id(self.body),
                        "post_id": post["id"],
                        "start_date": text(office.elected),
                        "end_date": text(end),
                        "extra": compact(
                            {
                                "term_end": text(office.term_end),
                                "decision_id": office.decision,
                                "recorded": recorded(
                                    r for r in elected if r.event.effective == office.elected
                                ),
                            }
                        ),
                    }
                )
            )
