"""The record as a replay has read it so far, folded in memory with the domain's own
pure functions, and the answers it gives "as known" at one step of the replay.

Each aggregate keeps its events in chain order.  An answer is asked of a ``View``: the
record with every aggregate as read so far, except (for "before") the aggregate of the
event being replayed, taken without that event.  What is folded from an aggregate's
first ``n`` events (the events in force, a timeline, a meeting's state) is kept for the
last two ``n`` asked, so the "after" of one step is the "before" of the next step that
touches the same aggregate; quorum and validity results are kept (a bounded number)
with the versions of everything they were made from, so they are worked out again only
when one of those changed.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from typing import Any, TypeVar
from uuid import UUID

from ledger.domain import membership as membership_domain
from ledger.domain import tor as tor_domain
from ledger.domain.decision import MotionProposed, MotionState, motion_id, motion_state
from ledger.domain.events import LedgerEvent
from ledger.domain.fund import Books, FundPosition, fund_id
from ledger.domain.history import in_force
from ledger.domain.meeting import MeetingScheduled, MeetingState, meeting_id, meeting_state
from ledger.domain.membership import MemberJoined, MembershipState, membership_id
from ledger.domain.organisation import OrganisationState, organisation_id
from ledger.domain.organisation import timeline as organisation_timeline
from ledger.domain.quorum import QuorumResult, evaluate
from ledger.domain.rule_kinds import QuorumRule, VotingEligibility, rule_of
from ledger.domain.tor import TorState, tor_id
from ledger.domain.validity import UNRECORDED, Validity, assess

T = TypeVar("T")
IDS = 1 << 16  # slugs whose aggregate ids (uuid5, a few microseconds each) are kept
tor_of = lru_cache(IDS)(tor_id)
membership_of = lru_cache(IDS)(membership_id)
meeting_of = lru_cache(IDS)(meeting_id)
motion_of = lru_cache(IDS)(motion_id)
organisation_of = lru_cache(IDS)(organisation_id)
fund_of = lru_cache(IDS)(fund_id)

# Kinds of aggregate whose events no answer of the replay reads: only their ids and
# positions are kept (for "what it corrects"), not the events.
UNREAD = ("body", "checkpoint")
KEPT_RESULTS = 4096  # quorum and validity results kept for reuse, most recent first


def kind_of(topic: str) -> str:
    """The kind of aggregate an event's topic belongs to: ``tor.section-amended/v1`` ->
    ``tor`` (a retraction, ``event.retracted/v1``, takes its aggregate's kind)."""
    return topic.split(".", 1)[0]


_KEYS = {"meeting": "meeting", "motion": "motion", "fund": "fund", "organisation": "organisation"}


def key_of(kind: str, event: LedgerEvent) -> str:
    """The slug that names an aggregate of ``kind``: the meeting, the motion, the fund or
    the organisation; for a body, its ToR and its membership, the body."""
    value = getattr(event, _KEYS[kind], None) if kind in _KEYS else event.body
    return str(value or "")


@dataclass
class Aggregate:
    """One aggregate's events in chain order, and what was folded from their prefixes."""

    kind: str
    key: str
    ids: list[UUID] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    events: list[LedgerEvent] = field(default_factory=list)  # empty for UNREAD kinds
    _folded: dict[tuple[str, int], Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.ids)

    def add(self, position: int, event_id: UUID, event: LedgerEvent | None) -> None:
        self.ids.append(event_id)
        self.positions.append(position)
        if event is not None:
            self.events.append(event)
        # Only the last two prefixes are asked for again ("before" and "after").
        stale = [k for k in self._folded if k[1] < self.size - 1]
        for k in stale:
            del self._folded[k]

    def folded(self, what: str, n: int, fold: Callable[[list[LedgerEvent]], T]) -> T:
        """``fold`` of the events in force among the first ``n``, kept for reuse."""
        key = (what, n)
        if key not in self._folded:
            self._folded[key] = fold(self.standing(n))
        value: T = self._folded[key]
        return value

    def standing(self, n: int) -> list[LedgerEvent]:
        key = ("standing", n)
        if key not in self._folded:
            self._folded[key] = in_force(self.events[:n])
        found: list[LedgerEvent] = self._folded[key]
        return found

    def find(self, event_id: UUID) -> tuple[int, LedgerEvent | None] | None:
        """The position of one of this aggregate's events (and the event, if kept)."""
        for index in range(len(self.ids) - 1, -1, -1):
            if self.ids[index] == event_id:
                kept = self.events[index] if self.events else None
                return self.positions[index], kept
        return None


class Record:
    """Every aggregate read so far, and the indexes an event's reach is found by."""

    def __init__(self) -> None:
        self.aggregates: dict[UUID, Aggregate] = {}
        self.meetings_of: dict[str, dict[str, set[date]]] = {}  # body -> meeting -> days
        self.motions_at: dict[str, dict[str, None]] = {}  # meeting -> its motions
        self.bodies_seating: dict[str, set[str]] = {}  # organisation -> bodies it sat on
        self.results: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()

    def add(self, position: int, event: LedgerEvent) -> Aggregate:
        """Take in the next event of the chain."""
        aggregate = self.aggregates.get(event.originator_id)
        if aggregate is None:
            kind = kind_of(event.TOPIC)
            aggregate = Aggregate(kind, key_of(kind, event))
            self.aggregates[event.originator_id] = aggregate
        aggregate.add(position, event.event_id, None if aggregate.kind in UNREAD else event)
        if isinstance(event, MeetingScheduled) and event.body is not None:
            days = self.meetings_of.setdefault(event.body, {}).setdefault(event.meeting, set())
            days.add(event.effective)
        elif isinstance(event, MotionProposed):
            self.motions_at.setdefault(event.meeting, {})[event.motion] = None
        elif isinstance(event, MemberJoined) and event.organisation and event.body:
            self.bodies_seating.setdefault(event.organisation, set()).add(event.body)
        return aggregate

    def add_unread(self, position: int, aggregate_id: UUID, event_id: UUID, topic: str) -> None:
        """Take in an event of a kind no answer reads, without decoding it."""
        aggregate = self.aggregates.get(aggregate_id)
        if aggregate is None:
            aggregate = Aggregate(kind_of(topic), "")
            self.aggregates[aggregate_id] = aggregate
        aggregate.add(position, event_id, None)

    def remember(self, key: Hashable, inputs: Hashable, make: Callable[[], T]) -> T:
        """A result kept under ``key`` while its ``inputs`` are the same."""
        found = self.results.get(key)
        if found is not None and found[0] == inputs:
            self.results.move_to_end(key)
            value: T = found[1]
            return value
        made = make()
        self.results[key] = (inputs, made)
        self.results.move_to_end(key)
        while len(self.results) > KEPT_RESULTS:
            self.results.popitem(last=False)
        return made


def _on(timeline: Sequence[tuple[date, T]], day: date) -> T | None:
    """The state from a timeline of (date, state from then) on ``day``."""
    index = bisect_right(timeline, day, key=lambda change: change[0])
    return timeline[index - 1][1] if index else None


def _organisation_changes(events: list[LedgerEvent]) -> list[tuple[date, OrganisationState]]:
    return [(s.valid_from, s.state) for s in organisation_timeline(events)]


def _fund_on(events: list[LedgerEvent], day: date) -> FundPosition | None:
    """The fund on ``day``, as ``fund.position_on`` has it, with the position made once
    (``position_on`` makes one for every date it passes)."""
    books = Books()
    for event in events:
        if event.effective > day:
            break
        books.apply(event)
    return books.position() if books.info is not None else None


class View:
    """The record as known at one step: everything read so far, but ``aggregate``
    (if given) taken without its last ``hidden`` events."""

    def __init__(self, record: Record, aggregate: UUID | None = None, hidden: int = 0):
        self.record = record
        self.hiding = record.aggregates.get(aggregate) if aggregate is not None else None
        self.hidden = hidden
        self._sittings: dict[str, Sitting | None] = {}

    def _get(self, aggregate_id: UUID) -> tuple[Aggregate, int] | None:
        found = self.record.aggregates.get(aggregate_id)
        if found is None:
            return None
        n = found.size - self.hidden if found is self.hiding else found.size
        return (found, n) if n > 0 else None

    def version(self, aggregate_id: UUID) -> int:
        """How many of the aggregate's events this view holds."""
        found = self._get(aggregate_id)
        return found[1] if found else 0

    # --- the answers' parts ---------------------------------------------------------

    def tor(self, body: str, day: date) -> TorState | None:
        found = self._get(tor_of(body))
        if found is None:
            return None
        aggregate, n = found
        return _on(aggregate.folded("timeline", n, tor_domain.versions), day)

    def membership(self, body: str, day: date) -> MembershipState:
        found = self._get(membership_of(body))
        if found is None:
            return MembershipState()
        aggregate, n = found
        state = _on(aggregate.folded("timeline", n, membership_domain.timeline), day)
        return state if state is not None else MembershipState()

    def meeting(self, meeting: str) -> MeetingState | None:
        found = self._get(meeting_of(meeting))
        if found is None:
            return None
        aggregate, n = found
        return aggregate.folded("state", n, meeting_state)

    def motion(self, motion: str) -> MotionState | None:
        found = self._get(motion_of(motion))
        if found is None:
            return None
        aggregate, n = found
        return aggregate.folded("state", n, motion_state)

    def sector(self, organisation: str, day: date) -> str | None:
        found = self._get(organisation_of(organisation))
        if found is None:
            return None
        aggregate, n = found
        state = _on(aggregate.folded("timeline", n, _organisation_changes), day)
        return state.sector if state is not None else None

    def fund(self, fund: str, day: date) -> FundPosition | None:
        found = self._get(fund_of(fund))
        if found is None:
            return None
        aggregate, n = found
        return aggregate.folded(f"position {day}", n, lambda events: _fund_on(events, day))

    # --- quorum and validity, as the queries compose them ----------------------------

    def sitting(self, meeting: str, motion: MotionState | None = None) -> Sitting | None:
        """What this view knows of a meeting's day: None while it is not recorded (but
        for a motion whose meeting's record was retracted: that is a finding)."""
        if meeting not in self._sittings:
            state = self.meeting(meeting)
            self._sittings[meeting] = Sitting(self, state) if state is not None else None
        found = self._sittings[meeting]
        if found is None and motion is not None:
            unrecorded = MeetingState(meeting, motion.body, motion.day, None, False, UNRECORDED)
            return Sitting(self, unrecorded)
        return found

    def quorum(self, meeting: str, item: str | None) -> QuorumResult | None:
        """The quorum of the meeting at ``item`` (None: at the start) as this view knows
        it; None while the meeting, or that item of its agenda, is not recorded."""
        sitting = self.sitting(meeting)
        if sitting is None or (item is not None and item not in sitting.items):
            return None
        return self.record.remember(
            ("quorum", meeting, item), sitting.inputs, lambda: sitting.quorum(item)
        )

    def validity(self, motion: str) -> Validity | None:
        """Whether the decision on ``motion`` was validly made, as this view knows it;
        None while the motion is not recorded."""
        state = self.motion(motion)
        if state is None:
            return None
        sitting = self.sitting(state.meeting, state)
        assert sitting is not None
        inputs = (self.version(motion_of(motion)), *sitting.inputs)
        return self.record.remember(("validity", motion), inputs, lambda: sitting.assess(state))


class Sitting:
    """A meeting and what its answers are read from on its day, as one view knows them;
    ``inputs`` are the versions of all of it, so an answer kept with the same inputs
    still holds."""

    def __init__(self, view: View, state: MeetingState):
        self.view = view
        self.state = state
        self.items = {i.item for i in state.items}
        self.seats = view.membership(state.body, state.day)
        self.organisations = sorted({s.organisation for s in self.seats.seats if s.organisation})
        # Versions only grow, so for the same seats the sum of their organisations'
        # versions changes whenever one of them does.
        self.inputs = (
            view.version(meeting_of(state.meeting)),
            view.version(membership_of(state.body)),
            view.version(tor_of(state.body)),
            sum(view.version(organisation_of(o)) for o in self.organisations),
        )

    @cached_property
    def sections(self) -> list[Any]:
        tor = self.view.tor(self.state.body, self.state.day)
        return list(tor.sections) if tor is not None else []

    @cached_property
    def sectors(self) -> dict[str, str]:
        day = self.state.day
        return {o: s for o in self.organisations if (s := self.view.sector(o, day)) is not None}

    def quorum(self, item: str | None) -> QuorumResult:
        rule = rule_of(self.sections, QuorumRule)
        return evaluate(
            self.state,
            self.seats,
            rule[0] if rule else None,
            rule[1] if rule else None,
            self.sectors,
            item,
            rule_of(self.sections, VotingEligibility),
        )

    def assess(self, motion: MotionState) -> Validity:
        on_agenda = motion.item in self.items
        at_item = self.view.quorum(motion.meeting, motion.item) if on_agenda else None
        eligibility = rule_of(self.sections, VotingEligibility)
        return assess(motion, self.state, self.seats, self.sections, at_item, eligibility)
