"""Funds: the budget position on any date, and allocations that can never overspend.

The fund is the Working Group's Community Safety Fund (``csf``), managed by ``wg``
(``test_decisions``), whose meeting of 14 March 2024 carried ``5a`` validly (item 5, a
financial item), carried ``3a`` at an inquorate item, and lost ``4a``.  Every refusal
is one line naming the entry and the figures, and records nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from ledger.application import Ledger
from ledger.domain.body import EstablishBody
from ledger.domain.commands import Command
from ledger.domain.corrections import CorrectEvent, RetractEvent
from ledger.domain.decision import Outcome
from ledger.domain.errors import LedgerError, NotFound, RuleViolation, ValidationError
from ledger.domain.events import Authority
from ledger.domain.fund_commands import (
    AllocateFunds,
    CarryForward,
    CreateFund,
    ReceiveIncome,
    RecordSpend,
    ReduceIncome,
    ReturnUnderspend,
    VaryAllocation,
    VireFunds,
    WithdrawAllocation,
)
from tests.integration.test_decisions import hands, motion, setting

VALID = "wg-2024-03-14-5a"
INQUORATE = "wg-2024-03-14-3a"
LOST = "wg-2024-03-14-4a"
YEAR = "2024/25"


def by(decision: str = VALID) -> Authority:
    return Authority(decision=decision)


def decisions() -> list[Command]:
    return [
        *setting(),
        motion(),
        hands(3, 1),
        motion(INQUORATE, item="3"),
        hands(3, 0, slug=INQUORATE),
        motion(LOST, item="4"),
        hands(1, 3, outcome=Outcome.LOST, slug=LOST),
    ]


def create(**fields: Any) -> CreateFund:
    values: dict[str, Any] = {
        "fund": "csf",
        "name": "Community Safety Fund",
        "body": "wg",
        "funders": ["Kent Police and Crime Commissioner"],
        "reference": "Grant offer letter 2024/25",
        "effective": date(2024, 3, 1),
    }
    return CreateFund(**{**values, **fields})


def income(amount: Any = "£10,000.00", day: date = date(2024, 4, 1), **f: Any) -> ReceiveIncome:
    return ReceiveIncome(
        fund="csf", year=f.pop("year", YEAR), source="Kent PCC", amount=amount, effective=day, **f
    )


def allocate(
    slug: str, amount: Any, day: date = date(2024, 5, 1), decision: str = VALID, **f: Any
) -> AllocateFunds:
    return AllocateFunds(
        fund="csf",
        year=f.pop("year", YEAR),
        allocation=slug,
        recipient=f.pop("recipient", "Kent Police"),
        title=f.pop("title", "Op Liberty"),
        amount=amount,
        effective=day,
        authority=by(decision),
        **f,
    )


def spend(slug: str, amount: Any, day: date = date(2024, 6, 1)) -> RecordSpend:
    return RecordSpend(fund="csf", allocation=slug, amount=amount, effective=day)


def fund(ledger: Ledger, *more: Command, **fields: Any) -> None:
    ledger.execute([*decisions(), create(**fields), income(), *more])


def refused(
    ledger: Ledger, commands: list[Command], kind: type[LedgerError] = RuleViolation
) -> str:
    before = ledger.head(), ledger.count()
    with pytest.raises(kind) as caught:
        ledger.execute(commands)
    assert (ledger.head(), ledger.count()) == before  # all or nothing
    message = str(caught.value)
    assert "\n" not in message
    return message


def figures(ledger: Ledger, on: date, year: str | None = YEAR) -> dict[str, int]:
    report = ledger.budget("csf", on, year=year)
    t = report.total
    return {
        "received": t.received.pence,
        "allocated": t.allocated.pence,
        "spent": t.spent.pence,
        "available": t.available.pence,
    }


# --- the position on a date ----------------------------------------------------------


def test_the_budget_position_on_a_date_per_year_and_in_total(ledger: Ledger) -> None:
    fund(
        ledger,
        allocate("csf-1", "8,000"),
        spend("csf-1", "1,234.50"),
        income("£5,000", date(2025, 4, 1), year="2025/26"),
    )

    assert figures(ledger, date(2024, 3, 31)) == {
        "received": 0,
        "allocated": 0,
        "spent": 0,
        "available": 0,
    }
    assert figures(ledger, date(2024, 12, 1)) == {
        "received": 1_000_000,
        "allocated": 800_000,
        "spent": 123_450,
        "available": 200_000,
    }
    report = ledger.budget("csf", date(2025, 4, 1))
    assert [y.year for y in report.years] == ["2024/25", "2025/26"]
    assert report.total.received.text == "£15,000.00"
    assert report.total.available.text == "£7,000.00"
    [allocation] = report.allocations
    assert (allocation.allocation, allocation.balance.text) == ("csf-1", "£6,765.50")
    assert allocation.authority_good is True
    assert report.fund.years_run == "April to March"


def test_the_position_over_time_is_one_row_per_month(ledger: Ledger) -> None:
    fund(ledger, allocate("csf-1", "8,000"))

    series = ledger.budget_series("csf", date(2024, 3, 1), date(2024, 6, 1), every="month")

    assert [(p.on, p.position.available.text) for p in series.points] == [
        ("2024-03-01", "£0.00"),
        ("2024-04-01", "£10,000.00"),
        ("2024-05-01", "£2,000.00"),
        ("2024-06-01", "£2,000.00"),
    ]


def test_funds_and_allocations_are_listed_by_body_year_and_recipient(ledger: Ledger) -> None:
    fund(
        ledger,
        allocate("csf-1", 4000),
        allocate("csf-2", 1000, recipient="Kent Fire and Rescue Service"),
    )

    [summary] = ledger.funds("wg", date(2024, 6, 1))
    assert (summary.fund.fund, summary.total.available.text) == ("csf", "£5,000.00")
    assert [a.allocation for a in ledger.allocations("csf", date(2024, 6, 1))] == ["csf-1", "csf-2"]
    fire = ledger.allocations("csf", date(2024, 6, 1), recipient="fire")
    assert [a.allocation for a in fire] == ["csf-2"]
    with pytest.raises(ValidationError, match="its years run April to March: write 2024/25"):
        ledger.allocations("csf", date(2024, 6, 1), year="2024")
    with pytest.raises(NotFound, match="unknown fund 'nofund'"):
        ledger.budget("nofund", date(2024, 6, 1))


# --- never below zero ----------------------------------------------------------------


def test_an_over_allocation_is_refused_with_the_figures(ledger: Ledger) -> None:
    fund(ledger, allocate("csf-1", "8,159.50"))

    message = refused(ledger, [allocate("csf-2", "2,500", date(2024, 11, 30), recipient="X")])

    assert message == (
        "allocation of £2,500.00 to X (csf-2) exceeds the £1,840.50 available in csf "
        "for 2024/25 on 2024-11-30 by £659.50"
    )


def test_an_allocation_before_the_income_arrives_is_refused(ledger: Ledger) -> None:
    fund(ledger)
    message = refused(ledger, [allocate("csf-1", 100, date(2024, 3, 20))])
    assert "exceeds the £0.00 available in csf for 2024/25 on 2024-03-20 by £100.00" in message


def test_a_backdated_reduction_that_leaves_an_allocation_uncovered_is_refused_naming_it(
    ledger: Ledger,
) -> None:
    fund(ledger, allocate("csf-1", "8,000"))

    message = refused(
        ledger,
        [
            ReduceIncome(
                fund="csf", year=YEAR, amount=3000, reason="cut", effective=date(2024, 4, 15)
            )
        ],
    )

    assert message == (
        "income reduction of £3,000.00 for 2024/25 on 2024-04-15 leaves allocation of "
        "£8,000.00 to Kent Police (csf-1) on 2024-05-01 uncovered: csf would have -£1,000.00 "
        "available for 2024/25 on 2024-05-01 (£1,000.00 short)"
    )


def test_spend_beyond_an_allocations_balance_is_refused(ledger: Ledger) -> None:
    fund(ledger, allocate("csf-1", "8,000"), spend("csf-1", 5000))

    message = refused(ledger, [spend("csf-1", "3,000.01", date(2024, 7, 1))])

    assert message == (
        "payment of £3,000.01 against csf-1 exceeds the £3,000.00 unspent on csf-1 on "
        "2024-07-01 by £0.01"
    )


def test_a_backdated_spend_before_a_withdrawal_is_refused_when_the_release_is_relied_on(
    ledger: Ledger,
) -> None:
    # csf-1 is withdrawn with £8,000 unspent, which csf-2 then takes.
    fund(
        ledger,
        allocate("csf-1", 8000),
        WithdrawAllocation(fund="csf", allocation="csf-1", effective=date(2024, 7, 1)),
        allocate("csf-2", 10000, date(2024, 8, 1)),
    )
    assert figures(ledger, date(2024, 8, 1))["available"] == 0

    message = refused(ledger, [spend("csf-1", 100, date(2024, 6, 1))])
    assert message.startswith("payment of £100.00 against csf-1 on 2024-06-01 leaves allocation")
    assert "(csf-2) on 2024-08-01 uncovered" in message


def test_variations_virements_returns_and_withdrawals_move_the_money(ledger: Ledger) -> None:
    fund(
        ledger,
        allocate("csf-1", 6000),
        allocate("csf-2", 2000),
        spend("csf-1", 1000),
        VaryAllocation(
            fund="csf",
            allocation="csf-1",
            amount=5000,
            effective=date(2024, 7, 1),
            authority=by(),
        ),
        VireFunds(
            fund="csf",
            from_allocation="csf-1",
            to_allocation="csf-2",
            amount=500,
            effective=date(2024, 8, 1),
            authority=by(),
        ),
        WithdrawAllocation(fund="csf", allocation="csf-2", effective=date(2024, 9, 1)),
        ReturnUnderspend(fund="csf", year=YEAR, amount=1000, effective=date(2025, 4, 30)),
    )

    balances = {
        a.allocation: (a.awarded.pence, a.balance.pence, a.withdrawn)
        for a in ledger.allocations("csf", date(2025, 5, 1))
    }
    assert balances == {"csf-1": (450_000, 350_000, None), "csf-2": (0, 0, "2024-09-01")}
    t = ledger.budget("csf", date(2025, 5, 1)).total
    assert (t.allocated.text, t.returned.text, t.available.text) == (
        "£4,500.00",
        "£1,000.00",
        "£4,500.00",
    )
    message = refused(ledger, [spend("csf-2", 1, date(2024, 10, 1))])
    assert message == "allocation csf-2 was withdrawn on 2024-09-01"


def test_a_retraction_of_income_an_allocation_relies_on_is_refused(ledger: Ledger) -> None:
    ledger.execute([*decisions(), create()])
    receipt = ledger.execute([income()])
    ledger.execute([allocate("csf-1", 8000)])

    message = refused(ledger, [RetractEvent(event=receipt.event_ids[0], reason="wrong fund")])
    assert message.startswith(
        "retracting the income of £10,000.00 from Kent PCC for 2024/25 on 2024-04-01 "
        "leaves allocation of £8,000.00 to Kent Police (csf-1) on 2024-05-01 uncovered"
    )


def test_a_correction_is_held_to_the_same_invariant_and_typed_amounts(ledger: Ledger) -> None:
    ledger.execute([*decisions(), create()])
    receipt = ledger.execute([income()])
    ledger.execute([allocate("csf-1", 8000)])
    event = receipt.event_ids[0]

    message = refused(
        ledger, [CorrectEvent(event=event, changes={"amount": "£7,000"}, reason="letter")]
    )
    assert "correcting the income of £10,000.00" in message
    assert "to income of £7,000.00" in message
    assert "(£1,000.00 short)" in message
    with pytest.raises(ValidationError, match=r"'£1\.234' has more than two decimal places"):
        ledger.execute([CorrectEvent(event=event, changes={"amount": "£1.234"}, reason="x")])
    # An amount in a correction is typed as for recording: a whole number is pounds.
    ledger.execute([CorrectEvent(event=event, changes={"amount": 9000}, reason="the letter")])
    assert figures(ledger, date(2024, 6, 1))["available"] == 100_000


# --- decided properly ------------------------------------------------------------------


def test_a_virement_without_a_decision_is_refused(ledger: Ledger) -> None:
    fund(ledger, allocate("csf-1", 4000), allocate("csf-2", 4000))
    message = refused(
        ledger,
        [
            VireFunds(
                fund="csf",
                from_allocation="csf-1",
                to_allocation="csf-2",
                amount=100,
                effective=date(2024, 6, 1),
            )
        ],
    )
    assert message.startswith("authority.decision: a fund's virement must cite the decision")


def test_an_allocation_citing_a_lost_decision_is_refused(ledger: Ledger) -> None:
    fund(ledger)
    message = refused(ledger, [allocate("csf-1", 100, decision=LOST)])
    assert message == (f"authority.decision: '{LOST}' was lost, not carried: it authorises nothing")


def test_an_allocation_citing_a_decision_of_an_unrelated_body_is_refused(ledger: Ledger) -> None:
    ledger.execute(
        [
            *decisions(),
            EstablishBody(body="other", name="Other", kind="board", effective=date(2020, 1, 1)),
            create(fund="other-fund", body="other"),
            ReceiveIncome(
                fund="other-fund",
                year=YEAR,
                source="x",
                amount=100,
                effective=date(2024, 4, 1),
            ),
        ]
    )
    message = refused(
        ledger,
        [
            AllocateFunds(
                fund="other-fund",
                year=YEAR,
                allocation="o-1",
                recipient="X",
                title="Y",
                amount=10,
                effective=date(2024, 5, 1),
                authority=by(),
            )
        ],
    )
    assert message == (
        f"authority.decision: '{VALID}' is a decision of wg, which does not manage "
        "other-fund: other does"
    )


def test_a_decision_of_the_parent_body_may_allocate_a_sub_groups_fund(ledger: Ledger) -> None:
    ledger.execute(
        [
            *decisions(),
            EstablishBody(
                body="wg-sub",
                name="Sub",
                kind="task-group",
                parent="wg",
                effective=date(2020, 1, 1),
            ),
            create(body="wg-sub"),
            income(),
            allocate("csf-1", 100),
        ]
    )
    assert [a.allocation for a in ledger.allocations("csf", date(2024, 6, 1))] == ["csf-1"]


def test_an_allocation_before_its_decision_is_refused(ledger: Ledger) -> None:
    fund(ledger, income("£1", date(2024, 3, 2), year="2023/24"))
    message = refused(ledger, [allocate("csf-1", 1, date(2024, 3, 10), year="2023/24")])
    assert message == (
        "authority.decision: the allocation of £1.00 to Kent Police (csf-1) takes effect on "
        f"2024-03-10, before {VALID} was decided (2024-03-14)"
    )


def test_a_decision_not_validly_made_is_a_warning_when_recorded_and_flagged_after(
    ledger: Ledger,
) -> None:
    fund(ledger)

    receipt = ledger.execute([allocate("csf-1", 100, decision=INQUORATE)])

    assert receipt.recorded == 1
    assert any(
        w.startswith(f"authority.decision: {INQUORATE} was not validly made (quorum: item 3")
        for w in receipt.warnings
    ), receipt.warnings
    [allocation] = ledger.budget("csf", date(2024, 6, 1)).allocations
    assert allocation.authority_good is False
    assert "NOT GOOD AUTHORITY" in allocation.decisions[0].describe()


def test_a_decision_corrected_to_lost_later_flags_the_allocation_as_known_then(
    ledger: Ledger,
) -> None:
    with freeze_time(datetime(2024, 6, 1, tzinfo=UTC)):
        fund(ledger, allocate("csf-1", 100))
    decided = next(
        e
        for e in ledger.aggregate_events(ledger_motion_id(VALID))
        if e.TOPIC == "motion.decided/v1"
    )
    with freeze_time(datetime(2024, 7, 1, tzinfo=UTC)):
        ledger.execute(
            [
                CorrectEvent(
                    event=str(decided.event_id),
                    changes={"outcome": "lost", "counts": {"yes": 1, "no": 3, "abstain": 0}},
                    reason="miscounted",
                )
            ]
        )

    now = ledger.allocations("csf", date(2024, 6, 1))[0]
    before = ledger.allocations(
        "csf", date(2024, 6, 1), known_at=datetime(2024, 6, 30, tzinfo=UTC)
    )[0]
    assert (now.authority_good, before.authority_good) == (False, True)
    assert "it was lost, not carried" in now.decisions[0].describe()


def ledger_motion_id(slug: str) -> Any:
    from ledger.domain.decision import motion_id

    return motion_id(slug)


# --- the fund's rules and its years --------------------------------------------------


def test_carry_forward_is_refused_where_the_fund_rule_forbids_it(ledger: Ledger) -> None:
    fund(ledger)
    message = refused(
        ledger, [CarryForward(fund="csf", year=YEAR, amount=100, effective=date(2025, 3, 31))]
    )
    assert message == (
        "csf: its funder does not allow carry-forward (the fund's rule); return the "
        "underspend instead (ledger fund return)"
    )


def test_carry_forward_moves_money_into_the_next_year_where_the_funder_allows(
    ledger: Ledger,
) -> None:
    fund(ledger, carry_forward=True)
    early = CarryForward(fund="csf", year=YEAR, amount=100, effective=date(2025, 2, 28))
    assert "on or after 2025-03-01, not 2025-02-28" in refused(ledger, [early])

    ledger.execute(
        [CarryForward(fund="csf", year=YEAR, amount="2,500", effective=date(2025, 3, 31))]
    )
    years = {y.year: y for y in ledger.budget("csf", date(2025, 4, 1)).years}
    assert years["2024/25"].carried_forward.text == "£2,500.00"
    assert years["2024/25"].available.text == "£7,500.00"
    assert years["2025/26"].carried_in.text == "£2,500.00"
    assert years["2025/26"].available.text == "£2,500.00"


def test_a_year_label_the_fund_does_not_use_is_refused(ledger: Ledger) -> None:
    fund(ledger)
    message = refused(ledger, [income(year="2024")])
    assert message == "csf: its years run April to March: write 2024/25, not 2024"


def test_a_fund_may_keep_calendar_years(ledger: Ledger) -> None:
    ledger.execute([*decisions(), create(year_starts=1), income(year="2024")])
    assert ledger.budget("csf", date(2024, 6, 1)).fund.years_run == "January to December"
    assert [y.year for y in ledger.budget("csf", date(2024, 6, 1)).years] == ["2024"]


def test_an_unknown_fund_is_refused(ledger: Ledger) -> None:
    ledger.execute(decisions())
    assert refused(ledger, [income()], NotFound) == "fund: unknown fund 'csf' (see 'ledger funds')"


# --- stated totals -------------------------------------------------------------------


def rows(*amounts: int) -> list[dict[str, Any]]:
    return [
        {"allocation": f"csf-{i}", "recipient": "R", "title": "T", "amount": a}
        for i, a in enumerate(amounts, start=1)
    ]


def paper(**fields: Any) -> AllocateFunds:
    """A paper allocating £4,000 and £2,500 that states its total as £7,000."""
    return AllocateFunds.model_validate(
        {
            "fund": "csf",
            "year": YEAR,
            "effective": "2024-05-01",
            "allocations": rows(4000, 2500),
            "stated_total": "£7,000",
            **fields,
        }
    )


def test_a_stated_total_that_differs_from_the_rows_is_refused_with_both_figures() -> None:
    with pytest.raises(ValueError, match="stated_total") as caught:
        paper()
    assert (
        "stated_total £7,000.00 differs from the sum of the allocations, £6,500.00, by £500.00"
        in str(caught.value)
    )


def test_an_accepted_difference_is_kept_and_shown_as_a_note(ledger: Ledger) -> None:
    fund(ledger)
    ledger.execute([paper(accept_difference=True, authority={"decision": VALID})])

    report = ledger.budget("csf", date(2024, 6, 1))
    assert report.total.allocated.text == "£6,500.00"  # the rows, not the stated total
    [note] = report.notes
    assert (note.what, note.stated.text, note.counted.text, note.difference.text) == (
        "allocations",
        "£7,000.00",
        "£6,500.00",
        "£500.00",
    )


# --- import files --------------------------------------------------------------------


def test_an_import_reads_amounts_exactly_and_refuses_a_yaml_float(
    ledger: Ledger, tmp_path: Path
) -> None:
    ledger.execute([*decisions(), create()])
    good = tmp_path / "income.json"
    good.write_text(
        json.dumps(
            [
                {
                    "type": "receive-income",
                    "fund": "csf",
                    "year": YEAR,
                    "effective": "2024-04-01",
                    "reference": "Grant offer letter",
                    "parts": [
                        {"source": "PCC core", "amount": 39661},
                        {"source": "PCC uplift", "amount": "£1,000.50"},
                    ],
                    "stated_total": "40,661.50",
                }
            ]
        )
    )
    ledger.import_files([good])
    assert figures(ledger, date(2024, 4, 1))["received"] == 4_066_150

    bad = tmp_path / "float.yaml"
    bad.write_text(
        "- {type: record-spend, fund: csf, allocation: a, amount: 39661.50, "
        "effective: 2024-05-01}\n"
    )
    with pytest.raises(ValidationError) as caught:
        ledger.import_files([bad])
    assert str(caught.value) == (
        f"{bad}: entry 1 (record-spend): field 'amount': 39661.5 is a decimal number, which "
        "a file's parser reads inexactly: write the amount as text, e.g. '39661.5' in quotes"
    )


def test_an_import_refusal_names_the_entry_whose_event_broke_the_books(
    ledger: Ledger, tmp_path: Path
) -> None:
    ledger.execute([*decisions(), create()])
    path = tmp_path / "year.yaml"
    path.write_text(
        "- {type: receive-income, fund: csf, year: 2024/25, source: PCC, amount: 1000,"
        " effective: 2024-04-01}\n"
        f"- {{type: allocate-funds, fund: csf, year: 2024/25, allocation: a-1, recipient: R,"
        f" title: T, amount: '1,500', effective: 2024-05-01, authority: {{decision: {VALID}}}}}\n"
        "- {type: record-spend, fund: csf, allocation: a-1, amount: 1, effective: 2024-06-01}\n"
    )
    with pytest.raises(RuleViolation) as caught:
        ledger.import_files([path])
    assert str(caught.value).startswith(f"{path}: entry 2 (allocate-funds): allocation of £1,500")
    with pytest.raises(NotFound):
        ledger.budget("nofund", date(2024, 6, 1))
    assert figures(ledger, date(2024, 6, 1))["received"] == 0  # nothing was recorded
