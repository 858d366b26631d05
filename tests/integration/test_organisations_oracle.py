"""Which organisations stood on a date, as known at a moment, is what a plain replay says.

Hypothesis writes random histories of organisations (registered, renamed, closed with
or without a successor, corrected, retracted) at increasing recorded times, into a
fresh ledger for each example; commands the rules refuse are skipped, as a clerk's would be.  Then,
for every edge of both time axes, the ledger's answer must equal a replay in memory.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.domain.commands import Command
from ledger.domain.corrections import CorrectEvent, RetractEvent
from ledger.domain.errors import LedgerError
from ledger.domain.events import LedgerEvent
from ledger.domain.organisation import (
    CloseOrganisation,
    OrganisationEvent,
    OrganisationSector,
    OrganisationState,
    RegisterOrganisation,
    RenameOrganisation,
)
from ledger.projections import replay
from tests.integration.oracle import all_events, edge_days, edge_moments, on_postgres, on_sqlite

# "q-r" and "qr" sort differently under some database collations than in Python.
SLUGS = ["p", "q-r", "qr"]
NAMES = st.sampled_from(["Alpha", "Beta", "Gamma"])
SHORT = st.sampled_from([None, None, "A", "B"])
SECTORS = st.sampled_from([OrganisationSector.POLICE, OrganisationSector.HEALTH])
EARLY = st.dates(min_value=date(2020, 1, 1), max_value=date(2020, 1, 31))
DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2020, 2, 29))
LATE = st.dates(min_value=date(2020, 2, 1), max_value=date(2020, 2, 29))
START = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


def draw_command(data: st.DataObject, events: list[LedgerEvent]) -> Command:
    """A command a clerk might plausibly type next, given what is already recorded.

    Most are valid; some are not (a rename to the current name, a date before the
    organisation existed, a successor closed by then, a correction of an event already
    corrected), and are refused.
    """
    known = sorted({e.organisation for e in events if isinstance(e, OrganisationEvent)})
    fresh = [slug for slug in SLUGS if slug not in known]
    kinds = ["register", "register"] if fresh else ["register"]
    if events:
        kinds += ["rename", "rename", "rename", "close", "close", "correct", "correct", "retract"]
    kind = data.draw(st.sampled_from(kinds))
    if kind == "register":
        return RegisterOrganisation(
            organisation=data.draw(st.sampled_from(fresh or SLUGS)),
            name=data.draw(NAMES),
            sector=data.draw(SECTORS),
            short_name=data.draw(SHORT),
            effective=data.draw(EARLY),
        )
    slug = data.draw(st.sampled_from(known or SLUGS))
    if kind == "rename":
        return RenameOrganisation(
            organisation=slug,
            name=data.draw(NAMES),
            short_name=data.draw(SHORT),
            effective=data.draw(DAYS),
        )
    if kind == "close":
        others = [k for k in known if k != slug] or SLUGS
        successor = data.draw(
            st.one_of(st.none(), st.sampled_from(others), st.sampled_from(others))
        )
        day = data.draw(st.one_of(DAYS, LATE))
        return CloseOrganisation(organisation=slug, successor=successor, effective=day)
    position = data.draw(st.integers(min_value=1, max_value=len(events)))
    if kind == "retract":
        return RetractEvent(event=f"#{position}", reason="in error")
    target = events[position - 1]
    change = data.draw(st.sampled_from(["effective", "name", "short_name", "successor"]))
    if change == "name" and hasattr(target, "name"):
        return CorrectEvent(event=f"#{position}", changes={"name": data.draw(NAMES)}, reason="typo")
    if change == "short_name" and hasattr(target, "short_name"):
        value = data.draw(SHORT)
        return CorrectEvent(event=f"#{position}", changes={"short_name": value}, reason="typo")
    if change == "successor" and hasattr(target, "successor"):
        value = data.draw(st.one_of(st.none(), st.sampled_from(known)))
        return CorrectEvent(event=f"#{position}", changes={"successor": value}, reason="wrong")
    return CorrectEvent(event=f"#{position}", effective=data.draw(DAYS), reason="minuted date")


def standing(found: list[OrganisationState], day: date) -> list[OrganisationState]:
    return [o for o in found if o.closed is None or o.closed > day]


Answers = dict[
    tuple[date, datetime | None], tuple[list[OrganisationState], list[OrganisationState]]
]


def ask(ledger: Ledger, days: list[date], knowns: list[datetime | None]) -> Answers:
    return {
        (day, known_at): (
            ledger.organisations(day, known_at=known_at, include_closed=True),
            ledger.organisations(day, known_at=known_at),
        )
        for known_at in knowns
        for day in days
    }


def run_history(url: str, data: st.DataObject) -> None:
    moment = START
    with Ledger(url, actor="oracle") as ledger:
        events: list[LedgerEvent] = []
        for _step in range(data.draw(st.integers(min_value=4, max_value=20), label="steps")):
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
            expected = replay.organisations_on(events, day, known_at)
            assert everything == expected, (day, known_at)
            assert current == standing(expected, day), (day, known_at)

        assert ledger.rebuild_projections() == len(events)
        assert ask(ledger, days, knowns) == answers


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_organisations_match_a_plain_replay_on_sqlite(data: st.DataObject) -> None:
    on_sqlite(run_history, data)


@pytest.mark.postgres
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_organisations_match_a_plain_replay_on_postgresql(data: st.DataObject) -> None:
    on_postgres(run_history, data)
