"""The forward plan (``ledger decisions --pending``): decisions still pending on a date,
because they take effect later or because they may still be called in.

The Working Group of ``test_decisions`` decides at its 14 March 2024 meeting and at
meetings over Easter, the early May bank holiday and Christmas 2024, where five of its
responsible authorities attend (a quorum is four).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from freezegun import freeze_time
from pydantic import ValidationError

from ledger.application import Ledger
from ledger.domain.commands import Command
from ledger.domain.decision import DecideMotion, How, Outcome
from ledger.domain.errors import NotFound, RuleViolation
from ledger.domain.rules import CallIn, RunsFrom
from ledger.domain.tor import InsertSection, SectionText
from tests.integration.test_decisions import STANDARD, hands, motion, setting
from tests.integration.test_quorum import attend, held, meeting

PRESENT = [
    ("c-hart", "Chief Inspector Hart"),
    ("k-jones", "Kim Jones"),
    ("m-shah", "Mo Shah"),
    ("h-green", "Hal Green"),
    ("f-white", "Fay White"),
]


def quorate_meeting(day: date) -> list[Command]:
    """A meeting of the Working Group on ``day`` with one item, five authorities there."""
    slug = f"wg-{day.isoformat()}"
    return [*meeting("wg", day, items=1), *(attend(slug, p, n) for p, n in PRESENT), held(slug)]


def decided_at(day: date, slug: str | None = None, **decision: Any) -> list[Command]:
    """A motion at item 1 of the meeting on ``day``, carried 3 to 1."""
    slug = slug or f"wg-{day.isoformat()}-1a"
    key = decision.pop("key_decision", False)
    return [
        motion(slug, "1", meeting=f"wg-{day.isoformat()}", key_decision=key),
        hands(3, 1, slug=slug, **decision),
    ]


def call_in(days: int = 5, runs_from: RunsFrom = RunsFrom.MEETING, **f: Any) -> CallIn:
    return CallIn(working_days=days, runs_from=runs_from, **f)


def pending(ledger: Ledger, on: date | None = None, **kw: Any) -> dict[str, str]:
    """Each pending decision's motion and why it is pending."""
    return {d.motion: d.why for d in ledger.forward_plan("wg", on, **kw)}


CHRISTMAS = date(2024, 12, 19)  # a Thursday; 25 and 26 December are bank holidays
EASTER = date(2024, 3, 28)  # Maundy Thursday; Good Friday and Easter Monday follow
EARLY_MAY = date(2024, 5, 2)  # a Thursday; Monday 6 May is the early May bank holiday


def test_a_decision_is_pending_until_the_day_it_takes_effect(ledger: Ledger) -> None:
    ledger.execute([*setting(), motion(), hands(3, 1, takes_effect=date(2024, 4, 1))])

    [row] = ledger.forward_plan("wg", date(2024, 3, 31))
    assert (row.motion, row.outcome, row.takes_effect) == (
        "wg-2024-03-14-5a",
        "carried",
        "2024-04-01",
    )
    assert row.why == "takes effect on 2024-04-01"
    assert (row.call_in_rule, row.call_in_ends, row.awaiting_publication) == (None, None, False)
    assert row.valid is True
    assert row.findings == []
    assert pending(ledger, date(2024, 4, 1)) == {}
    # Before its meeting the decision had not been made: it is not on the plan.
    assert pending(ledger, date(2024, 3, 13)) == {}


def test_call_in_from_the_meeting_skips_christmas_and_the_weekend(ledger: Ledger) -> None:
    ledger.execute(
        [*setting(*STANDARD, call_in(5)), *quorate_meeting(CHRISTMAS), *decided_at(CHRISTMAS)]
    )

    # 20 (Fri), 23 (Mon), 24 (Tue), 27 (Fri), 30 December (Mon): the fifth working day.
    [row] = ledger.forward_plan("wg", date(2024, 12, 27))
    assert row.call_in_rule == "decisions"
    assert row.call_in == "a decision may be called in within 5 working days of the meeting"
    assert row.call_in_ends == "2024-12-30"
    assert row.why == "open to call-in until 2024-12-30 (5 working days from the meeting)"
    assert row.valid is True
    assert list(pending(ledger, CHRISTMAS)) == ["wg-2024-12-19-1a"]
    assert list(pending(ledger, date(2024, 12, 30))) == ["wg-2024-12-19-1a"]
    assert pending(ledger, date(2024, 12, 31)) == {}


