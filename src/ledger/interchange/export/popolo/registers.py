"""Popolo organizations: the bodies (partnerships, groups, boards) and the member
organisations (a police force, a council), each with its names over time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

from ledger.domain.body import BodyState
from ledger.domain.history import Segment
from ledger.domain.organisation import OrganisationState
from ledger.interchange.export.popolo.common import (
    body_id,
    compact,
    last_day,
    organisation_id,
    recorded,
    text,
)
from ledger.queries.timelines import RecordedEvent

S = TypeVar("S")


def by_slug(
    segments: Sequence[Segment[S]], slug: Callable[[S], str]
) -> dict[str, list[Segment[S]]]:
    """Segments (already by slug, then date) grouped by the slug of their state."""
    grouped: dict[str, list[Segment[S]]] = {}
    for segment in segments:
        grouped.setdefault(slug(segment.state), []).append(segment)
    return grouped


def runs(
    segments: Sequence[Segment[S]], value: Callable[[S], str | None]
) -> list[tuple[str | None, date, date | None]]:
    """The stretches over which ``value`` stayed the same: (value, first day, the first
    day it no longer held, None if it still does)."""
    found: list[tuple[str | None, date, date | None]] = []
    for segment in segments:
        held = value(segment.state)
        if found and found[-1][0] == held and found[-1][2] == segment.valid_from:
            found[-1] = (held, found[-1][1], segment.valid_to)
        else:
            found.append((held, segment.valid_from, segment.valid_to))
    return found


def _former_names(segments: Sequence[Segment[S]], name: Callable[[S], str]) -> list[dict[str, Any]]:
    """Every name but the last, with the dates it was held (Popolo's ``other_names``)."""
    return [
        compact({"name": n, "start_date": text(start), "end_date": text(last_day(end))})
        for n, start, end in runs(segments, name)[:-1]
    ]


def body_item(
    segments: Sequence[Segment[BodyState]], events: list[RecordedEvent]
) -> dict[str, Any]:
    """A body as a Popolo organization: its latest name, its former names with their
    dates, its kind, its parent, when it was established and dissolved."""
    state = segments[-1].state
    return compact(
        {
            "id": body_id(state.slug),
            "name": state.name,
            "other_names": _former_names(segments, lambda b: b.name),
            "classification": state.kind,
            "parent_id": body_id(state.parent) if state.parent else None,
            "founding_date": text(state.established),
            "dissolution_date": text(state.dissolved),
            "extra": {"recorded": recorded(events)},
        }
    )


def organisation_item(
    segments: Sequence[Segment[OrganisationState]], events: list[RecordedEvent]
) -> dict[str, Any]:
    """A member organisation as a Popolo organization: its latest name, its former
    names and its short names with their dates, its sector, when it was registered and
    closed, and (an extension) the organisation that succeeded it."""
    state = segments[-1].state
    short_names = [
        compact(
            {
                "name": short,
                "note": "short name",
                "start_date": text(start),
                "end_date": text(last_day(end)),
            }
        )
        for short, start, end in runs(segments, lambda o: o.short_name)
        if short is not None
    ]
    return compact(
        {
            "id": organisation_id(state.slug),
            "name": state.name,
            "other_names": _former_names(segments, lambda o: o.name) + short_names,
            "identifiers": [
                {"identifier": code, "scheme": "org-id"}
                for code in dict.fromkeys(s.state.identifier for s in segments)
                if code is not None
            ],
            "classification": state.sector,
            "founding_date": text(state.registered),
            "dissolution_date": text(state.closed),
            "extra": compact(
                {
                    "successor_id": organisation_id(state.successor) if state.successor else None,
                    "recorded": recorded(events),
                }
            ),
        }
    )
