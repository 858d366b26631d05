"""The constitution projection answers every (date, known-at) query as a plain replay does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.domain.body import EstablishBody
from ledger.domain.corrections import CorrectEvent, RetractEvent
from ledger.domain.errors import LedgerError
from ledger.domain.rules import DecisionMethod, MeetingFrequency
from ledger.domain.tor import AdoptTor, AmendSection, InsertSection, RepealSection, SectionText
from ledger.projections import replay
from ledger.queries.known import known_at_text
from tests.integration.oracle import all_events, on_postgres, on_sqlite

IDS = ["a", "b", "c", "d"]
DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2020, 12, 31))
TEXTS = st.sampled_from(["one", "two words", "three small words", "uno dos"])
# Each section id has its own kind of rule, so generated documents never set one rule twice.
RULES = {
    "a": st.sampled_from([[], [DecisionMethod(method="consensus")]]),
    "b": st.sampled_from([[], [MeetingFrequency(at_least=4, per="year")]]),
    "c": st.just([]),
    "d": st.sampled_from([[], [MeetingFrequency(at_least=1, per="year", public=True)]]),
}


def section(section_id: str) -> st.SearchStrategy[SectionText]:
    return st.builds(
        SectionText,
        id=st.just(section_id),
        number=st.sampled_from(["1", "2", "3.1"]),
        heading=st.sampled_from(["Purpose", "Quorum"]),
        text=TEXTS,
        rules=RULES[section_id],
    )


adopt = st.builds(
    AdoptTor,
    body=st.just("wg"),
    effective=DAYS,
    sections=st.lists(st.sampled_from(IDS), min_size=1, max_size=3, unique=True).flatmap(
        lambda ids: st.tuples(*(section(i) for i in ids)).map(list)
    ),
)
amend = st.sampled_from(IDS).flatmap(
    lambda sid: st.builds(
        AmendSection,
        body=st.just("wg"),
        section=st.just(sid),
        effective=DAYS,
        text=st.one_of(st.none(), TEXTS),
        rules=st.one_of(st.none(), RULES[sid]),
    )
)
insert = st.builds(
    InsertSection,
    body=st.just("wg"),
    effective=DAYS,
    section=st.sampled_from(IDS).flatmap(section),
    after=st.one_of(st.none(), st.sampled_from(IDS)),
)
repeal = st.builds(RepealSection, body=st.just("wg"), section=st.sampled_from(IDS), effective=DAYS)
correct = st.builds(lambda n, day: ("correct", n, day), st.integers(2, 9), DAYS)
retract = st.builds(lambda n: ("retract", n), st.integers(2, 9))
first = st.builds(
    AdoptTor,
    body=st.just("wg"),
    effective=st.just(date(2020, 1, 1)),
    sections=st.tuples(section("a"), section("b"), section("c")).map(list),
)
steps = st.tuples(
    first,
    st.lists(
        st.one_of(adopt, amend, amend, amend, insert, repeal, correct, retract),
        min_size=1,
        max_size=12,
    ),
).map(lambda pair: [pair[0], *pair[1]])


def as_tuple(state):  # type: ignore[no-untyped-def]
    if state is None:
        return None
    return (
        state.title,
        [(s.id, s.number, s.heading, s.text, list(s.rules)) for s in state.sections],
    )


def view_tuple(ledger: Ledger, day: date, known_at: datetime | None):  # type: ignore[no-untyped-def]
    try:
        report = ledger.tor("wg", day, known_at=known_at)
    except LedgerError:
        return None
    return (
        report.title,
        [(s.id, s.number, s.heading, s.text, list(s.rules)) for s in report.sections],
        [p.event_id for p in report.provenance],
    )


def expected_tuple(events, day: date, known_at: datetime | None):  # type: ignore[no-untyped-def]
    """The replay's document, and its provenance: the events that made it, in order."""
    state = as_tuple(replay.tor_on(events, "wg", day, known_at))
    if state is None:
        return None
    return (*state, [str(i) for i in replay.tor_makers(events, "wg", day, known_at)])


def pending_by_rows(ledger: Ledger, day: date, known_at: datetime | None) -> list[tuple]:  # type: ignore[type-arg]
    """The changes pending after ``day``, worked out row by row in Python from every
    section version ending after it (what the read model's one query must agree with)."""
    k = known_at_text(known_at)
    rows = ledger.db.query(
        "SELECT * FROM proj_tor_sections WHERE body = ? AND (valid_to IS NULL OR valid_to > ?) "
        "AND recorded_from <= ? AND (recorded_to IS NULL OR recorded_to > ?) "
        "ORDER BY section_id, valid_from",
        ["wg", day.isoformat(), k, k],
    )
    changes, previous = [], {}
    for row in rows:
        sid, before = row["section_id"], previous.get(row["section_id"])
        if row["valid_from"] > day.isoformat():
            contiguous = before is not None and before["valid_to"] == row["valid_from"]
            same = ("number", "heading", "text", "rules")
            if not (contiguous and all(before[c] == row[c] for c in same)):
                kind = "amended" if contiguous else "inserted"
                changes.append((sid, row["valid_from"], kind, row["changed_by"]))
        previous[sid] = row
    for sid, last in previous.items():
        if last["valid_to"] is not None and last["valid_to"] > day.isoformat():
            changes.append((sid, last["valid_to"], "repealed", None))
    return sorted(changes, key=lambda c: (c[1], c[0]))


def pending_tuple(ledger: Ledger, day: date, known_at: datetime | None) -> list[tuple] | None:  # type: ignore[type-arg]
    try:
        report = ledger.tor("wg", day, known_at=known_at)
    except LedgerError:
        return None
    return [(c.section, c.effective, c.change, c.changed_by) for c in report.pending]


def run_history(url: str, history: list) -> None:  # type: ignore[type-arg]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    moments = []
    with Ledger(url, actor="oracle") as ledger:
        with freeze_time(start):
            ledger.execute(
                [
                    EstablishBody(
                        body="wg", name="WG", kind="working-group", effective=date(2019, 1, 1)
                    )
                ]
            )
        for index, step in enumerate(history, start=1):
            moment = start + timedelta(days=index)
            with freeze_time(moment):
                try:
                    if isinstance(step, tuple) and step[0] == "correct":
                        ledger.execute(
                            [CorrectEvent(event=f"#{step[1]}", effective=step[2], reason="fix")]
                        )
                    elif isinstance(step, tuple):
                        ledger.execute([RetractEvent(event=f"#{step[1]}", reason="error")])
                    else:
                        ledger.execute([step])
                except LedgerError:
                    continue
            moments.append(moment)
        events = all_events(ledger)
        days = sorted(
            {e.effective for e in events} | {e.effective - timedelta(days=1) for e in events}
        )
        knowns = [None, *moments, *(m - timedelta(seconds=1) for m in moments)]
        for known_at in knowns:
            for day in days:
                expected = expected_tuple(events, day, known_at)
                assert view_tuple(ledger, day, known_at) == expected, (day, known_at)
                if expected is not None:
                    pending = pending_by_rows(ledger, day, known_at)
                    assert pending_tuple(ledger, day, known_at) == pending, (day, known_at)
        ledger.rebuild_projections()
        for day in days:
            assert view_tuple(ledger, day, None) == expected_tuple(events, day, None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=steps)
def test_constitution_matches_a_plain_replay_on_sqlite(history: list) -> None:  # type: ignore[type-arg]
    on_sqlite(run_history, history)


@pytest.mark.postgres
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=steps)
def test_constitution_matches_a_plain_replay_on_postgresql(history: list) -> None:  # type: ignore[type-arg]
    on_postgres(run_history, history)