@pytest.mark.parametrize(
    ("meeting_day", "days", "last_day"),
    [
        (EASTER, 5, date(2024, 4, 8)),  # 2, 3, 4, 5, 8 April: not 29 March nor 1 April
        (EASTER, 1, date(2024, 4, 2)),
        (EARLY_MAY, 5, date(2024, 5, 10)),  # 3, 7, 8, 9, 10 May: not Monday 6 May
    ],
)
def test_call_in_from_the_meeting_skips_the_bank_holidays_of_spring(
    ledger: Ledger, meeting_day: date, days: int, last_day: date
) -> None:
    ledger.execute(
        [
            *setting(*STANDARD, call_in(days)),
            *quorate_meeting(meeting_day),
            *decided_at(meeting_day),
        ]
    )

    [row] = ledger.forward_plan("wg", last_day)
    assert row.call_in_ends == last_day.isoformat()
    assert pending(ledger, date.fromordinal(last_day.toordinal() + 1)) == {}


def test_call_in_from_publication_and_awaiting_publication(ledger: Ledger) -> None:
    monday = date(2024, 12, 16)
    ledger.execute(
        [
            *setting(*STANDARD, call_in(5, RunsFrom.PUBLICATION)),
            *quorate_meeting(monday),
            *decided_at(monday, published=CHRISTMAS),
            *quorate_meeting(CHRISTMAS),
            *decided_at(CHRISTMAS),  # no publication recorded
        ]
    )

    plan = {d.motion: d for d in ledger.forward_plan("wg", date(2024, 12, 30))}
    published, unpublished = plan["wg-2024-12-16-1a"], plan["wg-2024-12-19-1a"]
    assert (
        published.call_in == "a decision may be called in within 5 working days of its publication"
    )
    assert (published.published, published.call_in_ends) == ("2024-12-19", "2024-12-30")
    assert published.why == ("open to call-in until 2024-12-30 (5 working days from publication)")
    assert (unpublished.call_in_ends, unpublished.awaiting_publication) == (None, True)
    assert unpublished.why == "awaiting publication, then open to call-in for 5 working days"

    # Before its publication, the first was awaiting it too, its period already known.
    early = {d.motion: d for d in ledger.forward_plan("wg", date(2024, 12, 17))}
    assert early["wg-2024-12-16-1a"].awaiting_publication is True
    assert early["wg-2024-12-16-1a"].why == (
        "to be published on 2024-12-19, then open to call-in until 2024-12-30"
    )
    # After the period, only the unpublished decision is still pending, however long.
    assert list(pending(ledger, date(2025, 6, 1))) == ["wg-2024-12-19-1a"]


def test_call_in_for_key_decisions_only_passes_over_other_decisions(ledger: Ledger) -> None:
    ledger.execute(
        [
            *setting(*STANDARD, call_in(5, key_decisions_only=True)),
            *quorate_meeting(CHRISTMAS),
            *decided_at(CHRISTMAS, "wg-2024-12-19-1a", key_decision=True),
            *decided_at(CHRISTMAS, "wg-2024-12-19-1b"),
            *decided_at(CHRISTMAS, "wg-2024-12-19-1c", takes_effect=date(2025, 1, 6)),
        ]
    )

    plan = {d.motion: d for d in ledger.forward_plan("wg", date(2024, 12, 23))}
    assert sorted(plan) == ["wg-2024-12-19-1a", "wg-2024-12-19-1c"]
    key = plan["wg-2024-12-19-1a"]
    assert key.key_decision is True
    assert key.call_in == "a key decision may be called in within 5 working days of the meeting"
    other = plan["wg-2024-12-19-1c"]
    assert (other.why, other.call_in_rule, other.call_in_ends) == (
        "takes effect on 2025-01-06",
        None,
        None,
    )


def test_a_decision_taking_effect_later_and_open_to_call_in_gives_both_reasons(
    ledger: Ledger,
) -> None:
    ledger.execute(
        [
            *setting(*STANDARD, call_in(5)),
            *quorate_meeting(CHRISTMAS),
            *decided_at(CHRISTMAS, takes_effect=date(2025, 1, 6)),
        ]
    )

    assert pending(ledger, date(2024, 12, 20)) == {
        "wg-2024-12-19-1a": "takes effect on 2025-01-06; "
        "open to call-in until 2024-12-30 (5 working days from the meeting)"
    }
    [row] = ledger.forward_plan("wg", date(2025, 1, 2))
    assert (row.why, row.call_in_ends) == ("takes effect on 2025-01-06", "2024-12-30")


def test_a_lost_deferred_or_withdrawn_motion_is_never_pending(ledger: Ledger) -> None:
    ledger.execute(
        [
            *setting(*STANDARD, call_in(5)),
            motion(),
            hands(1, 3, outcome=Outcome.LOST, takes_effect=date(2024, 4, 1)),
            motion("wg-2024-03-14-5b", text="To defer the bid"),
            DecideMotion(motion="wg-2024-03-14-5b", outcome=Outcome.DEFERRED),
            motion("wg-2024-03-14-5c", text="To note the bid"),
            DecideMotion(motion="wg-2024-03-14-5c", outcome=Outcome.NOTED),
            motion("wg-2024-03-14-5d", text="Not yet decided"),
        ]
    )

    assert pending(ledger, date(2024, 3, 15)) == {}


