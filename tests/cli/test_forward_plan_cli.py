"""The forward plan at the command line: ``ledger decisions BODY --pending``, what a
clerk checks before acting on a decision."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from ledger.application import Ledger
from ledger.cli.main import cli
from ledger.domain.rules import RunsFrom
from tests.cli.test_decisions_cli import ok, run
from tests.integration.test_decisions import STANDARD, setting
from tests.integration.test_forward_plan import CHRISTMAS, call_in, decided_at, quorate_meeting

MONDAY = date(2024, 12, 16)


@pytest.fixture
def clerk(ledger_url: str) -> str:
    """Two decisions open to call-in from publication: one published on 19 December 2024,
    one not yet; and one, recorded on 20 December, published on the 19th and taking effect
    on 6 January 2025."""
    with Ledger(ledger_url) as ledger:
        with freeze_time("2024-12-01 09:00:00"):
            ledger.execute(
                [
                    *setting(*STANDARD, call_in(5, RunsFrom.PUBLICATION)),
                    *quorate_meeting(MONDAY),
                    *decided_at(MONDAY, published=CHRISTMAS),
                    *quorate_meeting(CHRISTMAS),
                    *decided_at(CHRISTMAS),
                ]
            )
        with freeze_time("2024-12-20 09:00:00"):
            ledger.execute(
                decided_at(
                    CHRISTMAS,
                    "wg-2024-12-19-1b",
                    published=CHRISTMAS,
                    takes_effect=date(2025, 1, 6),
                )
            )
    return ledger_url


def test_the_forward_plan_shows_each_pending_decision_and_why(clerk: str) -> None:
    out = ok(clerk, "decisions wg --pending --on 2024-12-23")

    assert out.splitlines()[0].strip() == "Forward plan on 2024-12-23"
    for heading in ("motion", "takes effect", "call in ends", "why", "valid"):
        assert heading in out
    lines = {line.split()[1]: line for line in out.splitlines() if "wg-2024-12-" in line}
    assert sorted(lines) == ["wg-2024-12-16-1a", "wg-2024-12-19-1a", "wg-2024-12-19-1b"]
    assert "2024-12-30" in lines["wg-2024-12-16-1a"]
    assert "awaiting publication" in lines["wg-2024-12-19-1a"]
    assert "2025-01-06" in lines["wg-2024-12-19-1b"]
    assert all("valid" in line for line in lines.values())


def test_the_json_is_the_same_documents(clerk: str) -> None:
    plan = json.loads(ok(clerk, "decisions wg --pending --on 2024-12-31 --json"))

    assert [d["motion"] for d in plan] == ["wg-2024-12-19-1a", "wg-2024-12-19-1b"]
    unpublished, later = plan
    assert unpublished["awaiting_publication"] is True
    assert unpublished["call_in_ends"] is None
    assert unpublished["call_in_rule"] == "decisions"
    assert unpublished["valid"] is True
    assert unpublished["findings"] == []
    assert later["why"] == "takes effect on 2025-01-06"
    assert later["takes_effect"] == "2025-01-06"


def test_the_plan_is_for_today_and_known_at_leaves_out_what_came_later(clerk: str) -> None:
    with freeze_time("2024-12-23 10:00:00"):
        today = json.loads(ok(clerk, "decisions --pending --json"))
    assert len(today) == 3
    earlier = json.loads(
        ok(clerk, "decisions wg --pending --on 2024-12-23 --known-at 2024-12-19 --json")
    )
    assert [d["motion"] for d in earlier] == ["wg-2024-12-16-1a", "wg-2024-12-19-1a"]
    with freeze_time("2025-06-01 10:00:00"):
        # Months on, the unpublished decision still awaits its publication.
        assert "wg-2024-12-19-1a" in ok(clerk, "decisions wg --pending")


MISTAKES = [
    ("decisions wg --pending --from 2024-01-01", "--pending does not go with --from"),
    (
        "decisions wg --pending --to 2024-12-31 --invalid",
        "--pending does not go with --to, --invalid",
    ),
    ("decisions wg --on 2024-12-23", "--on goes with --pending"),
    ("decisions wg --pending --on 2024-13-01", "'2024-13-01' is not a real date"),
    ("decisions nobody --pending", "unknown body 'nobody'"),
]


@pytest.mark.parametrize(("line", "message"), MISTAKES, ids=[m for _, m in MISTAKES])
def test_mistakes_get_one_clear_line(clerk: str, line: str, message: str) -> None:
    code, out = run(clerk, line)
    assert code != 0
    lines = [x for x in out.splitlines() if x.strip()]
    assert len(lines) == 1, out
    assert message in lines[0]


def test_nothing_pending_says_so(ledger_url: str) -> None:
    with Ledger(ledger_url) as ledger:
        ledger.execute(setting())
    assert (
        ok(ledger_url, "decisions wg --pending --on 2024-03-15").strip() == "no decisions pending"
    )
    assert json.loads(ok(ledger_url, "decisions --pending --on 2024-03-15 --json")) == []


def test_the_help_shows_the_forward_plan() -> None:
    result = CliRunner().invoke(cli, ["decisions", "--help"])
    assert "ledger decisions wg --pending --on 2024-12-23" in result.output


def test_tor_show_gives_the_call_in_rule_in_words(clerk: str) -> None:
    out = ok(clerk, "tor show wg --section decisions --on 2024-12-23")
    assert (
        "Rule: a decision may be called in within 5 working days of its publication "
        "[machine-checked]" in out
    )
