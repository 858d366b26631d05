"""Who votes, who counts, and whom a quorum must include.

A ToR's voting-eligibility rule decides who votes: a seat of a category it leaves out
counts (or not) exactly as a non-voting seat.  ``counts_for_quorum`` decides counting on
its own: some bodies count non-voting members.  A quorum may require an office ("the
Chair or Vice-Chair"), a named seat, or a role seats hold ("at least one elected
member"), and says what is missing when it is not met.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ledger.application import Ledger
from ledger.domain.body import EstablishBody
from ledger.domain.commands import Command
from ledger.domain.corrections import CorrectEvent
from ledger.domain.membership import AddMember
from ledger.domain.rules import (
    AnyOf,
    FractionPresent,
    MinimumPresent,
    OfficeHolderPresent,
    QuorumRule,
    RolePresent,
    SeatPresent,
    VotingEligibility,
)
from ledger.domain.tor import AdoptTor, AmendSection, SectionText
from tests.integration.test_quorum import attend, counted, held, meeting, reasons

RA = "responsible-authority"
CO = "co-operating-body"


def strategy_group(quorum: QuorumRule, *more: SectionText) -> list[Command]:
    return [
        EstablishBody(
            body="sg", name="Strategy Group", kind="strategy-group", effective=date(2020, 1, 1)
        ),
        AdoptTor(
            body="sg",
            effective=date(2020, 1, 1),
            sections=[
                SectionText(id="quorum", number="4", heading="Quorum", rules=[quorum]),
                *more,
            ],
        ),
    ]


DECISIONS = SectionText(
    id="decision-making",
    number="5",
    heading="Decision making",
    text="Only the responsible authorities vote.",
    rules=[VotingEligibility(categories=[RA])],
)


def seat(member: str, category: str = RA, **fields: object) -> AddMember:
    return AddMember.model_validate(
        {
            "body": "sg",
            "member": member,
            "category": category,
            "representative": f"{member}-rep",
            "representative_name": member.replace("-", " ").title(),
            "effective": date(2020, 1, 1),
            **fields,
        }
    )


def everyone_attends(day: date, members: list[str]) -> list[Command]:
    slug = f"sg-{day.isoformat()}"
    names = {m: m.replace("-", " ").title() for m in members}
    return [
        *meeting("sg", day),
        *(attend(slug, f"{m}-rep", names[m]) for m in members),
        held(slug),
    ]


def test_voting_eligibility_decides_who_counts_and_the_disagreement_is_said(
    ledger: Ledger,
) -> None:
    ledger.execute(strategy_group(QuorumRule(all_of=[MinimumPresent(at_least=3)]), DECISIONS))

    warned = {
        member: ledger.execute([seat(member, category, **fields)]).warnings
        for member, category, fields in [
            ("kent-police", RA, {}),
            ("kcc", RA, {}),
            ("porchlight", CO, {}),
            ("healthwatch", CO, {"voting": False, "counts_for_quorum": True}),
            ("kfrs", RA, {"voting": False}),
            ("probation", RA, {"counts_for_quorum": False}),
        ]
    }
    assert warned == {
        "kent-police": [],
        "kcc": [],
        "porchlight": [
            "porchlight is recorded as voting, but from 2020-01-01 sg's terms of reference "
            "(section decision-making) let only responsible-authority vote, not "
            "co-operating-body: quorum takes it as non-voting"
        ],
        "healthwatch": [],
        "kfrs": [
            "kfrs is recorded as non-voting, but from 2020-01-01 sg's terms of reference "
            "(section decision-making) let responsible-authority vote: the ledger keeps it "
            "non-voting (correct the seat if it votes)"
        ],
        "probation": [],
    }

    members = ["kent-police", "kcc", "porchlight", "healthwatch", "kfrs", "probation"]
    ledger.execute(everyone_attends(date(2024, 3, 14), members))
    result = ledger.quorum("sg-2024-03-14")
    assert result.quorate is True
    assert (result.voting_rule, result.voting_section) == (
        "votes by responsible-authority",
        "decision-making",
    )
    assert {c.member: c.votes for c in result.counted} == {
        "kent-police": True,
        "kcc": True,
        "healthwatch": False,  # non-voting, counted because the seat says so
    }
    assert reasons(result) == {
        "Porchlight": "porchlight's category co-operating-body cannot vote under section "
        "decision-making",
        "Kfrs": "kfrs is non-voting",
        "Probation": "probation does not count towards quorum",
    }

    # The amendment that lets co-operating bodies vote says which seats now disagree.
    amended = ledger.execute(
        [
            AmendSection(
                body="sg",
                section="decision-making",
                effective=date(2024, 6, 1),
                rules=[VotingEligibility(categories=[RA, CO])],
            )
        ]
    )
    assert amended.warnings == [
        "healthwatch is recorded as non-voting, but from 2024-06-01 sg's terms of reference "
        "(section decision-making) let co-operating-body vote: the ledger keeps it "
        "non-voting (correct the seat if it votes)"
    ]
    ledger.execute(everyone_attends(date(2024, 6, 13), members))
    later = ledger.quorum("sg-2024-06-13")
    assert set(counted(later)) == {"Kent Police", "Kcc", "Porchlight", "Healthwatch"}
    # March is judged by the rule in force in March.
    assert "Porchlight" in reasons(ledger.quorum("sg-2024-03-14"))


def test_a_non_voting_member_marked_as_counting_counts_towards_quorum(ledger: Ledger) -> None:
    half = QuorumRule(all_of=[FractionPresent(numerator=1, denominator=2)])
    ledger.execute(
        [
            *strategy_group(half),
            seat("kent-police"),
            seat("kcc"),
            seat("healthwatch", CO, voting=False, counts_for_quorum=True),
            seat("observer", "invitee", voting=False),
            seat("adviser", RA, counts_for_quorum=False),
            *everyone_attends(date(2024, 3, 14), ["healthwatch", "observer", "adviser"]),
        ]
    )
    result = ledger.quorum("sg-2024-03-14")
    # The membership that counts: kent-police, kcc and healthwatch; half of three is two.
    assert [(r.have, r.need, r.met) for r in result.requirements] == [(1, 2, False)]
    assert counted(result) == {"Healthwatch": ("healthwatch", "representative")}
    assert result.counted[0].votes is False
    assert reasons(result) == {
        "Observer": "observer is non-voting",
        "Adviser": "adviser does not count towards quorum",
    }
    assert result.requirements[0].missing == "1 more member(s) needed"
    seats = {m.member: m for m in ledger.members("sg", date(2024, 3, 14)).members}
    assert (seats["healthwatch"].voting, seats["healthwatch"].counts_for_quorum) == (False, True)
    assert seats["observer"].counts_for_quorum is None
    assert seats["adviser"].counts_for_quorum is False


CHAIR_AND_ELECTED = """
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
      text: Five members, including the Chair or Vice-Chair and at least one elected member.
      rules:
        - kind: quorum
          all_of:
            - {require: minimum, at_least: 5}
            - {require: office-holder, office: chair}
            - {require: role, role: elected-member}
