"""What a history keeps folded is always what folding all of its events gives.

``History.current`` / ``fold`` / ``fold_with`` carry their results forward as events are
appended in effective order and work them out again otherwise; here random histories of
renames, back-dated renames, corrections and retractions are built one event at a time,
and after each append the kept results are compared with ``in_force`` and a full fold.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from ledger.domain import body
from ledger.domain.errors import RuleViolation
from ledger.domain.events import EventRetracted, LedgerEvent
from ledger.domain.history import History, in_force

START = date(2020, 1, 1)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def full_fold(events: list[LedgerEvent]) -> body.BodyState | None:
    state = None
    for e in in_force(events):
        state = body.step(state, e)
    return state


def folded_or_refused(fn: Callable[..., object], *args: object) -> object:
    try:
        return fn(*args)
    except RuleViolation as exc:
        return ("refused", str(exc))


def event(history: History, rng: random.Random, n: int) -> LedgerEvent:
    common = {
        "originator_id": history.id,
        "originator_version": history.version + 1,
        "timestamp": NOW + timedelta(seconds=n),
        "event_id": uuid4(),
        "actor": "test",
        "body": "b",
    }
    if not history.events:
        return body.BodyEstablished(**common, effective=START, name="B 0", kind=body.BodyKind.OTHER)
    last = max(e.effective for e in history.events)
    roll = rng.random()
    target = rng.choice(history.events[1:] or history.events)
    if roll < 0.1:
        return EventRetracted(
            **common, effective=target.effective, corrects=target.event_id, reason="wrong"
        )
    if roll < 0.2:
        return body.BodyRenamed(
            **common, effective=target.effective, corrects=target.event_id, name=f"C {n}"
        )
    back = roll < 0.3
    day = (
        START + timedelta(days=rng.randint(1, 30)) if back else last + timedelta(rng.randint(0, 2))
    )
    return body.BodyRenamed(**common, effective=day, name=f"B {n}")


@pytest.mark.parametrize("seed", range(8))
def test_kept_folds_match_a_full_fold(seed: int) -> None:
    rng = random.Random(seed)
    history = History(uuid4())
    forks = [history]
    for n in range(50):
        new = event(history, rng, n)
        assert history.with_event(new) == in_force([*history.events, new])
        kept = folded_or_refused(history.fold_with, body.step, new)
        assert kept == folded_or_refused(full_fold, [*history.events, new])
        history.events.append(new)
        assert history.current() == in_force(history.events)
        kept = folded_or_refused(history.fold, body.step)
        assert kept == folded_or_refused(full_fold, history.events)
        if n % 7 == 0:  # a write's fork goes on from here; the original stays as it was
            before = list(history.events)
            history = history.fork()
            forks.append(history)
            assert forks[-2].events == before
    for old in forks:
        assert old.current() == in_force(old.events)


@pytest.mark.parametrize("seed", range(8))
def test_a_compacted_history_answers_as_the_whole_one(seed: int) -> None:
    """Compacted at random points (its events let go, read back by its loader when
    needed), a history's version, folds, checks and in-force events are those of all
    of its events; appends in effective order never read them back."""
    rng = random.Random(seed)
    stored: list[LedgerEvent] = []
    reads: list[int] = []

    def loader(_: object, version: int) -> list[LedgerEvent]:
        reads.append(version)
        return stored[:version]

    history = History(uuid4(), loader=loader)
    for n in range(60):
        new = event(History(history.id, list(stored)), rng, n)
        kept = folded_or_refused(history.fold_with, body.step, new)
        assert kept == folded_or_refused(full_fold, [*stored, new])
        if isinstance(kept, tuple):
            continue  # refused: not recorded
        follows_on = new.corrects is None and (
            not in_force(stored) or in_force(stored)[-1].effective <= new.effective
        )
        writer = history.fork()
        writer.append(new)
        stored.append(new)
        history = writer
        history.settle()
        read_before = len(reads)
        assert history.version == len(stored)
        assert history.exists
        assert folded_or_refused(history.fold, body.step) == folded_or_refused(full_fold, stored)
        if follows_on and history.compacted:
            assert len(reads) == read_before  # carried on from the kept fold
        if rng.random() < 0.3:
            assert history.compact()
            assert history.held == 0
            assert history.version == len(stored)
        if rng.random() < 0.1:
            assert history.current() == in_force(stored)
            assert history.events == stored
            assert not history.compacted
