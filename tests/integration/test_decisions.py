"""Was this decision validly made? Motions and decisions at an agenda item, recorded as a
clerk records them and examined as a scrutiny committee examines them.

The meeting is the KCSP Working Group's of 14 March 2024 (``test_quorum``): six voting
seats on the day, four responsible authorities make a quorum; item 3 is inquorate once
Mo Shah withdraws; item 5 is a financial item, quorate.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from freezegun import freeze_time
from pydantic import ValidationError

from ledger.application import Ledger
from ledger.domain.commands import Command
from ledger.domain.corrections import CorrectEvent
from ledger.domain.decision import Casting, Counts, DecideMotion, How, Outcome, ProposeMotion, Vote
from ledger.domain.errors import NotFound, RuleViolation
from ledger.domain.meeting import DeclareInterest
from ledger.domain.membership import ElectOfficeHolder
from ledger.domain.rules import (
    Base,
    CastingVote,
    DecisionMethod,
    InterestsExclude,
    Method,
)
from ledger.domain.tor import InsertSection, SectionText
from tests.integration.test_quorum import MARCH, attend, march_meeting, working_group


def decision_making(*rules: Any) -> InsertSection:
    return InsertSection(
        body="wg",
        effective=date(2016, 7, 14),
        section=SectionText(
            id="decisions",
            number="7",
            heading="DECISION MAKING",
            text="Decisions by simple majority; the chair has a casting vote.",
            rules=list(rules),
        ),
    )


STANDARD = (
    DecisionMethod(method=Method.SIMPLE_MAJORITY),
    CastingVote(office="chair"),
    InterestsExclude(financial_only=True),
)
CHAIR = ElectOfficeHolder(
    body="wg",
    office="chair",
    person="c-hart",
    name="Chief Inspector Hart",
    effective=date(2023, 5, 1),
)


def setting(*rules: Any) -> list[Command]:
    return [*working_group(), decision_making(*(rules or STANDARD)), CHAIR, *march_meeting()]


def motion(slug: str = "wg-2024-03-14-5a", item: str = "5", **fields: Any) -> ProposeMotion:
    values: dict[str, Any] = {
        "meeting": MARCH,
        "mover": "k-jones",
        "seconder": "h-green",
        "text": "To fund the bid",
    }
    return ProposeMotion(motion=slug, item=item, **{**values, **fields})


def hands(
    yes: int, no: int, abstain: int = 0, outcome: Outcome = Outcome.CARRIED, **f: Any
) -> DecideMotion:
    return DecideMotion(
        motion=f.pop("slug", "wg-2024-03-14-5a"),
        outcome=outcome,
        method=How.SHOW_OF_HANDS,
        counts=Counts(yes=yes, no=no, abstain=abstain),
        **f,
    )


def recorded(votes: dict[str, str], outcome: Outcome = Outcome.CARRIED, **f: Any) -> DecideMotion:
    return DecideMotion(
        motion="wg-2024-03-14-5a",
        outcome=outcome,
        method=How.RECORDED_VOTE,
        votes=[Vote(person=p, option=o) for p, o in votes.items()],  # type: ignore[arg-type]
        **f,
    )


def findings(
    ledger: Ledger, slug: str = "wg-2024-03-14-5a", **kw: Any
) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(f.check, f.rule, f.people) for f in ledger.decision(slug, **kw).findings]


def messages(ledger: Ledger, slug: str = "wg-2024-03-14-5a") -> list[str]:
    return [f.message for f in ledger.decision(slug).findings]


# --- a valid decision ---------------------------------------------------------------


def test_a_decision_carried_by_a_majority_at_a_quorate_item_is_valid(ledger: Ledger) -> None:
    ledger.execute([*setting(), motion(), hands(3, 1, resolution="The bid is funded.")])

    report = ledger.decision("wg-2024-03-14-5a")
    assert report.valid is True
    assert report.findings == []
    assert (report.outcome, report.method, report.quorate) == ("carried", "show-of-hands", True)
    assert report.counts == {"yes": 3, "no": 1, "abstain": 0}
    assert report.requirement_source == "decisions"
    assert report.arithmetic == (
        "3 for, 1 against, 0 abstaining (3 for of 4 voting): "
        "a simple majority of those present and voting needs 3"
    )
    assert report.resolution == "The bid is funded."


def test_a_recorded_vote_with_the_named_substitute_voting_for_the_seat_is_valid(
    ledger: Ledger,
) -> None:
    # Kim Jones is there for kcc too, but only one vote per seat: Sam Brinson votes for kcc
    # and Kim Jones does not vote.
    ledger.execute(
        [
            *setting(),
            motion(),
            recorded({"c-hart": "yes", "s-brinson": "yes", "h-green": "no", "m-shah": "abstain"}),
        ]
    )
    report = ledger.decision("wg-2024-03-14-5a")
    assert report.findings == []
    assert report.counts == {"yes": 2, "no": 1, "abstain": 1}


# --- every finding -------------------------------------------------------------------


def test_a_decision_at_an_inquorate_item_is_invalid_naming_the_quorum_section(
    ledger: Ledger,
) -> None:
    ledger.execute([*setting(), motion(item="3", mover="k-jones", seconder="c-hart"), hands(2, 0)])
    found = ledger.decision("wg-2024-03-14-5a").findings
    assert [(f.check, f.rule) for f in found] == [("quorum", "quorum")]
    assert "item 3 was inquorate when decided: 1 more responsible-authority" in found[0].message


def test_a_voter_with_a_declared_interest_in_a_financial_item_makes_it_invalid(
    ledger: Ledger,
) -> None:
    ledger.execute(
        [
            *setting(),
            DeclareInterest(
                meeting=MARCH, person="m-shah", item="5", interest="trustee of the bidder"
            ),
            motion(),
            recorded({"c-hart": "yes", "k-jones": "yes", "m-shah": "yes"}),
        ]
    )
    assert findings(ledger) == [("interest", "decisions", ("m-shah",))]
    assert (
        "declared an interest in a financial item (trustee of the bidder) and voted"
        in messages(ledger)[0]
    )


def test_a_dispensation_granted_lets_a_member_with_an_interest_vote(ledger: Ledger) -> None:
    ledger.execute(
        [
            *setting(),
            DeclareInterest(meeting=MARCH, person="m-shah", item="5", interest="trustee"),
            motion(),
            recorded(
                {"c-hart": "yes", "k-jones": "yes", "m-shah": "yes"}, dispensations=["m-shah"]
            ),
        ]
    )
    assert findings(ledger) == []


def test_a_mover_who_sent_apologies_and_a_seconder_not_in_the_room_make_it_invalid(
    ledger: Ledger,
) -> None:
    ledger.execute([*setting(), motion(mover="e-ray", seconder="f-white"), hands(3, 0)])
    assert findings(ledger) == [
        ("presence", "presence", ("e-ray",)),
        ("presence", "presence", ("f-white",)),
    ]
    assert messages(ledger) == [
        "the mover, e-ray, sent apologies",
        "the seconder, f-white, was not in the room at item 5",
    ]


def test_more_votes_than_members_entitled_to_vote_present_is_invalid(ledger: Ledger) -> None:
    ledger.execute([*setting(), motion(), hands(4, 2)])
    assert ("votes", "presence", ()) in findings(ledger)
    assert (
        "6 votes were cast but only 4 members entitled to vote were present at item 5"
        in messages(ledger)
    )


@pytest.mark.parametrize(
    ("voter", "why"),
    [
        ("v-lee", "v-lee sits for porchlight, a non-voting seat"),
        ("p-ward", "p-ward is not a member on 2024-03-14"),
        ("t-tate", "t-tate is not the named substitute for kcc (Sam Brinson is)"),
        ("a-officer", "a-officer was in attendance, not a member"),
    ],
)
def test_a_vote_by_a_non_voting_seat_a_non_member_or_the_wrong_substitute_is_invalid(
    ledger: Ledger, voter: str, why: str
) -> None:
    ledger.execute(
        [*setting(), motion(), recorded({"c-hart": "yes", "h-green": "yes", voter: "yes"})]
    )
    assert findings(ledger) == [("vote", "presence", (voter,))]
    assert messages(ledger) == [f"a vote by {voter}: {why}"]


def test_an_outcome_that_does_not_follow_from_the_counts_shows_the_arithmetic(
    ledger: Ledger,
) -> None:
    three_quarters = DecisionMethod(
        method=Method.FRACTION, numerator=3, denominator=4, of=Base.MEMBERSHIP
    )
    ledger.execute([*setting(), motion(requirement=three_quarters), hands(4, 0)])
    assert findings(ledger) == [("outcome", "motion", ())]
    assert messages(ledger) == [
        "recorded as carried, but 4 for, 0 against, 0 abstaining (4 for of 6 members): "
        "3/4 of the whole membership needs 5: it was lost"
    ]


@pytest.mark.parametrize(
    ("method", "yes", "no", "outcome", "valid"),
    [
        (DecisionMethod(method=Method.SIMPLE_MAJORITY), 2, 2, Outcome.CARRIED, False),
        (DecisionMethod(method=Method.TWO_THIRDS), 2, 1, Outcome.CARRIED, True),
        (DecisionMethod(method=Method.TWO_THIRDS), 2, 2, Outcome.LOST, True),
        (DecisionMethod(method=Method.UNANIMOUS), 3, 1, Outcome.CARRIED, False),
        (DecisionMethod(method=Method.UNANIMOUS), 3, 0, Outcome.CARRIED, True),
        (
            DecisionMethod(method=Method.SIMPLE_MAJORITY, of=Base.MEMBERSHIP),
            3,
            0,
            Outcome.CARRIED,
            False,
        ),
        (
            DecisionMethod(method=Method.CONSENSUS, fallback=Method.TWO_THIRDS),
            2,
            1,
            Outcome.CARRIED,
            True,
        ),
    ],
)
def test_each_requirement_is_judged_from_the_counts(
    ledger: Ledger, method: DecisionMethod, yes: int, no: int, outcome: Outcome, valid: bool
) -> None:
    ledger.execute(
        [*setting(method, InterestsExclude()), motion(), hands(yes, no, outcome=outcome)]
    )
    assert ledger.decision("wg-2024-03-14-5a").valid is valid


def test_the_chairs_casting_vote_carries_a_tie_where_the_tor_gives_one(ledger: Ledger) -> None:
    casting = Casting(person="c-hart", option="yes")
    ledger.execute([*setting(), motion(), hands(2, 2, casting=casting)])
    report = ledger.decision("wg-2024-03-14-5a")
    assert report.valid is True
    assert report.arithmetic is not None
    assert report.arithmetic.endswith("the casting vote (yes) decides")


def test_a_casting_vote_by_someone_not_presiding_is_invalid(ledger: Ledger) -> None:
    ledger.execute(
        [*setting(), motion(), hands(2, 2, casting=Casting(person="k-jones", option="yes"))]
    )
    assert ("casting", "decisions", ("k-jones",)) in findings(ledger)
    assert "a casting vote by k-jones, who was not presiding (c-hart presided)" in messages(ledger)


def test_a_casting_vote_where_the_tor_gives_none_is_invalid(ledger: Ledger) -> None:
    ledger.execute(
        [
            *setting(DecisionMethod(method=Method.SIMPLE_MAJORITY)),
            motion(),
            hands(2, 2, casting=Casting(person="c-hart", option="yes")),
        ]
    )
    assert findings(ledger) == [
        ("casting", "common-law", ("c-hart",)),
        ("outcome", "decisions", ()),
    ]


def test_a_decision_recorded_at_a_dissolved_meeting_is_invalid(ledger: Ledger) -> None:
    from ledger.domain.meeting import MeetingOutcome

    ledger.execute(
        [*setting(), motion(), hands(3, 1), MeetingOutcome(meeting=MARCH, outcome="dissolved")]
    )
    assert findings(ledger)[0] == ("meeting", "meeting", ())
    assert (
        messages(ledger)[0]
        == "wg-2024-03-14 was dissolved (inquorate): no decision can be made at it"
    )


def test_attendance_corrected_later_changes_the_answer_now_but_not_as_known_before(
    ledger: Ledger,
) -> None:
    with freeze_time("2024-03-15 09:00:00"):
        ledger.execute([*setting(), motion(), hands(3, 1)])
    assert ledger.decision("wg-2024-03-14-5a").valid is True
    with freeze_time("2024-06-14 09:00:00"):
        # The minutes, approved in June, say Kim Jones (the mover) had left before item 5.
        ledger.execute([attend(MARCH, "k-jones", "Kim Jones", to_item="4")])
    assert findings(ledger) == [("presence", "presence", ("k-jones",))]
    before = datetime(2024, 4, 1, tzinfo=UTC)
    assert ledger.decision("wg-2024-03-14-5a", known_at=before).valid is True


def test_a_consensus_decision_and_an_amendment_are_recorded_and_listed(ledger: Ledger) -> None:
    ledger.execute(
        [
            *setting(),
            motion(),
            motion("wg-2024-03-14-5b", amends="wg-2024-03-14-5a", text="To fund half the bid"),
            DecideMotion(motion="wg-2024-03-14-5b", outcome=Outcome.AGREED, method=How.CONSENSUS),
            hands(1, 3, outcome=Outcome.LOST),
        ]
    )
    listed = ledger.decisions("wg")
    assert [(d.motion, d.outcome, d.valid, d.amends) for d in listed] == [
        ("wg-2024-03-14-5a", "lost", True, None),
        ("wg-2024-03-14-5b", "agreed", True, "wg-2024-03-14-5a"),
    ]
    assert ledger.decisions("wg", invalid_only=True) == []
    assert ledger.decisions(None, date(2025, 1, 1)) == []


# --- bad input: one clear line, nothing recorded --------------------------------------


@pytest.mark.parametrize(
    ("entry", "error", "text"),
    [
        (
            lambda: motion(meeting="wg-2099-01-01"),
            NotFound,
            "meeting: unknown meeting 'wg-2099-01-01'",
        ),
        (lambda: motion(item="9"), NotFound, "item: wg-2024-03-14 has no agenda item 9"),
        (
            lambda: motion(mover="z-nobody"),
            RuleViolation,
            "mover: 'z-nobody' is not recorded at wg-2024-03-14",
        ),
        (
            lambda: motion(amends="wg-2024-03-14-9z"),
            NotFound,
            "amends: unknown motion 'wg-2024-03-14-9z'",
        ),
    ],
)
def test_a_motion_naming_what_is_not_there_is_refused_and_nothing_recorded(
    ledger: Ledger, entry: Any, error: type[Exception], text: str
) -> None:
    ledger.execute(setting())
    held = ledger.count()
    with pytest.raises(error, match=text):
        ledger.execute([entry()])
    assert ledger.count() == held


def test_a_vote_by_someone_not_at_the_meeting_is_refused(ledger: Ledger) -> None:
    ledger.execute([*setting(), motion()])
    held = ledger.count()
    with pytest.raises(
        RuleViolation, match=r"votes.1.person: 'z-nobody' is not recorded at wg-2024-03-14"
    ):
        ledger.execute([recorded({"c-hart": "yes", "z-nobody": "yes"})])
    with pytest.raises(
        RuleViolation, match=r"votes.0.person: 'e-ray' was not at wg-2024-03-14 \(apologies\)"
    ):
        ledger.execute([recorded({"e-ray": "yes"})])
    assert ledger.count() == held


def test_a_second_outcome_for_the_same_motion_is_refused(ledger: Ledger) -> None:
    ledger.execute([*setting(), motion(), hands(3, 1)])
    with pytest.raises(RuleViolation, match="already has an outcome \\(carried\\)"):
        ledger.execute([hands(1, 3, outcome=Outcome.LOST)])


def test_an_unknown_motion_is_refused(ledger: Ledger) -> None:
    with pytest.raises(NotFound, match="motion: unknown motion 'nope'"):
        ledger.execute([hands(1, 0, slug="nope")])
    with pytest.raises(NotFound, match="unknown motion 'nope'"):
        ledger.decision("nope")


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        (
            {
                "method": "recorded-vote",
                "votes": [{"person": "a", "option": "yes"}],
                "counts": {"yes": 2, "no": 0},
            },
            "do not add up to the votes listed",
        ),
        ({"method": "show-of-hands"}, "recorded with counts"),
        ({"method": "consensus"}, "'carried' follows a vote"),
        (
            {
                "method": "show-of-hands",
                "counts": {"yes": 3, "no": 1},
                "casting": {"person": "a", "option": "yes"},
            },
            "on a tie only",
        ),
        (
            {
                "method": "recorded-vote",
                "votes": [{"person": "a", "option": "yes"}, {"person": "a", "option": "no"}],
            },
            "voted more than once",
        ),
        ({"method": "show-of-hands", "counts": {"yes": True, "no": 0}}, "valid integer"),
    ],
)
def test_counts_and_votes_that_do_not_fit_together_are_refused(
    fields: dict[str, Any], text: str
) -> None:
    with pytest.raises(ValidationError, match=text):
        DecideMotion.model_validate({"motion": "m", "outcome": "carried", **fields})


def test_a_correction_of_the_decision_is_held_to_the_same_rules_and_changes_the_answer(
    ledger: Ledger,
) -> None:
    receipt = ledger.execute([*setting(), motion(), hands(3, 1)])
    decided = receipt.event_ids[-1]
    fixed = CorrectEvent(
        event=decided, changes={"counts": {"yes": 1, "no": 3, "abstain": 0}}, reason="miscounted"
    )
    again = ledger.execute([fixed]).event_ids[-1]
    assert findings(ledger) == [("outcome", "decisions", ())]
    held = ledger.count()
    with pytest.raises(Exception, match="recorded with counts"):
        ledger.execute([CorrectEvent(event=again, changes={"counts": None}, reason="x")])
    assert ledger.count() == held


def test_a_motion_not_yet_decided_is_pending_and_a_retracted_decision_makes_it_so(
    ledger: Ledger,
) -> None:
    from ledger.domain.corrections import RetractEvent

    proposed = ledger.execute([*setting(), motion()]).event_ids[-1]
    report = ledger.decision("wg-2024-03-14-5a")
    assert (report.outcome, report.valid) == (None, False)
    assert [(f.check, f.message) for f in report.findings] == [
        ("pending", "no outcome is recorded yet")
    ]
    decided = ledger.execute([hands(3, 1)]).event_ids[-1]
    held = ledger.count()
    with pytest.raises(RuleViolation, match="has not been proposed"):
        ledger.execute([RetractEvent(event=proposed, reason="moved in error")])
    assert ledger.count() == held
    ledger.execute([RetractEvent(event=decided, reason="recorded against the wrong motion")])
    assert ledger.decision("wg-2024-03-14-5a").outcome is None


IMPORTED = """\
- id: wg-5a
  type: propose-motion
  motion: wg-2024-03-14-5a
  meeting: wg-2024-03-14
  item: "5"
  text: To fund the bid
  mover: k-jones
  seconder: h-green
  requirement: {method: fraction, numerator: 2, denominator: 3}
