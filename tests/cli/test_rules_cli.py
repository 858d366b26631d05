"""Voting, roles and quorum requirements at the command line: what a clerk is told when
what they record disagrees with the terms of reference, and what a quorum lacks."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from click.testing import CliRunner, Result

from ledger.cli.main import cli

RULES = """
- type: establish-body
  body: sg
  name: Strategy Group
  kind: strategy-group
  effective: 2020-01-01
- type: adopt-tor
  body: sg
  effective: 2020-01-01
  sections:
    - id: quorum
      number: "4"
      heading: Quorum
      text: Three members, including the Chair or Vice-Chair and at least one elected member.
      rules:
        - kind: quorum
          all_of:
            - {require: minimum, at_least: 3}
            - {require: office-holder, office: chair}
            - {require: role, role: elected-member}
    - id: decision-making
      number: "5"
      heading: Decision making
      text: The responsible authorities vote.
      rules:
        - {kind: voting-eligibility, categories: [responsible-authority]}
    - id: membership
      number: "3"
      heading: Membership
      text: No more than one invitee.
      rules:
        - {kind: membership-limit, category: invitee, at_most: 1}
"""

PORCHLIGHT = (
    "porchlight is recorded as voting, but from 2020-01-01 sg's terms of reference (section "
    "decision-making) let only responsible-authority vote, not co-operating-body: quorum "
    "takes it as non-voting"
)


def invoke(db: str, line: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *shlex.split(line)], catch_exceptions=False)


def ok(db: str, line: str) -> Result:
    result = invoke(db, line)
    assert result.exit_code == 0, result.output
    return result


def the_strategy_group(db: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    ok(db, f"import {rules}")


def test_a_seat_the_voting_rule_contradicts_is_recorded_with_a_warning(
    ledger_url: str, tmp_path: Path
) -> None:
    the_strategy_group(ledger_url, tmp_path)

    added = ok(
        ledger_url,
        "member add sg porchlight --category co-operating-body --effective 2020-01-01",
    )
    assert added.stdout.splitlines()[0] == "recorded 1 event(s) at position 3"
    assert added.stderr.splitlines() == [f"warning: {PORCHLIGHT}"]

    as_json = json.loads(
        ok(
            ledger_url,
            "member add sg kfrs --category responsible-authority --non-voting "
            "--effective 2020-01-01 --json",
        ).stdout
    )
    assert as_json["recorded"] == 1
    assert as_json["warnings"] == [
        "kfrs is recorded as non-voting, but from 2020-01-01 sg's terms of reference (section "
        "decision-making) let responsible-authority vote: the ledger keeps it non-voting "
        "(correct the seat if it votes)"
    ]

    quiet = ok(
        ledger_url,
        "member add sg kent-police --category responsible-authority --effective 2020-01-01",
    )
    assert quiet.stderr == ""


def test_an_import_says_which_entry_a_warning_is_about(ledger_url: str, tmp_path: Path) -> None:
    the_strategy_group(ledger_url, tmp_path)
    members = tmp_path / "members.yaml"
    members.write_text(
        "- {type: add-member, body: sg, member: kent-police, category: responsible-authority, "
        "effective: 2020-01-01}\n"
        "- {type: add-member, body: sg, member: porchlight, category: co-operating-body, "
        "effective: 2020-01-01}\n",
        encoding="utf-8",
    )
    checked = ok(ledger_url, f"import {members} --dry-run")
    assert checked.stderr.splitlines() == [
        f"warning: {members}: entry 2 (add-member): {PORCHLIGHT}"
    ]
    assert checked.stdout.startswith("would record 2 event(s)")


def test_roles_non_voting_counting_seats_and_what_a_quorum_lacks(
    ledger_url: str, tmp_path: Path
) -> None:
    the_strategy_group(ledger_url, tmp_path)
    for line in (
        "member add sg kent-police --category responsible-authority --representative c-hart "
        "--name 'Chief Inspector Hart' --effective 2020-01-01",
        "member add sg kcc --category responsible-authority --representative k-jones "
        "--name 'Kim Jones' --effective 2020-01-01",
        "member add sg cllr-able --category co-opted --non-voting --quorum --role elected-member "
        "--representative cllr-able --name 'Cllr Ann Able' --effective 2020-01-01",
        "member add sg observer --category invitee --non-voting --representative o-bee "
        "--name 'Obi Bee' --effective 2020-01-01",
        "member elect sg chair c-hart --name 'Chief Inspector Hart' --effective 2020-01-01",
        "meeting schedule sg --date 2024-03-14",
        "meeting attend sg-2024-03-14 k-jones present --name 'Kim Jones'",
        "meeting attend sg-2024-03-14 cllr-able present --name 'Cllr Ann Able'",
        "meeting attend sg-2024-03-14 o-bee present --name 'Obi Bee'",
        "meeting outcome sg-2024-03-14 held",
    ):
        ok(ledger_url, line)

    members = ok(ledger_url, "members sg --on 2024-03-14").stdout
    assert "roles" in members
    assert "elected-member" in members
    listed = json.loads(ok(ledger_url, "members sg --on 2024-03-14 --json").stdout)
    seats = {m["member"]: m for m in listed["members"]}
    assert (seats["cllr-able"]["roles"], seats["cllr-able"]["counts_for_quorum"]) == (
        ["elected-member"],
        True,
    )
    assert seats["kcc"]["counts_for_quorum"] is None
    assert (seats["cllr-able"]["votes"], seats["cllr-able"]["counts"]) == (False, True)
    assert (seats["kcc"]["votes"], seats["kcc"]["counts"]) == (True, True)

    lines = ok(ledger_url, "quorum sg-2024-03-14").stdout.splitlines()
    assert lines[:6] == [
        "sg-2024-03-14 (held) at the start: NOT QUORATE",
        "rule in force on 2024-03-14 (section quorum): quorate with at least 3 member(s) "
        "present; and the chair (or deputy) present; and at least 1 elected-member present",
        "voting (section decision-making): votes by responsible-authority",
        "  [ ] at least 3 member(s) present: 2 of 3 needed (1 more member(s) needed)",
        "  [ ] the chair (or deputy) present: 0 of 1 needed "
        "(the chair or vice-chair is not present)",
        "  [x] at least 1 elected-member present: 1 of 1 needed",
    ]
    assert "  + Cllr Ann Able - cllr-able (co-opted), representative, non-voting" in lines
    assert "  - Obi Bee: observer is non-voting" in lines
    result = json.loads(ok(ledger_url, "quorum sg-2024-03-14 --json").stdout)
    assert [r["missing"] for r in result["requirements"]] == [
        "1 more member(s) needed",
        "the chair or vice-chair is not present",
        None,
    ]

    # A second invitee would exceed the ToR's limit: one line, nothing recorded.
    refused = invoke(ledger_url, "member add sg guest --category invitee --effective 2023-06-01")
    assert refused.exit_code == 1
    assert refused.output.splitlines() == [
        "Error: refused: on 2023-06-01 sg would have 2 invitee seats (guest, observer); "
        "its terms of reference (section membership) allow at most 1"
    ]
    bad_role = invoke(
        ledger_url,
        "member add sg x --category invitee --role 'Elected Member' --effective 2024-01-01",
    )
    assert bad_role.exit_code == 1
    assert len(bad_role.output.splitlines()) == 1
    assert "role 'Elected Member' is not a short id" in bad_role.output
