"""The budget read model against a plain replay, and the invariant that holds it up.

Generated histories on the Working Group's fund (``test_funds``): income received for
two years on any date (backdated ones included), reduced, allocated (often beyond
what is available, and refused), varied, withdrawn, spent against, returned, moved by
virement and carried forward; corrections of amounts and dates, and retractions; each
at a later recorded time.  At every edge date and every edge moment the read model's
position must be the replay's, on both databases and again after a rebuild, and no
year's available money and no allocation's balance may ever be below zero.
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
from ledger.domain.errors import LedgerError
from ledger.domain.events import Authority
from ledger.domain.fund import FundEvent, FundPosition, fund_id
from ledger.domain.fund_commands import (
    AllocateFunds,
    CarryForward,
    ReceiveIncome,
    RecordSpend,
    ReduceIncome,
    ReturnUnderspend,
    VaryAllocation,
    VireFunds,
    WithdrawAllocation,
)
from ledger.domain.history import in_force
from ledger.projections import budget, replay
from ledger.queries.known import known_at_text
from tests.integration.oracle import all_events, edge_days, edge_moments, on_postgres, on_sqlite
from tests.integration.test_funds import INQUORATE, VALID, create, decisions

YEARS = ["2024/25", "2025/26"]
ALLOCATIONS = ["a-1", "a-2", "a-3"]
DAYS = [date(2024, 3, 20), date(2024, 4, 1), date(2024, 6, 1), date(2024, 9, 1)]
DAYS += [date(2025, 1, 15), date(2025, 4, 1), date(2025, 7, 1)]
CARRY_DAYS = [date(2025, 3, 1), date(2025, 3, 31), date(2025, 4, 15)]


def _amount(data: st.DataObject, most: int = 60) -> Any:
    pounds = data.draw(st.integers(1, most)) * 100
    return data.draw(st.sampled_from([pounds, f"£{pounds:,}.50", f"{pounds}"]))


def _step(data: st.DataObject, recorded: list[str], made: dict[str, date]) -> Command:
    kinds = ["receive", "receive", "reduce", "allocate", "allocate", "allocate", "vary"]
    kinds += ["withdraw", "spend", "spend", "spend", "return", "vire", "carry", "fix", "drop"]
    kind = data.draw(st.sampled_from(kinds))
    slug = data.draw(st.sampled_from(sorted(made) if made and kind != "allocate" else ALLOCATIONS))
    # What follows an allocation mostly comes after it (some steps are backdated before).
    later = [d for d in DAYS if d >= made.get(slug, DAYS[0])] or DAYS
    day = data.draw(st.sampled_from(later if data.draw(st.integers(0, 3)) else DAYS))
    year = data.draw(st.sampled_from(YEARS))
    decided = Authority(decision=data.draw(st.sampled_from([VALID, VALID, INQUORATE])))
    common: dict[str, Any] = {"fund": "csf", "effective": day}
    if kind in ("fix", "drop") and recorded:
        target = data.draw(st.sampled_from(recorded))
        if kind == "drop":
            return RetractEvent(event=target, reason="recorded in error")
        if data.draw(st.booleans()):
            return CorrectEvent(event=target, effective=day, reason="wrong date")
        return CorrectEvent(event=target, changes={"amount": _amount(data)}, reason="wrong amount")
    if kind == "receive":
        return ReceiveIncome(**common, year=year, source="PCC", amount=_amount(data, 100))
    if kind == "reduce":
        return ReduceIncome(**common, year=year, amount=_amount(data), reason="cut")
    if kind == "allocate":
        return AllocateFunds(
            **common,
            year=year,
            allocation=slug,
            recipient="R",
            title="T",
            amount=_amount(data, 30),
            authority=decided,
        )
    if kind == "vary":
        return VaryAllocation(**common, allocation=slug, amount=_amount(data), authority=decided)
    if kind == "withdraw":
        return WithdrawAllocation(**common, allocation=slug)
    if kind == "return":
        return ReturnUnderspend(**common, year=year, amount=_amount(data))
    if kind == "vire":
        other = data.draw(st.sampled_from([a for a in ALLOCATIONS if a != slug]))
        return VireFunds(
            **common,
            from_allocation=slug,
            to_allocation=other,
            amount=_amount(data),
            authority=decided,
        )
    if kind == "carry":
        return CarryForward(
            fund="csf",
            effective=data.draw(st.sampled_from(CARRY_DAYS)),
            year="2024/25",
            amount=_amount(data),
        )
    return RecordSpend(**common, allocation=slug, amount=_amount(data, 10))


def _plain(position: FundPosition | None) -> Any:
    if position is None:
        return None
    years = [(y, y.available) for y in position.years]
    return position.info, years, position.allocations, position.notes


def _never_below_zero(position: FundPosition | None, where: Any) -> None:
    if position is None:
        return
    for y in position.years:
        assert y.available >= 0, (where, y)
    for a in position.allocations:
        assert a.balance >= 0, (where, a)


def run_history(url: str, data: st.DataObject) -> None:
    start = datetime(2024, 3, 20, 9, tzinfo=UTC)
    with freeze_time(start), Ledger(url) as ledger:
        ledger.execute(
            [
                *decisions(),
                create(carry_forward=True),
                ReceiveIncome(
                    fund="csf", year=YEARS[0], source="PCC", amount=5000, effective=DAYS[1]
                ),
                ReceiveIncome(
                    fund="csf", year=YEARS[1], source="PCC", amount=5000, effective=DAYS[5]
                ),
            ]
        )
    recorded: list[str] = []
    made: dict[str, date] = {}
    for n in range(data.draw(st.integers(4, 16))):
        step = _step(data, recorded, made)
        with freeze_time(start + timedelta(days=n + 1)), Ledger(url) as ledger:
            name = type(step).model_fields["type"].default
            try:
                receipt = ledger.execute([step])
            except LedgerError:
                event(f"refused {name}")
                continue
            event(f"recorded {name}")
            if not isinstance(step, RetractEvent | CarryForward | WithdrawAllocation):
                recorded.extend(receipt.event_ids[:1])
            if isinstance(step, AllocateFunds):
                made[step.rows[0].allocation] = step.effective
    with Ledger(url) as ledger:
        events = all_events(ledger)
        history = [e for e in events if e.originator_id == fund_id("csf")]
        days = edge_days([e for e in history if isinstance(e, FundEvent)])
        moments = [m for m in edge_moments(history) if m is None or m >= start]
        for rebuilt in (False, True):
            if rebuilt:
                ledger.rebuild_projections()
            for known_at in moments:
                for day in days:
                    expected = replay.budget(events, "csf", day, known_at)
                    got = budget.position_on(ledger.db, "csf", day, known_at_text(known_at))
                    assert _plain(got) == _plain(expected), (day, known_at)
                    _never_below_zero(got, (day, known_at))
            # The answers a user sees, now, agree with the replay too.
            for day in days:
                expected = replay.budget(events, "csf", day)
                report = ledger.budget("csf", day)
                if expected is None:
                    assert report.years == []
                    continue
                assert [(y.year, y.available.pence) for y in report.years] == [
                    (y.year, y.available) for y in expected.years
                ]
                assert [(a.allocation, a.balance.pence) for a in report.allocations] == [
                    (a.allocation, a.balance) for a in expected.allocations
                ]
        assert in_force(history)  # the fund itself is never retracted here


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_budget_matches_a_plain_replay_and_never_goes_below_zero_on_sqlite(
    data: st.DataObject,
) -> None:
    on_sqlite(run_history, data)


@pytest.mark.postgres
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_budget_matches_a_plain_replay_and_never_goes_below_zero_on_postgresql(
    data: st.DataObject,
) -> None:
    on_postgres(run_history, data)