def test_an_agreed_decision_made_at_an_inquorate_item_is_pending_and_not_valid(
    ledger: Ledger,
) -> None:
    ledger.execute(
        [
            *setting(*STANDARD, call_in(5)),
            motion("wg-2024-03-14-3a", item="3", text="To note the report"),
            DecideMotion(motion="wg-2024-03-14-3a", outcome=Outcome.AGREED, method=How.CONSENSUS),
        ]
    )

    [row] = ledger.forward_plan("wg", date(2024, 3, 21))  # 15, 18, 19, 20, 21 March
    assert (row.motion, row.outcome, row.call_in_ends) == (
        "wg-2024-03-14-3a",
        "agreed",
        "2024-03-21",
    )
    assert row.valid is False
    assert [f.check for f in row.findings] == ["quorum"]


def test_the_call_in_rule_is_the_one_in_force_on_the_meetings_date(ledger: Ledger) -> None:
    june = date(2024, 6, 1)
    ledger.execute(
        [
            *setting(),
            InsertSection(
                body="wg",
                effective=june,
                section=SectionText(
                    id="call-in",
                    number="8",
                    heading="CALL-IN",
                    text="A decision may be called in within 5 working days of the meeting.",
                    rules=[call_in(5)],
                ),
            ),
            motion(),
            hands(3, 1),
            *quorate_meeting(CHRISTMAS),
            *decided_at(CHRISTMAS),
        ]
    )

    # March's decision was made before the rule: it was never open to call-in.
    assert pending(ledger, date(2024, 3, 15)) == {}
    [row] = ledger.forward_plan("wg", date(2024, 12, 20))
    assert (row.motion, row.call_in_rule) == ("wg-2024-12-19-1a", "call-in")


def test_known_at_leaves_out_a_decision_recorded_later(ledger: Ledger) -> None:
    with freeze_time("2024-12-01 09:00:00"):
        ledger.execute([*setting(*STANDARD, call_in(5)), *quorate_meeting(CHRISTMAS)])
    with freeze_time("2024-12-20 09:00:00"):
        ledger.execute(decided_at(CHRISTMAS))

    before = datetime(2024, 12, 19, 23, 59, tzinfo=UTC)
    assert pending(ledger, date(2024, 12, 23), known_at=before) == {}
    assert list(pending(ledger, date(2024, 12, 23))) == ["wg-2024-12-19-1a"]


def test_the_plan_is_for_today_by_the_ledgers_clock(ledger: Ledger) -> None:
    with freeze_time("2024-12-01 09:00:00"):
        ledger.execute(
            [*setting(*STANDARD, call_in(5)), *quorate_meeting(CHRISTMAS), *decided_at(CHRISTMAS)]
        )

    with freeze_time("2024-12-30 16:00:00"):
        assert list(pending(ledger)) == ["wg-2024-12-19-1a"]
        assert [d.motion for d in ledger.forward_plan()] == ["wg-2024-12-19-1a"]
    with freeze_time("2024-12-31 09:00:00"):
        assert pending(ledger) == {}


def test_an_unknown_body_is_refused(ledger: Ledger) -> None:
    ledger.execute(setting())
    with pytest.raises(NotFound, match="unknown body 'nobody'"):
        ledger.forward_plan("nobody", date(2024, 3, 15))


@pytest.mark.parametrize(
    "fields",
    [
        {"working_days": 0, "runs_from": "meeting"},
        {"working_days": 61, "runs_from": "meeting"},
        {"working_days": True, "runs_from": "meeting"},
        {"working_days": "5", "runs_from": "meeting"},
        {"working_days": 5},
        {"working_days": 5, "runs_from": "decision"},
        {"working_days": 5, "runs_from": "meeting", "key_decisions_only": "yes"},
    ],
)
def test_a_call_in_rule_is_held_to_its_fields(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CallIn.model_validate({"kind": "call-in", **fields})


def test_a_call_in_rule_in_words_and_only_one_at_a_time(ledger: Ledger) -> None:
    one = call_in(1, RunsFrom.PUBLICATION, key_decisions_only=True)
    assert (
        one.describe() == "a key decision may be called in within 1 working day of its publication"
    )
    second = InsertSection(
        body="wg",
        effective=date(2024, 6, 1),
        section=SectionText(
            id="call-in", number="8", heading="CALL-IN", text="Ten days.", rules=[call_in(10)]
        ),
    )
    with pytest.raises(RuleViolation, match="'decisions' and 'call-in' would both set the call-in"):
        ledger.execute([*setting(*STANDARD, one), second])
