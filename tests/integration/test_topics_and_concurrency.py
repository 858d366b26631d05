"""Stored events outlive their Python classes, and two clerks writing at once lose nothing.

The database keeps each event under its own topic (``body.established/v1``), never a
Python path, so a class can be renamed or moved without orphaning what was stored.
Two writers changing the same body at the same moment both land, in some order: they
queue for the write lock rather than being told to try again, and the audit chain stays
intact.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import date

import pytest
from freezegun import freeze_time

from ledger.application import Ledger
from ledger.domain import events as event_registry
from ledger.domain.body import (
    BodyEstablished,
    BodyRenamed,
    DissolveBody,
    EstablishBody,
    RenameBody,
    body_id,
)
from ledger.domain.corrections import CorrectEvent
from ledger.domain.errors import ConcurrentWriteError, StorageError
from ledger.infra.chain import CHAIN_TABLE

KCSP = EstablishBody(body="kcsp", name="Kent CSP", kind="partnership", effective=date(2007, 8, 1))
DHR = EstablishBody(
    body="kcsp-dhr",
    name="DHR Steering Group",
    kind="steering-group",
    parent="kcsp",
    effective=date(2011, 4, 13),
)


def stored_topics(ledger: Ledger) -> list[str]:
    nid = ledger.db.dialect.notification_id
    rows = ledger.db.query(
        f"SELECT e.topic FROM {CHAIN_TABLE} c JOIN {ledger.db.dialect.events} e "
        f"ON e.{nid} = c.notification_id ORDER BY c.position"
    )
    return [r["topic"] for r in rows]


def names(ledger: Ledger, day: date) -> dict[str, str]:
    return {b.slug: b.name for b in ledger.bodies(day)}


# --- topics -------------------------------------------------------------------------


def test_the_database_holds_topics_not_python_paths(ledger: Ledger) -> None:
    ledger.execute([KCSP, DHR])
    ledger.execute([RenameBody(body="kcsp-dhr", name="DARDR", effective=date(2025, 7, 3))])
    ledger.execute([DissolveBody(body="kcsp-dhr", effective=date(2026, 1, 1))])

    topics = stored_topics(ledger)

    assert topics == [
        "body.established/v1",
        "body.established/v1",
        "body.renamed/v1",
        "body.dissolved/v1",
    ]
    assert not any("ledger." in t or ":" in t or "Body" in t for t in topics)


def test_a_renamed_and_moved_event_class_still_reads_every_stored_event(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Ledger(ledger_url, actor="clerk") as ledger:
        ledger.execute([KCSP, DHR])
        wrong = ledger.execute(
            [RenameBody(body="kcsp-dhr", name="DARDR", effective=date(2025, 1, 1))]
        )
        ledger.execute(
            [CorrectEvent(event=wrong.event_ids[0], effective=date(2025, 7, 3), reason="minuted")]
        )
        before = names(ledger, date(2025, 8, 1)), names(ledger, date(2025, 3, 1))
        log_before = [(e.topic, e.summary) for e in ledger.log()]

    # A later release renames BodyEstablished and moves it to another module; the
    # topic, the only thing the database knows, stays.
    class EstablishmentRecorded(BodyEstablished):
        """The same event under a new name, in a new home."""

    EstablishmentRecorded.__module__ = "ledger.domain.bodies.v2"
    EstablishmentRecorded.__qualname__ = "EstablishmentRecorded"
    monkeypatch.setitem(event_registry.EVENT_TYPES, "body.established/v1", EstablishmentRecorded)

    with Ledger(ledger_url, actor="clerk") as ledger:
        assert ledger.rebuild_projections() == 4
        assert (names(ledger, date(2025, 8, 1)), names(ledger, date(2025, 3, 1))) == before
        assert [(e.topic, e.summary) for e in ledger.log()] == log_before
        established, *_ = ledger.aggregate_events(body_id("kcsp-dhr"))
        assert type(established) is EstablishmentRecorded
        assert established.name == "DHR Steering Group"

        # ...and the history keeps growing on top of the old events.
        ledger.execute([RenameBody(body="kcsp", name="Kent CSP 2", effective=date(2030, 1, 1))])
        ledger.execute(
            [EstablishBody(body="wg", name="WG", kind="working-group", effective=date(2031, 1, 1))]
        )
        assert names(ledger, date(2031, 1, 1)) == {
            "kcsp": "Kent CSP 2",
            "kcsp-dhr": "DARDR",
            "wg": "WG",
        }
        assert stored_topics(ledger).count("body.established/v1") == 3
        assert ledger.verify().ok


def test_an_unknown_topic_is_named_not_guessed(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Ledger(ledger_url, actor="clerk") as ledger:
        ledger.execute([KCSP])
    monkeypatch.delitem(event_registry.EVENT_TYPES, "body.established/v1")

    with (
        Ledger(ledger_url, actor="clerk") as ledger,
        pytest.raises(StorageError, match=r"topic 'body\.established/v1', which this version"),
    ):
        ledger.rebuild_projections()


# --- two writers --------------------------------------------------------------------

RENAMES = 10
FROZEN = "2025-03-01 12:00:00"


def run_together(*jobs: Callable[[], None]) -> list[BaseException]:
    """Run the jobs in threads released at the same moment; the exceptions they raised."""
    start = threading.Barrier(len(jobs), timeout=60)
    raised: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            start.wait()
            job()
        except BaseException as exc:
            raised.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return raised


def test_two_processes_can_open_one_ledger_at_the_same_moment(ledger_url: str) -> None:
    with Ledger(ledger_url, actor="setup") as ledger:
        ledger.execute([KCSP])
    counts: list[int] = []

    def open_and_count() -> None:
        with Ledger(ledger_url, actor="reader") as ledger:
            counts.append(ledger.count())

    for _round in range(5):
        assert run_together(open_and_count, open_and_count, open_and_count) == []
    assert counts == [1] * 15


@pytest.mark.parametrize("clock", ["running", "frozen"])
def test_two_writers_renaming_one_body_lose_nothing_and_keep_the_chain(
    ledger_url: str, clock: str
) -> None:
    landed: dict[str, list[str]] = {"a": [], "b": []}
    refused: dict[str, int] = {"a": 0, "b": 0}

    def writer(who: str) -> Callable[[], None]:
        def write() -> None:
            with Ledger(ledger_url, actor=who) as ledger:
                for i in range(RENAMES):
                    name = f"Kent CSP {who}{i}"
                    try:
                        ledger.execute(
                            [RenameBody(body="kcsp", name=name, effective=date(2020, 1, 1 + i))]
                        )
                    except ConcurrentWriteError:
                        refused[who] += 1
                    else:
                        landed[who].append(name)

        return write

    with freeze_time(FROZEN) if clock == "frozen" else contextlib.nullcontext():
        with Ledger(ledger_url, actor="setup") as ledger:
            ledger.execute([KCSP])
        raised = run_together(writer("a"), writer("b"))

    assert raised == []
    assert refused == {"a": 0, "b": 0}  # they queue; neither is turned away
    for who in ("a", "b"):
        assert len(landed[who]) + refused[who] == RENAMES
    with Ledger(ledger_url, actor="auditor") as ledger:
        history = ledger.aggregate_events(body_id("kcsp"))
        renames = [e for e in history if isinstance(e, BodyRenamed)]
        assert renames
        assert sorted(e.name for e in renames) == sorted(landed["a"] + landed["b"])
        assert [e.originator_version for e in history] == list(range(1, len(history) + 1))
        for who in ("a", "b"):
            # Each writer's renames land in the order it made them.
            assert [e.name for e in renames if e.actor == who] == landed[who]
        report = ledger.verify()
        assert report.ok, report.problems
        assert report.events == ledger.count() == 1 + len(renames)
        log = ledger.log()
        assert [e.position for e in log] == list(range(1, report.events + 1))
        if clock == "frozen":
            assert {e.recorded_at for e in log} == {"2025-03-01T12:00:00.000000Z"}


# --- a frozen clock -----------------------------------------------------------------


def test_events_recorded_under_a_frozen_clock_carry_the_frozen_time(ledger: Ledger) -> None:
    with freeze_time("2024-07-04 15:30:00"):
        ledger.execute([KCSP])
        ledger.execute([DHR])
        ledger.execute([RenameBody(body="kcsp", name="Kent CSP 2", effective=date(2024, 7, 4))])
    with freeze_time("2024-07-05 09:00:00.123456"):
        ledger.execute([DissolveBody(body="kcsp-dhr", effective=date(2024, 7, 5))])

    assert [e.recorded_at for e in ledger.log()] == [
        "2024-07-04T15:30:00.000000Z",
        "2024-07-04T15:30:00.000000Z",
        "2024-07-04T15:30:00.000000Z",
        "2024-07-05T09:00:00.123456Z",
    ]
    assert ledger.verify().ok
    assert ledger.verify().events == 4
