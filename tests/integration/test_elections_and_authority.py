"""Elections are decisions, and decisions are authority.

Electing a chair or vice-chair is a motion with candidates, decided by consensus, a show
of hands, a ballot or a recorded vote; whoever is elected takes the office from the
decision's effective date.  A ToR amendment, a seat or an office can cite the decision
that authorised it: the ledger refuses to record one citing a decision that does not
exist or was not carried, and every answer that shows it flags a decision that was not
validly made, as known at the moment asked.

The meeting is the Working Group's of 14 March 2024 (``test_quorum``): at item 1 Hart,
Jones, Shah and White sit for the four voting seats present (Green arrives at item 2).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from freezegun import freeze_time

from ledger.application import Ledger
from ledger.domain.corrections import CorrectEvent, RetractEvent
from ledger.domain.decision import (
    Counts,
    DecideMotion,
    Election,
    How,
    Outcome,
    ProposeMotion,
    Tally,
    Vote,
)
from ledger.domain.errors import NotFound, RuleViolation
from ledger.domain.events import Authority
from ledger.domain.membership import AddMember
from ledger.domain.tor import AmendSection
from tests.integration.test_decisions import setting
from tests.integration.test_quorum import MARCH

VICE = "wg-2024-03-14-1a"


def election(*candidates: str, slug: str = VICE, **fields: Any) -> ProposeMotion:
    return ProposeMotion(
        motion=slug,
        meeting=MARCH,
        item="1",
        text="Election of Vice-Chair",
        mover="c-hart",
        election=Election(
            office="vice-chair", candidates=list(candidates), term_end=date(2025, 3, 31)
        ),
        **fields,
    )


def ballot(elected: str, slug: str = VICE, **votes: int) -> DecideMotion:
    return DecideMotion(
        motion=slug,
        outcome=Outcome.CARRIED,
        method=How.BALLOT,
        tallies=[Tally(candidate=c.replace("_", "-"), votes=n) for c, n in votes.items()],
        elected=elected,
        takes_effect=date(2024, 4, 1),
    )


def checks(ledger: Ledger, slug: str = VICE) -> list[tuple[str, str]]:
    return [(f.check, f.message) for f in ledger.decision(slug).findings]


# --- elections ----------------------------------------------------------------------


def test_a_contested_ballot_elects_the_winner_who_holds_the_office_from_its_effect(
    ledger: Ledger,
) -> None:
    ledger.execute(
        [*setting(), election("m-shah", "k-jones"), ballot("m-shah", m_shah=3, k_jones=1)]
    )

    report = ledger.decision(VICE)
    assert report.valid is True, report.findings
    assert (report.elected, report.tallies) == ("m-shah", {"m-shah": 3, "k-jones": 1})
    assert report.election == {
        "office": "vice-chair",
        "candidates": ["m-shah", "k-jones"],
        "term_end": "2025-03-31",
    }
    assert report.arithmetic == (
        "m-shah 3, k-jones 1 (4 voting for a candidate): "
        "a simple majority of those present and voting needs 3"
    )
    assert report.authorised == [
        f"#{ledger.count()} effective 2024-04-01: Mo Shah elected vice-chair of wg until 2025-03-31"
    ]
    # Not before the decision takes effect; from then, on its authority.
    assert "vice-chair" not in ledger.members("wg", on=date(2024, 3, 31)).offices
    after = ledger.members("wg", on=date(2024, 4, 1))
    assert after.offices["vice-chair"] == "Mo Shah"
    assert after.office_decisions["vice-chair"].valid is True
    assert "vice-chair" not in ledger.members("wg", on=date(2025, 4, 1)).offices


def test_a_recorded_vote_for_candidates_is_counted_person_by_person(ledger: Ledger) -> None:
    votes = {"c-hart": "m-shah", "k-jones": "k-jones", "f-white": "m-shah"}
    ledger.execute(
        [
            *setting(),
            election("m-shah", "k-jones"),
            DecideMotion(
                motion=VICE,
                outcome=Outcome.CARRIED,
                method=How.RECORDED_VOTE,
                votes=[
                    *(Vote(person=p, option="yes", candidate=c) for p, c in votes.items()),  # type: ignore[arg-type]
                    Vote(person="m-shah", option="abstain"),  # type: ignore[arg-type]
                ],
                elected="m-shah",
            ),
        ]
    )
    report = ledger.decision(VICE)
    assert report.valid is True, report.findings
    assert report.arithmetic is not None
    assert report.arithmetic.startswith("m-shah 2, k-jones 1, 1 abstaining (3 voting")
    assert ledger.members("wg", on=date(2024, 3, 14)).offices["vice-chair"] == "Mo Shah"


def test_an_unopposed_candidate_is_elected_by_consensus(ledger: Ledger) -> None:
    ledger.execute(
        [
            *setting(),
            election("k-jones"),
            DecideMotion(
                motion=VICE, outcome=Outcome.AGREED, method=How.CONSENSUS, elected="k-jones"
            ),
        ]
    )
    assert ledger.decision(VICE).valid is True
    assert ledger.members("wg", on=date(2024, 3, 14)).offices["vice-chair"] == "Kim Jones"


def test_an_election_recorded_for_the_wrong_candidate_is_not_validly_made(
    ledger: Ledger,
) -> None:
    ledger.execute(
        [*setting(), election("m-shah", "k-jones"), ballot("k-jones", m_shah=3, k_jones=1)]
    )

    assert checks(ledger) == [
        (
            "outcome",
            "k-jones is recorded as elected, but m-shah 3, k-jones 1 (4 voting for a candidate): "
            "a simple majority of those present and voting needs 3: m-shah had the most votes",
        )
    ]
    # The office follows the record, and says its authority is not good.
    members = ledger.members("wg", on=date(2024, 4, 1))
    assert members.offices["vice-chair"] == "Kim Jones"
    check = members.office_decisions["vice-chair"]
    assert (check.decision, check.valid) == (VICE, False)
    assert "m-shah had the most votes" in check.describe()


def test_without_a_majority_or_on_a_tie_a_further_ballot_decides(ledger: Ledger) -> None:
    ledger.execute(
        [
            *setting(),
            election("m-shah", "k-jones", "f-white"),
            ballot("m-shah", m_shah=2, k_jones=1, f_white=1),
            election("m-shah", "k-jones", slug="wg-2024-03-14-1b"),
            ballot("k-jones", slug="wg-2024-03-14-1b", m_shah=2, k_jones=2),
        ]
    )
    assert [m for _, m in checks(ledger)] == [
        "m-shah is recorded as elected, but m-shah 2, f-white 1, k-jones 1 (4 voting for a "
        "candidate): a simple majority of those present and voting needs 3: no candidate had "
        "3: a further ballot is needed"
    ]
    assert [c for c, _ in checks(ledger, "wg-2024-03-14-1b")] == ["outcome"]
    assert "k-jones and m-shah tied" in checks(ledger, "wg-2024-03-14-1b")[0][1]


def test_someone_not_a_member_that_day_cannot_hold_the_office(ledger: Ledger) -> None:
    # Pat Ward's seat (probation) joins in June 2024; Ann Officer is in attendance only.
    ledger.execute([*setting(), election("a-officer"), ballot("a-officer", a_officer=4)])
    assert (
        "elected",
        "a-officer was elected vice-chair but is not a member of wg on 2024-03-14",
    ) in (checks(ledger))


@pytest.mark.parametrize(
    ("decision", "refusal"),
    [
        (
            ballot("c-old", m_shah=3, k_jones=1),
            "elected: 'c-old' is not a candidate for vice-chair",
        ),
        (ballot("m-shah", m_shah=3, v_lee=1), "tallies.1.candidate: 'v-lee' is not a candidate"),
        (
            DecideMotion(
                motion=VICE,
                outcome=Outcome.CARRIED,
                method=How.SHOW_OF_HANDS,
                counts=Counts(yes=3, no=1),
                elected="m-shah",
            ),
            "a contested election by show-of-hands is recorded with each candidate's votes",
        ),
        (
            DecideMotion(motion=VICE, outcome=Outcome.AGREED, method=How.CONSENSUS),
            "is an election: say who was elected",
        ),
    ],
)
def test_an_election_decided_in_a_way_that_does_not_fit_it_is_refused(
    ledger: Ledger, decision: DecideMotion, refusal: str
) -> None:
    ledger.execute([*setting(), election("m-shah", "k-jones")])
    held = ledger.count()
    with pytest.raises(RuleViolation, match=refusal):
        ledger.execute([decision])
    assert ledger.count() == held
    assert ledger.members("wg", on=date(2024, 4, 1)).offices.get("vice-chair") is None


def test_only_an_election_elects_anyone(ledger: Ledger) -> None:
    from tests.integration.test_decisions import hands, motion

    ledger.execute([*setting(), motion()])
    with pytest.raises(RuleViolation, match="is not an election: it elects no one"):
        ledger.execute([hands(3, 1, elected="k-jones")])


# --- decisions as authority ---------------------------------------------------------

APPROVAL = "wg-2024-03-14-5a"


def approved(**fields: Any) -> list[Any]:
    from tests.integration.test_decisions import hands, motion

    return [*setting(), motion(text="To approve the revised quorum section"), hands(3, 1, **fields)]


def amendment(decision: str = APPROVAL, **fields: Any) -> AmendSection:
    values: dict[str, Any] = {
        "body": "wg",
        "section": "meetings",
        "effective": date(2024, 4, 1),
        "text": "The group will meet at least quarterly, once in public.",
        "authority": Authority(decision=decision, paper="ToR review 2024"),
    }
    return AmendSection(**{**values, **fields})


def test_a_tor_amendment_on_the_authority_of_a_carried_decision_shows_it(ledger: Ledger) -> None:
    ledger.execute([*approved(), amendment()])

    shown = ledger.tor("wg", on=date(2024, 4, 1), section="meetings")
    cited = [p for p in shown.provenance if p.decision is not None]
    assert len(cited) == 1
    assert cited[0].authority == f"decision {APPROVAL}; paper: ToR review 2024"
    assert cited[0].decision is not None
    assert cited[0].decision.describe() == f"decision {APPROVAL}: carried, validly made"
    history = ledger.tor_history("wg", section="meetings")
    assert [h.decision.valid for h in history if h.decision is not None] == [True]
    authorised = ledger.decision(APPROVAL).authorised
    assert authorised[0].endswith(": amended section meetings of wg (text)")


@pytest.mark.parametrize(
    ("decision", "refusal"),
    [
        ("wg-2099-01-01-1", "authority.decision: unknown decision 'wg-2099-01-01-1'"),
        ("lost", "authority.decision: 'lost' was lost, not carried: it authorises nothing"),
        ("undecided", "authority.decision: 'undecided' has no outcome recorded yet"),
    ],
)
def test_a_change_citing_a_decision_that_did_not_carry_it_is_refused(
    ledger: Ledger, decision: str, refusal: str
) -> None:
    from tests.integration.test_decisions import hands, motion

    ledger.execute(
        [
            *setting(),
            motion(slug="lost"),
            hands(1, 3, outcome=Outcome.LOST, slug="lost"),
            motion(slug="undecided"),
        ]
    )
    held = ledger.count()
    with pytest.raises((NotFound, RuleViolation), match=refusal):
        ledger.execute([amendment(decision)])
    assert ledger.count() == held


def test_one_write_may_record_a_decision_and_what_it_authorised_in_either_order(
    ledger: Ledger,
) -> None:
    from tests.integration.test_decisions import hands, motion

    ledger.execute([*setting()])
    ledger.execute([amendment(), motion(text="To approve the revised section"), hands(3, 1)])
    assert (
        ledger.tor("wg", on=date(2024, 4, 1), section="meetings")
        .sections[0]
        .text.startswith("The group will meet at least quarterly")
    )


def test_an_authority_later_found_invalid_is_flagged_as_known_then(ledger: Ledger) -> None:
    with freeze_time("2024-03-20 10:00:00"):
        decided = ledger.execute(approved()).event_ids[-1]
        ledger.execute(
            [
                amendment(),
                AddMember(
                    body="wg",
                    member="kent-probation",
                    category="responsible-authority",
                    effective=date(2024, 4, 1),
                    authority=Authority(decision=APPROVAL),
                ),
            ]
        )
    with freeze_time("2024-05-01 10:00:00"):
        # The minutes, approved later, say the vote was lost.
        ledger.execute(
            [
                CorrectEvent(
                    event=decided,
                    changes={"outcome": "lost", "counts": {"yes": 1, "no": 3, "abstain": 0}},
                    reason="the approved minutes record the motion as lost",
                )
            ]
        )
    now = ledger.tor("wg", on=date(2024, 4, 1), section="meetings")
    check = next(p.decision for p in now.provenance if p.decision is not None)
    assert check.valid is False
    assert check.problems == ["it was lost, not carried"]
    # What was known in April: good authority then.
    before = ledger.tor(
        "wg", on=date(2024, 4, 1), section="meetings", known_at=datetime(2024, 4, 1, tzinfo=UTC)
    )
    assert all(p.decision.valid for p in before.provenance if p.decision is not None)
    seat = next(
        m for m in ledger.members("wg", on=date(2024, 4, 2)).members if m.member == "kent-probation"
    )
    assert seat.decision is not None
    assert seat.decision.valid is False
    flagged = [h for h in ledger.tor_history("wg", section="meetings") if h.decision is not None]
    assert flagged
    assert flagged[0].decision is not None
    assert not flagged[0].decision.valid


def test_a_retracted_meeting_leaves_its_decisions_invalid_not_missing(ledger: Ledger) -> None:
    from ledger.domain.meeting import AddAgendaItem, ScheduleMeeting
    from tests.integration.test_quorum import attend

    day = "wg-2024-05-01"
    ids = ledger.execute(
        [
            *setting(),
            ScheduleMeeting(body="wg", effective=date(2024, 5, 1)),
            AddAgendaItem(meeting=day, item="1", title="Any other business"),
            attend(day, "c-hart", "Chief Inspector Hart"),
            ProposeMotion(motion="aob", meeting=day, item="1", text="To note", mover="c-hart"),
            DecideMotion(motion="aob", outcome=Outcome.AGREED, method=How.CONSENSUS),
        ]
    ).event_ids
    for event in reversed(ids[-5:-2]):  # the meeting, entered in error, taken back
        ledger.execute([RetractEvent(event=str(event), reason="entered in error")])
    report = ledger.decision("aob")
    assert report.valid is False
    assert [(f.check, f.message) for f in report.findings] == [
        ("meeting", "the meeting wg-2024-05-01 is not (or is no longer) recorded")
    ]


def test_a_field_left_out_while_empty_can_be_set_by_a_correction(ledger: Ledger) -> None:
    from tests.integration.test_decisions import hands, motion

    decided = ledger.execute([*setting(), motion(), hands(3, 1)]).event_ids[-1]
    with pytest.raises(Exception, match="has no field nonsense"):
        ledger.execute([CorrectEvent(event=decided, changes={"nonsense": 1}, reason="x")])
    ledger.execute(
        [CorrectEvent(event=decided, changes={"published": "2024-03-18"}, reason="published")]
    )
    assert ledger.decision("wg-2024-03-14-5a").published == "2024-03-18"
