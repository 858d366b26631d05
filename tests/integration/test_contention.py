"""Eight clerks writing at once queue for the ledger; none is turned away.

Eight processes (spawned, so each has its own interpreter and connections) write at
the same moment: six record attendance of different people at one shared meeting,
two establish bodies of their own.  Every write must land exactly once, in a chain
that verifies; a write may be refused only when what it was checked against changed
its answer, and nothing here conflicts in substance.
"""

from __future__ import annotations

import multiprocessing
import time
from datetime import date
from typing import Any

from ledger.application import Ledger
from ledger.domain.body import BodyEstablished, EstablishBody, body_id
from ledger.domain.meeting import AttendanceRecorded, RecordAttendance, ScheduleMeeting, Status
from ledger.domain.meeting import meeting_id as _meeting_id

WRITERS = 8
AT_THE_MEETING = 6  # the other writers establish bodies of their own
WRITES = 6
MEETING = "kcsp-2025-03-06"


def _write(url: str, writer: int, start: Any, results: Any) -> None:
    """One clerk's process: wait for the others, then make its writes one by one."""
    outcome: list[str] = []
    with Ledger(url, actor=f"clerk-{writer}") as ledger:
        start.wait(timeout=60)
        for n in range(WRITES):
            if writer < AT_THE_MEETING:
                command: Any = RecordAttendance(
                    meeting=MEETING,
                    person=f"person-{writer}-{n}",
                    name=f"Person {writer}.{n}",
                    status=Status.PRESENT,
                )
            else:
                command = EstablishBody(
                    body=f"group-{writer}-{n}",
                    name=f"Group {writer}.{n}",
                    kind="working-group",
                    parent="kcsp",
                    effective=date(2025, 1, 1),
                )
            try:
                ledger.execute([command])
            except Exception as exc:
                outcome.append(f"refused: {type(exc).__name__}: {exc}")
            else:
                outcome.append("recorded")
    results.put((writer, outcome))


def test_eight_writers_on_one_meeting_all_land_once_in_a_chain_that_verifies(
    ledger_url: str,
) -> None:
    with Ledger(ledger_url, actor="setup") as ledger:
        ledger.execute(
            [
                EstablishBody(
                    body="kcsp", name="Kent CSP", kind="partnership", effective=date(2007, 8, 1)
                ),
                ScheduleMeeting(body="kcsp", effective=date(2025, 3, 6)),
            ]
        )
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(WRITERS)
    results = context.Queue()
    began = time.monotonic()
    processes = [
        context.Process(target=_write, args=(ledger_url, writer, start, results))
        for writer in range(WRITERS)
    ]
    for process in processes:
        process.start()
    outcomes = dict(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    elapsed = time.monotonic() - began

    refused = [line for lines in outcomes.values() for line in lines if line != "recorded"]
    assert refused == [], refused
    assert elapsed < 30, f"{elapsed:.1f}s"
    with Ledger(ledger_url, actor="auditor") as ledger:
        report = ledger.verify()
        assert report.ok, report.problems
        assert report.events == ledger.count() == 2 + WRITERS * WRITES
        attended = [
            e
            for e in ledger.aggregate_events(_meeting_id(MEETING))
            if isinstance(e, AttendanceRecorded)
        ]
        expected = {f"person-{w}-{n}" for w in range(AT_THE_MEETING) for n in range(WRITES)}
        assert sorted(e.person for e in attended) == sorted(expected)  # none lost, none twice
        assert [e.originator_version for e in ledger.aggregate_events(_meeting_id(MEETING))] == (
            list(range(1, 2 + len(expected)))
        )
        groups = {f"group-{w}-{n}" for w in range(AT_THE_MEETING, WRITERS) for n in range(WRITES)}
        for slug in groups:
            (established,) = ledger.aggregate_events(body_id(slug))
            assert isinstance(established, BodyEstablished)
        assert {b.slug for b in ledger.bodies(date(2025, 6, 1))} == {"kcsp", *groups}
        assert len(ledger.log()) == report.events
