"""Which bodies stood on a date, as known at a moment, is what a plain replay says.

Hypothesis writes random histories of bodies (established, under parents or not,
renamed, dissolved, corrected, retracted) at increasing recorded times; commands
the rules refuse are skipped, as a clerk's would be.  Then, for every edge of both
time axes, the ledger's answer must equal a replay of the stored events in memory.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.domain.body import BodyKind, BodyState, DissolveBody, EstablishBody, RenameBody
from ledger.domain.commands import Command
from ledger.domain.corrections import CorrectEvent, RetractEvent
from ledger.domain.errors import LedgerError
from ledger.domain.events import LedgerEvent
from ledger.projections import replay
from tests.integration.oracle import all_events, edge_days, edge_moments, on_postgres, on_sqlite

SLUGS = ["p", "q", "r", "s"]
NAMES = st.sampled_from(["Alpha", "Beta", "Gamma", "Delta"])
KINDS = st.sampled_from([BodyKind.PARTNERSHIP, BodyKind.WORKING_GROUP, BodyKind.BOARD])
EARLY = st.dates(min_value=date(2020, 1, 1), max_value=date(2020, 1, 31))
LATER = st.dates(min_value=date(2020, 1, 10), max_value=date(2020, 2, 29))
ANY_DAY = st.dates(min_value=date(2020, 1, 1), max_value=date(2020, 2, 29))
START = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


def draw_command(data: st.DataObject, events: list[LedgerEvent]) -> Command:
    """A command a clerk might plausibly type next, given what is already recorded.

    Most are valid; some are not (a rename to the current name, a date before the
    body existed, a correction of an event already corrected), and are refused.
    """
    bodies = sorted({e.body for e in events if e.body})
    kinds = ["establish", "establish"]
    if events:
        kinds += ["rename", "rename", "dissolve", "correct", "correct", "retract"]
    kind = data.draw(st.sampled_from(kinds))
    if kind == "establish":
        unused = [slug for slug in SLUGS if slug not in bodies]
        fresh = bool(unused) and data.draw(st.sampled_from([True, True, True, False]))
        return EstablishBody(
            body=data.draw(st.sampled_from(unused if fresh else SLUGS)),
            name=data.draw(NAMES),
            kind=data.draw(KINDS),
            effective=data.draw(EARLY),
            parent=data.draw(st.one_of(st.none(), st.sampled_from(bodies))) if bodies else None,
        )
    if kind in ("rename", "dissolve"):
        slug = data.draw(st.sampled_from(bodies or SLUGS))
        if kind == "rename":
            return RenameBody(body=slug, name=data.draw(NAMES), effective=data.draw(LATER))
        return DissolveBody(body=slug, effective=data.draw(LATER))
    position = data.draw(st.integers(min_value=1, max_value=len(events)))
    if kind == "retract":
        return RetractEvent(event=f"#{position}", reason="in error")
    if hasattr(events[position - 1], "name") and data.draw(st.booleans()):
        return CorrectEvent(event=f"#{position}", changes={"name": data.draw(NAMES)}, reason="typo")
    return CorrectEvent(event=f"#{position}", effective=data.draw(ANY_DAY), reason="minuted date")


def standing(found: list[BodyState], day: date) -> list[BodyState]:
    return [b for b in found if b.dissolved is None or b.dissolved > day]


Answers = dict[tuple[date, datetime | None], tuple[list[BodyState], list[BodyState]]]


def ask(ledger: Ledger, days: list[date], knowns: list[datetime | None]) -> Answers:
    return {
        (day, known_at): (
            ledger.bodies(day, known_at=known_at, include_dissolved=True),
            ledger.bodies(day, known_at=known_at),
        )
        for known_at in knowns
        for day in days
    }


def run_history(url: str, data: st.DataObject) -> None:
    moment = START
    with Ledger(url, actor="oracle") as ledger:
        events: list[LedgerEvent] = []
        for _step in range(data.draw(st.integers(min_value=6, max_value=20), label="steps")):
            # One or two commands recorded together, some hours after the step before
            # (sometimes at the very same moment).
            moment += timedelta(hours=data.draw(st.integers(min_value=0, max_value=3)))
            size = data.draw(st.sampled_from([1, 1, 1, 2]))
            commands = [draw_command(data, events) for _ in range(size)]
            with freeze_time(moment):
                try:
                    ledger.execute(commands)
                except LedgerError:
                    continue
            events = all_events(ledger)
        assert len(events) == ledger.count()

        days, knowns = edge_days(events), edge_moments(events)
        answers = ask(ledger, days, knowns)
        for (day, known_at), (everything, current) in answers.items():
            expected = replay.bodies_on(events, day, known_at)
            assert everything == expected, (day, known_at)
            assert current == standing(expected, day), (day, known_at)

        assert ledger.rebuild_projections() == len(events)
        assert ask(ledger, days, knowns) == answers


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_bodies_on_any_day_as_known_at_any_moment_match_a_plain_replay_on_sqlite(
    data: st.DataObject,
) -> None:
    on_sqlite(run_history, data)


@pytest.mark.postgres
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_bodies_on_any_day_as_known_at_any_moment_match_a_plain_replay_on_postgresql(
    data: st.DataObject,
) -> None:
    on_postgres(run_history, data)
