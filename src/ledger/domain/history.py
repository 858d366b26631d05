"""An aggregate's history, and the bitemporal reading of it.

Every aggregate in the ledger is its list of events.  What held on a date, as known
at a moment, is computed from that list: keep the events recorded by the moment,
drop every event that a later, still-standing event corrects (or retracts), then
apply the rest in order of effective date (ties broken by the order they were recorded,
a correction taking the place of the event it corrects).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar, cast
from uuid import UUID

from ledger.domain.events import EventRetracted, LedgerEvent
from ledger.domain.segments import Segment as Segment  # apart, for the read path (ADR 0023)

S = TypeVar("S")
T = TypeVar("T")
Step = Callable[[S | None, LedgerEvent], S]


@dataclass
class History:
    """The events of one aggregate, in version order.

    Events are only ever appended.  What ``in_force`` makes of them, and what a fold
    step makes of that, are kept (``current``, ``fold``) and carried forward as events
    are appended in effective order (the common case: a new event that corrects
    nothing and takes effect no earlier than the last one in force); any other
    append, a correction or a back-dated event, has them worked out again in full."""

    id: UUID
    events: list[LedgerEvent] = field(default_factory=list)
    _forced: list[LedgerEvent] | None = field(default=None, repr=False, compare=False)
    _forced_upto: int = field(default=0, repr=False, compare=False)
    _generation: int = field(default=0, repr=False, compare=False)
    _folds: dict[Any, tuple[int, int, Any]] = field(default_factory=dict, repr=False, compare=False)
    # For a fork: the history it was taken from, its length then, and the fork's
    # generation then (while both are unchanged since, they share their folds' prefix).
    _origin: tuple[History, int, int] | None = field(default=None, repr=False, compare=False)

    @property
    def version(self) -> int:
        return self.events[-1].originator_version if self.events else 0

    @property
    def exists(self) -> bool:
        return bool(self.events)

    def find(self, event_id: UUID) -> LedgerEvent | None:
        for event in self.events:
            if event.event_id == event_id:
                return event
        return None

    def fork(self) -> History:
        """A copy to append to (a write's), sharing what has been worked out so far:
        a fold the copy works out over the events it shares is kept by this one too."""
        copy = History(self.id, list(self.events))
        copy._forced = list(self._current())
        copy._forced_upto = self._forced_upto
        copy._origin = (self, len(self.events), copy._generation)
        return copy

    def settle(self) -> None:
        """Stand alone: a fork whose events are now all stored no longer refers to the
        history it was taken from."""
        self._origin = None

    def _current(self) -> list[LedgerEvent]:
        n = len(self.events)
        forced = self._forced
        if forced is not None and self._forced_upto < n:
            for event in self.events[self._forced_upto :]:
                if not follows(forced, event):
                    forced = None
                    break
                forced.append(event)
        if forced is None:
            forced = in_force(self.events)
            self._generation += 1
        self._forced, self._forced_upto = forced, n
        return forced

    def current(self) -> list[LedgerEvent]:
        """``in_force(self.events)``: what holds as known now, in effective order."""
        return list(self._current())

    def fold(self, step: Step[S]) -> S | None:
        """The state ``step`` folds the events in force into (None if there are none)."""
        forced = self._current()
        generation, count, held = self._folds.get(step, (-1, 0, None))
        state = cast(S | None, held) if generation == self._generation else None
        if generation != self._generation:
            count = 0
            origin = self._origin
            if origin and len(origin[0].events) == origin[1] and origin[2] == self._generation:
                state, count = origin[0].fold(step), len(origin[0]._current())
        for event in forced[count:]:
            state = step(state, event)
        self._folds[step] = (self._generation, len(forced), state)
        return state

    def with_event(self, event: LedgerEvent) -> list[LedgerEvent]:
        """``in_force([*self.events, event])``, worked out from what is kept."""
        forced = self._current()
        return [*forced, event] if follows(forced, event) else in_force([*self.events, event])

    def fold_with(self, step: Step[S], event: LedgerEvent) -> S | None:
        """What ``step`` folds ``with_event(event)`` into; raises what ``step`` raises."""
        if follows(self._current(), event):
            return step(self.fold(step), event)
        state: S | None = None
        for e in in_force([*self.events, event]):
            state = step(state, e)
        return state


def follows(forced: Sequence[LedgerEvent], event: LedgerEvent) -> bool:
    """True if appending ``event`` to events whose in-force list is ``forced`` just adds
    it at the end: it corrects and retracts nothing, and takes effect no earlier."""
    if event.corrects is not None or isinstance(event, EventRetracted):
        return False
    return not forced or forced[-1].effective <= event.effective


def project_history(history: History | None, events: Iterable[LedgerEvent]) -> History | None:
    """Projector function for the eventsourcing repository: collect the events."""
    collected = list(events)
    if history is None:
        if not collected:
            return None
        history = History(id=collected[0].originator_id)
    history.events.extend(collected)
    return history


def in_force(events: Sequence[LedgerEvent], known_at: datetime | None = None) -> list[LedgerEvent]:
    """The events that hold, as known at ``known_at`` (all if None), in effective order."""
    known = [e for e in events if known_at is None or e.timestamp <= known_at]
    # Newest first.  A retracted correction no longer displaces the event it pointed
    # at, so retracting a correction restores the original; a corrected correction
    # is replaced by the newer one, which takes its place over the original too.
    by_id = {e.event_id: e for e in known}
    dropped: set[UUID] = set()
    for event in sorted(known, key=lambda e: e.originator_version, reverse=True):
        if event.event_id in dropped or event.corrects is None:
            continue
        dropped.add(event.corrects)
        if isinstance(event, EventRetracted):
            continue
        replaced = by_id.get(event.corrects)
        while replaced is not None and replaced.corrects is not None:
            dropped.add(replaced.corrects)
            replaced = by_id.get(replaced.corrects)
    kept = [e for e in known if e.event_id not in dropped and not isinstance(e, EventRetracted)]
    return sorted(kept, key=lambda e: (e.effective, place(e, by_id), e.originator_version))


def place(event: LedgerEvent, by_id: dict[UUID, LedgerEvent]) -> int:
    """Where an event stands among those of its effective date: a correction stands in
    the place of the event it replaces (a seat's corrected joining still comes before
    the representative appointed with it), everything else in recorded order."""
    version = event.originator_version
    seen: set[UUID] = set()
    while event.corrects is not None and event.corrects in by_id and event.event_id not in seen:
        seen.add(event.event_id)
        event = by_id[event.corrects]
        version = event.originator_version
    return version


Checker = Callable[[Sequence[LedgerEvent]], None]
_CHECKERS: dict[str, Checker] = {}


def register_checker(topic_prefix: str, checker: Checker) -> None:
    """Register the coherence check for aggregates whose first event topic has this prefix."""
    _CHECKERS[topic_prefix] = checker


def check_aggregate(events: Sequence[LedgerEvent]) -> None:
    """Check an aggregate's in-force events with the checker its kind registered."""
    if not events:
        return
    first = min(events, key=lambda e: e.originator_version).TOPIC
    for prefix, checker in _CHECKERS.items():
        if first.startswith(prefix):
            checker(events)
            return


def changes_by_date(events: Sequence[LedgerEvent], step: Step[S]) -> list[tuple[date, S]]:
    """Fold in-force events; the state from each effective date on (last change of a day wins)."""
    changes: list[tuple[date, S]] = []
    state: S | None = None
    for event in events:
        state = step(state, event)
        if changes and changes[-1][0] == event.effective:
            changes[-1] = (event.effective, state)
        else:
            changes.append((event.effective, state))
    return changes


def state_at(events: Sequence[LedgerEvent], day: date, step: Step[S]) -> S | None:
    """Fold in-force events effective on or before ``day`` (None before the first)."""
    state: S | None = None
    for event in events:
        if event.effective > day:
            break
        state = step(state, event)
    return state


def segments(events: Sequence[LedgerEvent], step: Step[S]) -> list[Segment[S]]:
    """The states over effective time, each with the dates it held between."""
    changes = changes_by_date(events, step)
    return [
        Segment(start, changes[i + 1][0] if i + 1 < len(changes) else None, held)
        for i, (start, held) in enumerate(changes)
    ]


def side_by_side(
    first: Sequence[tuple[date, S]], second: Sequence[tuple[date, T]]
) -> list[tuple[date, S | None, T | None]]:
    """Two aggregates' changes on one effective axis: at every date either changed,
    the state of each from then (None before its first change)."""
    days = sorted({d for d, _ in first} | {d for d, _ in second})
    joined: list[tuple[date, S | None, T | None]] = []
    a: S | None = None
    b: T | None = None
    i = j = 0
    for day in days:
        while i < len(first) and first[i][0] <= day:
            a = first[i][1]
            i += 1
        while j < len(second) and second[j][0] <= day:
            b = second[j][1]
            j += 1
        joined.append((day, a, b))
    return joined
