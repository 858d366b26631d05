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
