"""Funds at the command line: a clerk records the money, a treasurer asks the position."""

from __future__ import annotations

import json
import shlex

import pytest
from click.testing import CliRunner

from ledger.application import Ledger
from ledger.cli.main import cli
from tests.cli.test_decisions_cli import count, ok, run
from tests.integration.test_funds import INQUORATE, VALID, decisions


@pytest.fixture
def clerk(ledger_url: str) -> str:
    with Ledger(ledger_url) as ledger:
        ledger.execute(decisions())
    ok(
        ledger_url,
        "fund create csf --name 'Community Safety Fund' --body wg --funder 'Kent PCC' "
        "--reference 'Grant offer letter' --effective 2024-03-01",
    )
    ok(
        ledger_url,
        "fund receive csf --year 2024/25 --amount £10,000.00 --source 'Kent PCC' "
        "--effective 2024-04-01",
    )
    return ledger_url


def test_a_clerk_records_allocations_and_spend_and_reads_the_budget(clerk: str) -> None:
    ok(
        clerk,
        "fund allocate csf csf-1 --year 2024/25 --recipient 'Kent Police' --title 'Op Liberty' "
        f"--amount 8,159.50 --effective 2024-05-01 --decision {VALID}",
    )
    ok(clerk, "fund spend csf csf-1 --amount 1234.5 --reference INV-1 --effective 2024-06-01")

    out = ok(clerk, "budget csf --on 2024-11-30")
    assert out.splitlines()[0] == "csf: Community Safety Fund, managed by wg; funded by Kent PCC"
    assert "years run April to March; no carry-forward" in out
    assert "│ 2024/25 │ £10,000.00 │ £0.00   │ £8,159.50 │ £1,234.50 │" in out
    assert "£1,840.50" in out
    assert "│ csf-1      │ 2024/25 │ Kent Police │ Op Liberty │ £8,159.50 │ £1,234.50 │" in out

    report = json.loads(ok(clerk, "budget csf --on 2024-11-30 --json"))
    assert report["total"]["available"] == {"pence": 184050, "text": "£1,840.50"}
    assert report["allocations"][0]["balance"] == {"pence": 692500, "text": "£6,925.00"}

    listed = ok(clerk, "allocations csf --recipient police")
    assert "csf-1" in listed
    assert "£6,925.00" in listed
    assert "Community Safety Fund" in ok(clerk, "funds wg --on 2024-11-30")


def test_the_budget_over_time_is_a_table_of_dates(clerk: str) -> None:
    out = ok(clerk, "budget csf --from 2024-03-01 --to 2024-05-01 --every month")
    assert "│ 2024-03-01 │ £0.00 " in out
    assert "│ 2024-04-01 │ £10,000.00 │" in out
    series = json.loads(ok(clerk, "budget csf --from 2024-03-01 --to 2024-05-01 --json"))
    assert [p["position"]["available"]["pence"] for p in series["points"]] == [0, 1000000, 1000000]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "fund allocate csf csf-9 --year 2024/25 --recipient X --title T --amount 12,000 "
            f"--effective 2024-11-30 --decision {VALID}",
            "Error: allocation of £12,000.00 to X (csf-9) exceeds the £10,000.00 available in "
            "csf for 2024/25 on 2024-11-30 by £2,000.00",
        ),
        (
            "fund spend csf csf-1 --amount £1.234 --effective 2024-06-01",
            "'£1.234' has more than two decimal places",
        ),
        ("fund spend csf csf-1 --amount -5 --effective 2024-06-01", "'-5' is negative"),
        ("fund spend csf csf-1 --amount abc --effective 2024-06-01", "'abc' is not an amount"),
        (
            "fund receive nofund --year 2024/25 --amount 5 --source X --effective 2024-04-01",
            "Error: fund: unknown fund 'nofund' (see 'ledger funds')",
        ),
        (
            "fund receive csf --year 2024/26 --amount 5 --source X --effective 2024-04-01",
            "'2024/26' is not a financial year",
        ),
        (
            "fund allocate csf csf-9 --year 2024/25 --recipient X --title T --amount 12 "
            "--effective 2024-05-01",
            "Error: authority.decision: a fund's allocation must cite the decision",
        ),
        (
            "fund carry-forward csf --year 2024/25 --amount 5 --effective 2025-03-31",
            "Error: csf: its funder does not allow carry-forward",
        ),
        ("budget nofund --on 2024-06-01", "Error: fund: unknown fund 'nofund'"),
        ("budget csf --on 2024-06-01 --from 2024-01-01 --to 2024-02-01", "--on does not go"),
    ],
)
def test_every_refusal_is_one_line_a_non_zero_exit_and_records_nothing(
    clerk: str, line: str, message: str
) -> None:
    before = count(clerk)
    code, out = run(clerk, line)
    assert code != 0
    lines = [x for x in out.splitlines() if x.strip()]
    assert len(lines) == 1, out
    assert message in lines[0]
    assert count(clerk) == before


def test_a_decision_not_validly_made_is_a_warning_on_the_receipt_and_flagged(clerk: str) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            clerk,
            *shlex.split(
                "fund allocate csf csf-1 --year 2024/25 --recipient R --title T --amount 100 "
                f"--effective 2024-05-01 --decision {INQUORATE}"
            ),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"warning: authority.decision: {INQUORATE} was not validly made (quorum:" in (
        result.stderr
    )
    out = ok(clerk, "budget csf --on 2024-06-01")
    assert f"{INQUORATE} (NOT GOOD)" in out
    assert f"  x csf-1: decision {INQUORATE}: NOT GOOD AUTHORITY (quorum:" in out


def test_a_stated_total_accepted_with_its_difference_is_a_note_in_the_budget(
    clerk: str, tmp_path: object
) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "paper.yaml"
    path.write_text(
        "- type: allocate-funds\n"
        "  fund: csf\n"
        "  year: 2024/25\n"
        "  effective: 2024-06-13\n"
        f"  authority: {{decision: {VALID}, paper: 'Kent Community Safety Fund 2024/25'}}\n"
        "  stated_total: '£7,000.00'\n"
        "  accept_difference: true\n"
        "  allocations:\n"
        "    - {allocation: csf-1, recipient: Kent Police, title: Op Liberty, amount: 4000}\n"
        "    - {allocation: csf-2, recipient: KFRS, title: Safe and Well, amount: '2,500'}\n"
    )
    assert "imported 3 event(s)" in ok(clerk, f"import {path}")
    out = ok(clerk, "budget csf --on 2024-07-01")
    assert (
        "note: 2024/25: the stated total of allocations (2024-06-13) is £7,000.00, the rows "
        "add up to £6,500.00: a difference of £500.00, accepted as stated" in out
    )
