"""What every part of the Popolo export shares: the ids, the dates, the people met on
the way, the provenance of an item (``extra.recorded``) and the spool a list is
written to item by item."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import IO, Any
from urllib.parse import quote

from ledger.queries.timelines import RecordedEvent

# --- ids: one namespace per kind, so a body and an organisation may share a slug ----


def part(text: str) -> str:
    """A piece of an id: slugs pass as they are; free text (an office, an item number
    as printed) is percent-encoded, so no id holds a space or a slash of its own."""
    return quote(text, safe="-._~")


def body_id(slug: str) -> str:
    return f"body/{part(slug)}"


def organisation_id(slug: str) -> str:
    return f"organisation/{part(slug)}"


def person_id(slug: str) -> str:
    return f"person/{part(slug)}"


def seat_post_id(body: str, member: str) -> str:
    return f"{body_id(body)}/seat/{part(member)}"


def office_post_id(body: str, office: str) -> str:
    return f"{body_id(body)}/office/{part(office)}"


def meeting_event_id(meeting: str) -> str:
    return f"meeting/{part(meeting)}"


def item_event_id(meeting: str, item: str) -> str:
    return f"{meeting_event_id(meeting)}/item/{part(item)}"


def motion_id(motion: str) -> str:
    return f"motion/{part(motion)}"


def vote_event_id(motion: str) -> str:
    return f"vote-event/{part(motion)}"


# --- dates ------------------------------------------------------------------------


def last_day(valid_to: date | None) -> date | None:
    """The last day something held, from the first day it no longer did: Popolo's end
    dates are inclusive (a name ``end_date`` 1954-12-31 is followed by one whose
    ``start_date`` is 1955-01-01), the ledger's ``valid_to`` is not."""
    return valid_to - timedelta(days=1) if valid_to is not None else None


def text(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def overlaps(start: date, end: date | None, first: date | None, last: date | None) -> bool:
    """Whether [start, end] (end inclusive, None: still) meets the range [first, last]."""
    return (last is None or start <= last) and (end is None or first is None or end >= first)


def compact(item: dict[str, Any]) -> dict[str, Any]:
    """The item without the properties it has no value for (Popolo's are all optional),
    and without an empty ``extra``."""
    return {k: v for k, v in item.items() if v is not None and v != {} and v != []}


# --- provenance -------------------------------------------------------------------


def recorded(events: Iterable[RecordedEvent]) -> list[dict[str, Any]]:
    """The events an item was made from: their chain positions (the ``position`` of the
    jsonl trail's lines), ids, topics as stored, and the authority each was recorded on."""
    found = []
    for r in events:
        entry: dict[str, Any] = {
            "position": r.position,
            "event_id": str(r.event.event_id),
            "topic": r.topic,
        }
        if r.event.authority is not None:
            entry["authority"] = r.event.authority.model_dump(mode="json", exclude_none=True)
        if r.event.corrects is not None:
            entry["corrects"] = str(r.event.corrects)
        found.append(entry)
    return found


# --- people -----------------------------------------------------------------------


@dataclass
class People:
    """Everyone an exported item names, with every name the record gives them and the
    last date each was given on (the latest is their name; the others, other names)."""

    names: dict[str, dict[str, date]] = field(default_factory=dict)

    def note(self, slug: str, name: str | None = None, day: date | None = None) -> str:
        """Remember ``slug`` (named ``name`` on ``day``, if the record names them there);
        returns their Popolo id."""
        seen = self.names.setdefault(slug, {})
        if name is not None:
            when = day or date.min
            if name not in seen or seen[name] < when:
                seen[name] = when
        return person_id(slug)

    def note_all(self, slugs: Sequence[str]) -> list[str]:
        return [self.note(s) for s in slugs]

    def items(self) -> Iterator[dict[str, Any]]:
        for slug in sorted(self.names):
            seen = self.names[slug]
            # The latest name; on a tie, the one first given.
            ordered = sorted(seen, key=lambda n: seen[n], reverse=True)
            yield compact(
                {
                    "id": person_id(slug),
                    "name": ordered[0] if ordered else None,
                    "other_names": [{"name": n} for n in sorted(ordered[1:])],
                }
            )


# --- writing ----------------------------------------------------------------------


class Spool:
    """One list of the export, written item by item to a temporary file as the bodies
    are read, then copied into place: the export holds one body's records at a time."""

    def __init__(self) -> None:
        self.file: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self.count = 0

    def add(self, item: dict[str, Any]) -> None:
        self.file.write(("," if self.count else "") + "\n  " + dumps(item))
        self.count += 1

    def add_all(self, items: Iterable[dict[str, Any]]) -> None:
        for item in items:
            self.add(item)

    def copy_to(self, handle: IO[str]) -> None:
        self.file.seek(0)
        shutil.copyfileobj(self.file, handle)
        handle.write("\n]" if self.count else "]")

    def close(self) -> None:
        self.file.close()


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
