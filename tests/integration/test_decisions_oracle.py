"""The decisions read model, and validity worked out from it, against a plain replay.

Generated histories on the March meeting of ``test_decisions``: motions proposed at any
item by anyone, decided in every way, attendance re-recorded (the minutes corrected),
interests declared, decisions corrected and retracted, each at a later recorded time.
Every motion's validity, findings and arithmetic must be the replay's, as known at
every moment, on both databases, and again after a rebuild.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.domain.commands import Command
from ledger.domain.corrections import CorrectEvent, RetractEvent
from ledger.domain.decision import DecideMotion, ProposeMotion
from ledger.domain.errors import LedgerError, NotFound
from ledger.domain.meeting import DeclareInterest, RecordAttendance, Status
from ledger.projections import replay
from tests.integration.oracle import all_events, edge_moments, on_postgres, on_sqlite
from tests.integration.test_decisions import setting
from tests.integration.test_quorum import MARCH

PEOPLE = ["c-hart", "k-jones", "s-brinson", "t-tate", "f-white", "h-green", "m-shah", "e-ray"]
PEOPLE += ["p-ward", "v-lee", "a-officer"]
ITEMS = ["1", "2", "3", "4", "5"]
MOTIONS = ["m-1", "m-2", "m-3"]
ELECTIONS = ["e-1", "e-2"]  # elections to the vice-chair
CANDIDATES = ["c-hart", "k-jones", "m-shah", "f-white", "a-officer"]
STATUSES = [Status.PRESENT, Status.APOLOGIES, Status.ABSENT, Status.IN_ATTENDANCE]


def _elect(data: st.DataObject, slug: str) -> DecideMotion:
    """An election decided any way that fits it, electing any candidate (right or not)."""
    how = data.draw(st.sampled_from(["consensus", "ballot", "recorded-vote"]))
    elected = data.draw(st.sampled_from(CANDIDATES))
    fields: dict[str, Any] = {"motion": slug, "method": how, "elected": elected}
    fields["takes_effect"] = data.draw(st.sampled_from([None, "2024-04-01"]))
    fields["outcome"] = "agreed" if how == "consensus" else "carried"
    if how == "ballot":
        fields["tallies"] = [
            {"candidate": c, "votes": data.draw(st.integers(0, 5))} for c in CANDIDATES[:3]
        ]
    if how == "recorded-vote":
        voters = data.draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=6, unique=True))
        fields["votes"] = [
            {"person": p, "option": "yes", "candidate": data.draw(st.sampled_from(CANDIDATES))}
            for p in voters
        ]
    return DecideMotion.model_validate(fields)


def _decide(data: st.DataObject, slug: str) -> DecideMotion:
    how = data.draw(st.sampled_from(["consensus", "show-of-hands", "recorded-vote", "ballot"]))
    fields: dict[str, Any] = {"motion": slug, "method": how}
    if how == "consensus":
        fields["outcome"] = "agreed"
    else:
        fields["outcome"] = data.draw(st.sampled_from(["carried", "lost"]))
    if how in ("show-of-hands", "ballot"):
        yes, no = data.draw(st.integers(0, 7)), data.draw(st.integers(0, 7))
        fields["counts"] = {"yes": yes, "no": no, "abstain": data.draw(st.integers(0, 2))}
        if yes == no and data.draw(st.booleans()):
            fields["casting"] = {"person": data.draw(st.sampled_from(PEOPLE[:3])), "option": "yes"}
    if how == "recorded-vote":
        voters = data.draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=6, unique=True))
        options = st.sampled_from(["yes", "no", "abstain", "absent"])
        fields["votes"] = [{"person": p, "option": data.draw(options)} for p in voters]
    if data.draw(st.booleans()):
        fields["dispensations"] = [data.draw(st.sampled_from(PEOPLE))]
    return DecideMotion.model_validate(fields)


def _step(data: st.DataObject, decided: list[str], proposed: list[str]) -> Command:
    kinds = ["propose", "decide", "attend", "interest", "fix", "drop", "nominate", "elect"]
    kind = data.draw(st.sampled_from(kinds))
    if kind == "nominate":
        candidates = data.draw(st.lists(st.sampled_from(CANDIDATES), min_size=1, unique=True))
        return ProposeMotion(
            motion=data.draw(st.sampled_from(ELECTIONS)),
            meeting=MARCH,
            item=data.draw(st.sampled_from(ITEMS)),
            text="Election of Vice-Chair",
            mover=data.draw(st.sampled_from(PEOPLE)),
            election={"office": "vice-chair", "candidates": candidates},
        )
    elections = [m for m in proposed if m in ELECTIONS] or ELECTIONS
    motions = [m for m in proposed if m in MOTIONS] or MOTIONS
    if kind == "elect":
        return _elect(data, data.draw(st.sampled_from(elections)))
    if kind == "propose":
        mover = data.draw(st.sampled_from(PEOPLE))
        seconder = data.draw(st.sampled_from([None, *PEOPLE]))
        return ProposeMotion(
            motion=data.draw(st.sampled_from(MOTIONS)),
            meeting=MARCH,
            item=data.draw(st.sampled_from(ITEMS)),
            text="A motion",
            mover=mover,
            seconder=None if seconder == mover else seconder,
            requirement=data.draw(
                st.sampled_from(
                    [
                        None,
                        {"method": "two-thirds"},
                        {
                            "method": "fraction",
                            "numerator": 3,
                            "denominator": 4,
                            "of": "membership",
                        },
                        {"method": "unanimous"},
                    ]
                )
            ),
        )
    if kind == "attend":
        person = data.draw(st.sampled_from(PEOPLE[:8]))
        to_item = data.draw(st.sampled_from([None, *ITEMS]))
        return RecordAttendance(
            meeting=MARCH,
            person=person,
            name=person,
            status=data.draw(st.sampled_from(STATUSES)),
            to_item=to_item,
        )
    if kind == "interest":
        return DeclareInterest(
            meeting=MARCH,
            person=data.draw(st.sampled_from(PEOPLE)),
            item=data.draw(st.sampled_from(ITEMS)),
            interest="an interest",
            withdrew=data.draw(st.booleans()),
        )
    if kind in ("fix", "drop") and decided:
        target = data.draw(st.sampled_from(decided))
        if kind == "drop":
            return RetractEvent(event=target, reason="recorded in error")
        yes, no = data.draw(st.integers(0, 7)), data.draw(st.integers(0, 7))
        return CorrectEvent(
            event=target,
            changes={"counts": {"yes": yes, "no": no, "abstain": 0}},
            reason="miscounted",
        )
    return _decide(data, data.draw(st.sampled_from(motions)))


def _answer(ask: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        found = ask(*args, **kwargs)
    except NotFound:
        return "not found"
    return (found.valid, [(f.check, f.rule, f.people, f.message) for f in found.findings])


def run_history(url: str, data: st.DataObject) -> None:
    start = datetime(2024, 3, 20, 9, tzinfo=UTC)
    with freeze_time(start), Ledger(url) as ledger:
        ledger.execute(setting())
    decided: list[str] = []
    proposed: list[str] = []
    for n in range(data.draw(st.integers(3, 14))):
        step = _step(data, decided, proposed)
        with freeze_time(start + timedelta(days=n + 1)), Ledger(url) as ledger:
            try:
                receipt = ledger.execute([step])
            except LedgerError:
                continue
            event(f"recorded {type(step).model_fields['type'].default}")
            if isinstance(step, DecideMotion | CorrectEvent):
                decided.append(receipt.event_ids[0])
            if isinstance(step, ProposeMotion):
                proposed.append(step.motion)
    with Ledger(url) as ledger:
        events = all_events(ledger)
        moments = [m for m in edge_moments(events) if m is None or m > start]
        for rebuilt in (False, True):
            if rebuilt:
                ledger.rebuild_projections()
            for slug in MOTIONS + ELECTIONS:
                for known_at in moments:
                    expected = _answer(replay.decision, events, slug, known_at)
                    got = _answer(ledger.decision, slug, known_at=known_at)
                    if known_at is None and expected != "not found":
                        event(f"valid: {expected[0]}")
                        for finding in expected[1]:
                            event(f"finding: {finding[0]}")
                    assert got == expected, (slug, known_at)
            listed = {d.motion: d.valid for d in ledger.decisions("wg")}
            assert listed == {
                s: v[0]
                for s in MOTIONS + ELECTIONS
                if (v := _answer(replay.decision, events, s)) != "not found"
            }
            for day in (date(2024, 3, 14), date(2024, 4, 1)):
                office = ledger.members("wg", on=day).office_decisions.get("vice-chair")
                held = replay.membership_on(events, "wg", day).office_holder("vice-chair", day)
                assert (office.decision if office else None) == (
                    next(
                        o.decision
                        for o in replay.membership_on(events, "wg", day).offices
                        if o.office == "vice-chair"
                    )
                    if held
                    else None
                ), day
                if office is not None:
                    assert office.valid == (_answer(replay.decision, events, office.decision)[0])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_decisions_and_their_validity_match_a_plain_replay_on_sqlite(data: st.DataObject) -> None:
    on_sqlite(run_history, data)


@pytest.mark.postgres
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_decisions_and_their_validity_match_a_plain_replay_on_postgresql(
    data: st.DataObject,
) -> None:
    on_postgres(run_history, data)