- id: wg-5a-decided
  type: decide-motion
  motion: wg-2024-03-14-5a
  outcome: carried
  method: recorded-vote
  votes:
    - {person: c-hart, option: "yes"}
    - {person: k-jones, option: "yes"}
    - {person: h-green, option: "no"}
"""


def test_motions_and_decisions_import_once_and_bad_entries_name_entry_and_field(
    ledger: Ledger, tmp_path: Any
) -> None:
    ledger.execute(setting())
    good = tmp_path / "decisions.yaml"
    good.write_text(IMPORTED, encoding="utf-8")
    assert ledger.import_files([good]).recorded == 2
    assert ledger.import_files([good]).recorded == 0
    report = ledger.decision("wg-2024-03-14-5a")
    assert (report.valid, report.requirement_source) == (True, "motion")
    assert report.arithmetic is not None
    assert report.arithmetic.endswith("2/3 of those present and voting needs 2")

    held = ledger.count()
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        IMPORTED.replace("wg-5a", "wg-5b")
        .replace("-5a", "-5b")
        .replace('option: "no"', "option: 0"),
        encoding="utf-8",
    )
    with pytest.raises(Exception, match=r"entry 2 \(decide-motion\): field 'votes.2.option'"):
        ledger.import_files([bad])
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(
        IMPORTED.replace("wg-5a", "wg-5c").replace("-5a", "-5c").replace('item: "5"', 'item: "8"'),
        encoding="utf-8",
    )
    with pytest.raises(
        NotFound, match=r"entry 1 \(propose-motion\): item: .* has no agenda item 8"
    ):
        ledger.import_files([unknown])
    assert ledger.count() == held


def test_an_item_taken_off_the_agenda_later_is_a_finding_not_a_failure(ledger: Ledger) -> None:
    from ledger.domain.corrections import RetractEvent
    from ledger.domain.meeting import AgendaItemAdded, meeting_id

    ledger.execute([*setting(), motion(), hands(3, 1)])
    added = next(
        e
        for e in ledger.aggregate_events(meeting_id(MARCH))
        if isinstance(e, AgendaItemAdded) and e.item == "5"
    )
    ledger.execute([RetractEvent(event=str(added.event_id), reason="not on the agenda")])
    assert messages(ledger) == ["wg-2024-03-14 has no agenda item 5 (any longer)"]
    assert [d.valid for d in ledger.decisions("wg")] == [False]


def test_a_voter_who_withdrew_for_an_interest_is_one_finding_naming_the_interests_rule(
    ledger: Ledger,
) -> None:
    ledger.execute(
        [
            *setting(),
            DeclareInterest(meeting=MARCH, person="h-green", item="5", interest="x", withdrew=True),
            motion(seconder="c-hart"),
            recorded({"c-hart": "yes", "k-jones": "yes", "h-green": "no"}),
        ]
    )
    # Hal Green's withdrawal also leaves item 5 one responsible authority short.
    assert findings(ledger) == [
        ("quorum", "quorum", ("c-hart", "k-jones", "m-shah")),
        ("interest", "decisions", ("h-green",)),
    ]
    assert messages(ledger)[1] == (
        "h-green declared an interest in item 5 and withdrew, yet is recorded as voting"
    )
