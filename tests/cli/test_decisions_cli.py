"""Motions and decisions at the command line: a clerk records them, a scrutiny member
asks whether each was validly made."""

from __future__ import annotations

import json
import shlex

import pytest
from click.testing import CliRunner

from ledger.application import Ledger
from ledger.cli.main import cli
from tests.integration.test_decisions import setting

MOTION = "wg-2024-03-14-5a"
PROPOSE = (
    f"motion propose {MOTION} --meeting wg-2024-03-14 --item 5 --text 'To fund the bid' "
    "--mover k-jones --seconder h-green"
)


def run(db: str, line: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", db, *shlex.split(line)], catch_exceptions=False)
    return result.exit_code, result.output


def ok(db: str, line: str) -> str:
    code, out = run(db, line)
    assert code == 0, out
    return out


def count(db: str) -> int:
    with Ledger(db) as ledger:
        return ledger.count()


@pytest.fixture
def clerk(ledger_url: str) -> str:
    with Ledger(ledger_url) as ledger:
        ledger.execute(setting())
    return ledger_url


def test_a_motion_moved_and_carried_on_a_show_of_hands_is_valid(clerk: str) -> None:
    ok(clerk, PROPOSE)
    ok(
        clerk,
        f"motion decide {MOTION} carried --by show-of-hands --yes 3 --no 1 --resolution 'Funded.'",
    )

    out = ok(clerk, f"decision {MOTION}")
    assert out.splitlines()[0] == f"{MOTION} (carried by show-of-hands): VALID"
    assert "moved by k-jones, seconded by h-green" in out
    assert "requirement (section decisions): decisions by simple-majority" in out
    report = json.loads(ok(clerk, f"decision {MOTION} --json"))
    assert report["valid"] is True
    assert report["findings"] == []

    listed = ok(clerk, "decisions wg")
    assert MOTION in listed
    assert "valid" in listed
    assert json.loads(ok(clerk, "decisions wg --invalid --json")) == []


def test_a_recorded_vote_with_a_wrong_substitute_is_invalid_and_listed_as_such(clerk: str) -> None:
    ok(clerk, PROPOSE + " --requires 2/3")
    ok(
        clerk,
        f"motion decide {MOTION} carried --by recorded-vote --vote c-hart=yes "
        "--vote t-tate=yes --vote h-green=no",
    )
    out = ok(clerk, f"decision {MOTION}")
    assert out.splitlines()[0] == f"{MOTION} (carried by recorded-vote): NOT VALIDLY MADE"
    assert (
        "  x vote (rule: presence) [t-tate]: a vote by t-tate: t-tate is not the named "
        "substitute for kcc (Sam Brinson is)" in out
    )
    report = json.loads(ok(clerk, f"decision {MOTION} --json"))
    assert report["valid"] is False
    assert [f["check"] for f in report["findings"]] == ["vote"]
    invalid = json.loads(ok(clerk, "decisions --invalid --json"))
    assert [d["motion"] for d in invalid] == [MOTION]


MISTAKES = [
    (PROPOSE.replace("--item 5", "--item 9"), "item: wg-2024-03-14 has no agenda item 9"),
    (PROPOSE.replace("wg-2024-03-14 ", "wg-2030-01-01 "), "unknown meeting 'wg-2030-01-01'"),
    (PROPOSE + " --requires 2/x", "'2/x' is not a fraction"),
    (f"motion decide {MOTION} carried --by show-of-hands --yes 1", "unknown motion"),
    (f"motion decide {MOTION} carried --by ballot --vote k-jones", "is not PERSON=OPTION"),
    (f"decision {MOTION}", f"unknown motion '{MOTION}'"),
]


@pytest.mark.parametrize(("line", "message"), MISTAKES, ids=[m for _, m in MISTAKES])
def test_mistakes_get_one_clear_line_and_record_nothing(
    clerk: str, line: str, message: str
) -> None:
    before = count(clerk)
    code, out = run(clerk, line)
    assert code != 0
    lines = [x for x in out.splitlines() if x.strip()]
    assert len(lines) == 1, out
    assert message in lines[0]
    assert count(clerk) == before


def test_a_vote_that_does_not_add_up_or_a_second_outcome_is_one_line(clerk: str) -> None:
    ok(clerk, PROPOSE)
    before = count(clerk)
    code, out = run(
        clerk,
        f"motion decide {MOTION} carried --by recorded-vote --vote c-hart=yes --yes 2 --no 0",
    )
    assert code != 0
    assert len(out.strip().splitlines()) == 1, out
    assert "do not add up to the votes listed" in out
    code, out = run(clerk, f"motion decide {MOTION} carried --by recorded-vote --vote z-nobody=yes")
    assert code != 0
    assert "votes.0.person: 'z-nobody' is not recorded" in out
    assert count(clerk) == before
    ok(clerk, f"motion decide {MOTION} lost --by show-of-hands --yes 1 --no 3")
    code, out = run(clerk, f"motion decide {MOTION} carried --by show-of-hands --yes 3 --no 1")
    assert code != 0
    assert "already has an outcome (lost)" in out


def test_every_decision_command_has_an_example_in_its_help() -> None:
    for line in ("motion propose", "motion decide", "decision", "decisions"):
        result = CliRunner().invoke(cli, [*line.split(), "--help"])
        assert "Example:" in result.output, line
