"""An aggregate's history, and the bitemporal reading of it.

Every aggregate in the ledger is its list of events.  What held on a date, as known
at a moment, is computed from that list: keep the events recorded by the moment,
drop every event that a later, still-standing event corrects (or retracts), then
apply the rest in order of effective date (ties broken by the order they were recorded,
a correction taking the place of the event it corrects).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar, cast
from uuid import UUID

from ledger.domain.events import EventRetracted, LedgerEvent
from ledger.domain.segments import Segment as Segment  # apart, for the read path (ADR 0023)

S = TypeVar("S")
T = TypeVar("T")
Step = Callable[[S | None, LedgerEvent], S]


Loader = Callable[[UUID, int], list[LedgerEvent]]


class History:
    """The events of one aggregate, in version order.

    Events are only ever appended.  What ``in_force`` makes of them, and what a fold
    step makes of that, are kept (``current``, ``fold``) and carried forward as events
    are appended in effective order (the common case: a new event that corrects
    nothing and takes effect no earlier than the last one in force); any other
    append, a correction or a back-dated event, has them worked out again in full.

    A history with a ``loader`` may be compacted (``compact``): it lets go of its
    events and keeps only its version, its folds and the effective date of the last
    event in force, so a write that appends in effective order and asks only for
    ``version``, ``exists``, ``fold`` and ``fold_with`` never needs the events again.
    Anything else (``events``, ``current``, a correction, a back-dated event) has the
    loader read them back first: the answers are always those of the whole history."""

    def __init__(
        self, id: UUID, events: list[LedgerEvent] | None = None, *, loader: Loader | None = None
    ):
        self.id = id
        self._events: list[LedgerEvent] = [] if events is None else events
        self._loader = loader
        # Versions 1.._base are stored but not held (a compacted history).
        self._base = 0
        # What is in force: ``_forced_base`` events not held (the last of them taking
        # effect on ``_last_effective``), then ``_forced``; worked out for the events
        # held up to index ``_forced_upto``.
        self._forced: list[LedgerEvent] | None = None
        self._forced_base = 0
        self._last_effective: date | None = None
        self._forced_upto = 0
        self._generation = 0
        self._folds: dict[Any, tuple[int, int, Any]] = {}
        # For a fork: the history it was taken from, its version then, and the fork's
        # generation then (while both are unchanged since, they share their folds' prefix).
        self._origin: tuple[History, int, int] | None = None

    def __repr__(self) -> str:
        return f"History({self.id}, version={self.version}, held={len(self._events)})"

    @property
    def events(self) -> list[LedgerEvent]:
        """Every event, in version order (read back first if the history is compacted)."""
        if self._base:
            self._materialise()
        return self._events

    @property
    def held(self) -> int:
        """How many decoded events this history holds."""
        return len(self._events)

    @property
    def compacted(self) -> bool:
        return self._base > 0

    @property
    def version(self) -> int:
        return self._events[-1].originator_version if self._events else self._base

    @property
    def exists(self) -> bool:
        return bool(self._events) or self._base > 0

    def append(self, event: LedgerEvent) -> None:
        self._events.append(event)

    def extend(self, events: Iterable[LedgerEvent]) -> None:
        self._events.extend(events)

    def after(self, version: int) -> list[LedgerEvent] | None:
        """The events after ``version``, if held (None: they would have to be read)."""
        if version < self._base:
            return None
        return self._events[version - self._base :]

    def find(self, event_id: UUID) -> LedgerEvent | None:
        for event in self.events:
            if event.event_id == event_id:
                return event
        return None

    def fork(self) -> History:
        """A copy to append to (a write's), sharing what has been worked out so far:
        a fold the copy works out over the events it shares is kept by this one too."""
        self._advance()
        copy = History(self.id, list(self._events), loader=self._loader)
        copy._base = self._base
        copy._forced = list(self._forced or [])
        copy._forced_base = self._forced_base
        copy._last_effective = self._last_effective
        copy._forced_upto = self._forced_upto
        copy._origin = (self, self.version, copy._generation)
        return copy

    def settle(self) -> None:
        """Stand alone: a fork whose events are now all stored no longer refers to the
        history it was taken from."""
        self._origin = None

    def compact(self) -> bool:
        """Let go of the events, keeping the version and every fold (brought up to
        date first); False if it cannot (no loader to read them back, or a fork)."""
        if self._loader is None or self._origin is not None or not self._events:
            return False
        for step in list(self._folds):
            self.fold(step)
        self._advance()
        forced = self._forced or []
        if forced:
            self._last_effective = forced[-1].effective
        self._forced_base += len(forced)
        self._forced = []
        self._base = self.version
        self._events = []
        self._forced_upto = 0
        return True

    def _materialise(self) -> None:
        assert self._loader is not None
        loaded = self._loader(self.id, self._base)
        if len(loaded) != self._base:
            raise LookupError(f"{len(loaded)} of the {self._base} events of {self.id} were read")
        self._events[:0] = loaded
        self._base = 0
        self._forced, self._forced_base, self._last_effective = None, 0, None
        self._forced_upto = 0

    def _follows(self, event: LedgerEvent) -> bool:
        if event.corrects is not None or isinstance(event, EventRetracted):
            return False
        last = self._forced[-1].effective if self._forced else self._last_effective
        return last is None or last <= event.effective

    def _advance(self) -> None:
        """Bring what is kept in force up to every event held."""
        if self._forced is not None and self._forced_upto < len(self._events):
            for event in self._events[self._forced_upto :]:
                if not self._follows(event):
                    if self._base:
                        self._materialise()
                    self._forced = None
                    break
                self._forced.append(event)
        if self._forced is None:
            if self._base:
                self._materialise()
            self._forced = in_force(self._events)
            self._generation += 1
        self._forced_upto = len(self._events)

    def _current(self) -> list[LedgerEvent]:
        if self._base:
            self._materialise()
        self._advance()
        assert self._forced is not None
        return self._forced

    def _forced_count(self) -> int:
        self._advance()
        return self._forced_base + len(self._forced or [])

    def current(self) -> list[LedgerEvent]:
        """``in_force(self.events)``: what holds as known now, in effective order."""
        return list(self._current())

    def fold(self, step: Step[S]) -> S | None:
        """The state ``step`` folds the events in force into (None if there are none)."""
        self._advance()
        generation, count, held = self._folds.get(step, (-1, 0, None))
        state = cast(S | None, held) if generation == self._generation else None
        if generation != self._generation:
            count = 0
            origin = self._origin
            if origin and origin[0].version == origin[1] and origin[2] == self._generation:
                state, count = origin[0].fold(step), origin[0]._forced_count()
        if count < self._forced_base:  # a fold this compacted history did not keep
            self._materialise()
            return self.fold(step)
        forced = self._forced or []
        for event in forced[count - self._forced_base :]:
            state = step(state, event)
        self._folds[step] = (self._generation, self._forced_base + len(forced), state)
        return state

    def with_event(self, event: LedgerEvent) -> list[LedgerEvent]:
        """``in_force([*self.events, event])``, worked out from what is kept."""
        forced = self._current()
        return [*forced, event] if follows(forced, event) else in_force([*self.events, event])

    def fold_with(self, step: Step[S], event: LedgerEvent) -> S | None:
        """What ``step`` folds ``with_event(event)`` into; raises what ``step`` raises."""
        self._advance()
        if self._follows(event):
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
    history.extend(collected)
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