"""


def test_five_including_the_chair_or_vice_chair_and_an_elected_member(
    ledger: Ledger, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(CHAIR_AND_ELECTED, encoding="utf-8")
    members = tmp_path / "members.yaml"
    members.write_text(
        "\n".join(
            f"- {{type: add-member, body: sg, member: {m}, category: {c}, representative: "
            f"{m}-rep, representative_name: {m.replace('-', ' ').title()}, "
            f"effective: 2020-01-01{', roles: [elected-member]' if 'cllr' in m else ''}}}"
            for m, c in [
                ("cllr-able", "co-opted"),
                ("cllr-baker", "co-opted"),
                ("kent-police", RA),
                ("kcc", RA),
                ("kfrs", RA),
                ("nhs", RA),
                ("probation", RA),
            ]
        )
        + "\n- {type: elect-office-holder, body: sg, office: Chair, person: kent-police-rep, "
        "name: Kent Police, effective: 2020-01-01}"
        + "\n- {type: elect-office-holder, body: sg, office: Vice Chair, person: kcc-rep, "
        "name: Kcc, effective: 2020-01-01}\n",
        encoding="utf-8",
    )
    ledger.import_files([rules, members])
    assert ledger.members("sg", date(2020, 1, 1)).members[0].roles == ["elected-member"]

    def judged(day: date, present: list[str]) -> list[tuple[str, bool, str | None]]:
        ledger.execute(everyone_attends(day, present))
        result = ledger.quorum(f"sg-{day.isoformat()}")
        return [(r.requirement, r.met, r.missing) for r in result.requirements]

    assert judged(date(2024, 1, 10), ["cllr-able", "kent-police", "kfrs", "nhs", "probation"]) == [
        ("at least 5 member(s) present", True, None),
        ("the chair (or deputy) present", True, None),
        ("at least 1 elected-member present", True, None),
    ]
    assert judged(date(2024, 2, 14), ["kent-police", "kcc", "kfrs", "nhs", "probation"])[2] == (
        "at least 1 elected-member present",
        False,
        "no elected-member present",
    )
    assert judged(date(2024, 3, 13), ["cllr-able", "cllr-baker", "kfrs", "nhs", "probation"])[
        1
    ] == ("the chair (or deputy) present", False, "the chair or vice-chair is not present")
    # The Vice Chair (so written when elected) in the chair.
    assert all(
        met
        for _, met, _ in judged(
            date(2024, 4, 10), ["cllr-baker", "kcc", "kfrs", "nhs", "probation"]
        )
    )
    four = judged(date(2024, 5, 8), ["cllr-able", "kent-police", "kfrs", "nhs"])
    assert four[0] == ("at least 5 member(s) present", False, "1 more member(s) needed")


def test_a_named_seat_and_other_offices_may_be_required(ledger: Ledger) -> None:
    rule = QuorumRule(
        all_of=[
            SeatPresent(member="kent-police"),
            OfficeHolderPresent(office="chair", or_deputy=False, or_offices=["lead-member"]),
            AnyOf(
                options=[RolePresent(role="elected-member", at_least=2), MinimumPresent(at_least=4)]
            ),
        ]
    )
    ledger.execute(
        [
            *strategy_group(rule),
            seat("kent-police", counts_for_quorum=False),
            seat("kcc", roles=["elected-member"]),
            seat("medway", roles=["elected-member"]),
            *everyone_attends(date(2024, 1, 10), ["kent-police", "kcc"]),
        ]
    )
    result = ledger.quorum("sg-2024-01-10")
    assert [(r.requirement, r.missing) for r in result.requirements] == [
        (
            "kent-police present",
            "kent-police is present but not counted (kent-police does not count towards quorum)",
        ),
        (
            "the chair or the lead-member present",
            "no one holds the office of chair or lead-member on 2024-01-10",
        ),
        (
            "either at least 2 elected-member present or at least 4 member(s) present",
            "none of these: 1 more elected-member needed; 3 more member(s) needed",
        ),
    ]
    ledger.execute([*everyone_attends(date(2024, 2, 14), ["kcc", "medway"])])
    february = ledger.quorum("sg-2024-02-14")
    assert february.requirements[0].missing == "kent-police is not present"
    assert february.requirements[2].met is True


def test_a_correction_that_makes_a_seat_disagree_with_the_voting_rule_is_said_too(
    ledger: Ledger,
) -> None:
    ledger.execute(strategy_group(QuorumRule(all_of=[MinimumPresent(at_least=1)]), DECISIONS))
    joined = ledger.execute([seat("kent-police")])
    assert joined.warnings == []
    corrected = ledger.execute(
        [
            CorrectEvent(
                event=joined.event_ids[0],
                changes={"category": CO},
                reason="Kent Police sit as a co-operating body",
            )
        ]
    )
    assert corrected.warnings == [
        "kent-police is recorded as voting, but from 2020-01-01 sg's terms of reference "
        "(section decision-making) let only responsible-authority vote, not "
        "co-operating-body: quorum takes it as non-voting"
    ]
    # Putting it right says nothing.
    fixed = ledger.execute(
        [
            CorrectEvent(
                event=corrected.event_ids[0], changes={"voting": False}, reason="they do not vote"
            )
        ]
    )
    assert fixed.warnings == []
