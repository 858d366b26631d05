"""Each read model is given the events of its own kind of aggregate, and retractions.

The runner hands a projection only the events whose topic starts with one of its
``families`` (``body`` for ``body.renamed/v1``), and every retraction.  That is exact
because each aggregate holds events of its own kind only (and retractions): these
tests hold the demo's log to it, and every kind of event to a projection that takes
it.  The oracle tests prove the read models built this way against a plain replay.
"""

from __future__ import annotations

from collections import defaultdict

from ledger.application import Ledger
from ledger.domain.events import EVENT_TYPES, UPCASTERS
from ledger.infra import mapper  # noqa: F401  (registers every event)
from ledger.projections.catalogue import all_projections

# Kinds no read model but the event index takes: the audit checkpoints, and the
# retractions every projection is given.
UNPROJECTED = {"checkpoint", "event"}


def family(topic: str) -> str:
    return topic.partition(".")[0]


def test_every_kind_of_event_is_taken_by_one_projection_or_the_index_alone() -> None:
    taken: dict[str, list[str]] = defaultdict(list)
    for projection in all_projections():
        for kind in projection.families or ():
            taken[kind].append(projection.name)
    for topic in [*EVENT_TYPES, *UPCASTERS]:
        kind = family(topic)
        if kind in UNPROJECTED:
            assert kind not in taken, topic
        else:
            assert len(taken[kind]) == 1, f"{topic}: taken by {taken[kind]}"
    index = [p for p in all_projections() if p.families is None]
    assert [p.name for p in index] == ["events"]


def test_each_aggregate_of_the_demo_holds_events_of_one_kind_and_retractions(
    demo: str,
) -> None:
    ledger = Ledger(demo)
    try:
        rows = ledger.db.query(f"SELECT originator_id, topic FROM {ledger.db.dialect.events}")
    finally:
        ledger.close()
    kinds: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        kinds[str(row["originator_id"])].add(family(row["topic"]))
    assert len(kinds) > 50
    mixed = {k: v for k, v in kinds.items() if len(v - {"event"}) != 1}
    assert not mixed
