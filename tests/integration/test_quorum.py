"""Was a meeting quorate, and why: as a clerk records it and a scrutiny member asks it.

The KCSP Working Group's terms of reference say "no less than four of the responsible
authorities represented"; the Strategy Group's say "five members including the chair
and at least one member from health"; the Board's say "half of its members".
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from freezegun import freeze_time

from ledger.application import Ledger
from ledger.domain.body import EstablishBody
from ledger.domain.commands import Command
from ledger.domain.corrections import CorrectEvent, RetractEvent
from ledger.domain.errors import NotFound, RuleViolation
from ledger.domain.events import Authority
from ledger.domain.meeting import (
    AddAgendaItem,
    ApproveMinutes,
    Classification,
    DeclareInterest,
    MeetingOutcome,
    RecordAttendance,
    ScheduleMeeting,
    Status,
)
from ledger.domain.membership import (
    AddMember,
    AppointRepresentative,
    ElectOfficeHolder,
    EndMember,
    NameSubstitute,
)
from ledger.domain.organisation import OrganisationSector, RegisterOrganisation
from ledger.domain.quorum import QuorumResult
from ledger.domain.rules import (
    Counted,
    FractionPresent,
    MeetingFrequency,
    MembershipLimit,
    MinimumPresent,
    OfficeHolderPresent,
    QuorumRule,
    TextRule,
)
from ledger.domain.tor import AdoptTor, AmendSection, SectionText

RA = "responsible-authority"
FOUR_AUTHORITIES = QuorumRule(
    all_of=[MinimumPresent(at_least=4, of=Counted.ORGANISATIONS, category=RA)]
)
THREE_AUTHORITIES = QuorumRule(
    all_of=[MinimumPresent(at_least=3, of=Counted.ORGANISATIONS, category=RA)]
)
FIVE_WITH_CHAIR_AND_HEALTH = QuorumRule(
    all_of=[
        MinimumPresent(at_least=5),
        OfficeHolderPresent(office="chair"),
        MinimumPresent(at_least=1, sector="health"),
    ]
)
HALF = QuorumRule(all_of=[FractionPresent(numerator=1, denominator=2)])

ORGANISATIONS = [
    ("kent-police", "Kent Police", OrganisationSector.POLICE),
    ("kent-pcc", "Office of the Kent PCC", OrganisationSector.POLICE_AND_CRIME_COMMISSIONER),
    ("kcc", "Kent County Council", OrganisationSector.LOCAL_AUTHORITY),
    ("medway", "Medway Council", OrganisationSector.LOCAL_AUTHORITY),
    ("kfrs", "Kent Fire and Rescue Service", OrganisationSector.FIRE_AND_RESCUE),
    ("nhs-kent", "NHS Kent and Medway", OrganisationSector.HEALTH),
    ("probation", "The Probation Service", OrganisationSector.PROBATION),
    ("porchlight", "Porchlight", OrganisationSector.VOLUNTARY),
]


def registered() -> list[Command]:
    return [
        RegisterOrganisation(
            organisation=slug, name=name, sector=sector, effective=date(2010, 1, 1)
        )
        for slug, name, sector in ORGANISATIONS
    ]


def seat(
    body: str,
    member: str,
    person: str,
    name: str,
    *,
    category: str = RA,
    organisation: str | None = "",
    effective: date = date(2016, 7, 14),
    voting: bool = True,
) -> AddMember:
    return AddMember(
        body=body,
        member=member,
        organisation=member if organisation == "" else organisation,
        category=category,
        voting=voting,
        representative=person,
        representative_name=name,
        effective=effective,
    )


def working_group() -> list[Command]:
    """The KCSP Working Group: four responsible authorities make a quorum."""
    return [
        *registered(),
        EstablishBody(
            body="wg", name="KCSP Working Group", kind="working-group", effective=date(2015, 1, 1)
        ),
        AdoptTor(
            body="wg",
            effective=date(2016, 7, 14),
            title="KCSP Working Group Terms of Reference",
            authority=Authority(meeting="kcsp-2016-07-14", item="7"),
            sections=[
                SectionText(
                    id="membership",
                    number="3",
                    heading="MEMBERSHIP",
                    text="Up to two co-opted members.",
                    rules=[MembershipLimit(category="co-opted", at_most=2)],
                ),
                SectionText(
                    id="meetings",
                    number="5",
                    heading="MEETINGS",
                    text="The group will meet quarterly.",
                    rules=[MeetingFrequency(at_least=1, per="quarter")],
                ),
                SectionText(
                    id="quorum",
                    number="6",
                    heading="QUORUM",
                    text="No less than four of the responsible authorities represented.",
                    rules=[FOUR_AUTHORITIES],
                ),
            ],
        ),
        seat("wg", "kent-police", "c-hart", "Chief Inspector Hart"),
        seat("wg", "kent-pcc", "e-ray", "Eve Ray"),
        seat("wg", "kcc", "k-jones", "Kim Jones"),
        NameSubstitute(
            body="wg",
            member="kcc",
            person="s-brinson",
            name="Sam Brinson",
            effective=date(2020, 1, 1),
        ),
        seat("wg", "medway", "m-shah", "Mo Shah"),
        seat("wg", "kfrs", "f-white", "Fay White"),
        seat("wg", "nhs-kent", "h-green", "Hal Green"),
        seat("wg", "probation", "p-ward", "Pat Ward", effective=date(2024, 6, 1)),
        seat("wg", "crc", "c-old", "Cat Old", organisation=None),
        EndMember(body="wg", member="crc", effective=date(2021, 6, 26)),
        seat(
            "wg",
            "porchlight",
            "v-lee",
            "Val Lee",
            category="co-operating-body",
            voting=False,
        ),
    ]


def meeting(body: str, day: date, items: int = 0, public: bool = False) -> list[Command]:
    slug = f"{body}-{day.isoformat()}"
    commands: list[Command] = [ScheduleMeeting(body=body, effective=day, public=public)]
    commands += [
        AddAgendaItem(meeting=slug, item=str(n), title=f"Item {n}") for n in range(1, items + 1)
    ]
    return commands


def attend(
    meeting_id: str,
    person: str,
    name: str,
    status: Status = Status.PRESENT,
    **fields: Any,
) -> RecordAttendance:
    return RecordAttendance(meeting=meeting_id, person=person, name=name, status=status, **fields)


def held(meeting_id: str) -> MeetingOutcome:
    return MeetingOutcome(meeting=meeting_id, outcome="held")


def reasons(result: QuorumResult) -> dict[str, str]:
    return {n.name: n.reason for n in result.not_counted}


def counted(result: QuorumResult) -> dict[str, tuple[str, str]]:
    return {c.name: (c.member, c.capacity) for c in result.counted}


MARCH = "wg-2024-03-14"


def march_meeting() -> list[Command]:
    """A meeting with every kind of attendance a clerk meets in the minutes."""
    return [
        *meeting("wg", date(2024, 3, 14), items=4),
        AddAgendaItem(
            meeting=MARCH,
            item="5",
            title="Funding bid",
            classification=Classification.FOR_DECISION,
            financial=True,
        ),
        attend(MARCH, "c-hart", "Chief Inspector Hart"),
        attend(MARCH, "k-jones", "Kim Jones"),
        attend(MARCH, "s-brinson", "Sam Brinson", Status.SUBSTITUTE, substitute_for="kcc"),
        attend(MARCH, "t-tate", "Tom Tate", Status.SUBSTITUTE, substitute_for="kcc"),
        attend(MARCH, "f-white", "Fay White", to_item="2"),
        attend(MARCH, "h-green", "Hal Green", from_item="2"),
        attend(MARCH, "m-shah", "Mo Shah"),
        attend(MARCH, "e-ray", "Eve Ray", Status.APOLOGIES),
        attend(MARCH, "p-ward", "Pat Ward"),
        attend(MARCH, "c-old", "Cat Old", member="crc"),
        attend(MARCH, "v-lee", "Val Lee"),
        attend(MARCH, "a-officer", "Ann Officer", Status.IN_ATTENDANCE),
        DeclareInterest(
            meeting=MARCH, person="m-shah", item="3", interest="trustee of a bidder", withdrew=True
        ),
        DeclareInterest(meeting=MARCH, person="c-hart", item="3", interest="knows the bidder"),
        held(MARCH),
    ]


def test_a_quorate_meeting_says_who_counted_and_who_did_not(ledger: Ledger) -> None:
    ledger.execute([*working_group(), *march_meeting()])

    result = ledger.quorum(MARCH)
    assert result.quorate is True
    assert (result.status, result.date, result.item) == ("held", "2024-03-14", None)
    assert result.rule == "quorate with at least 4 responsible-authority organisation(s) present"
    assert result.rule_section == "quorum"
    assert [(r.have, r.need, r.met) for r in result.requirements] == [(4, 4, True)]
    assert counted(result) == {
        "Chief Inspector Hart": ("kent-police", "representative"),
        "Fay White": ("kfrs", "representative"),
        "Kim Jones": ("kcc", "representative"),
        "Mo Shah": ("medway", "representative"),
    }
    assert reasons(result) == {
        "Ann Officer": "in attendance, not a member",
        "Cat Old": "crc is not a member on 2024-03-14",
        "Eve Ray": "apologies",
        "Hal Green": "not in the room at the start",
        "Pat Ward": "Pat Ward is not a member on 2024-03-14",
        "Sam Brinson": "kcc's seat is already counted (Kim Jones)",
        "Tom Tate": "not the named substitute for kcc (Sam Brinson is)",
        "Val Lee": "porchlight is non-voting",
    }
    assert result.note is None


def test_arrivals_departures_and_withdrawals_change_quorum_item_by_item(ledger: Ledger) -> None:
    ledger.execute([*working_group(), *march_meeting()])

    by_item = {item: ledger.quorum(MARCH, item=item) for item in ("1", "2", "3", "4", "5")}
    assert {item: r.quorate for item, r in by_item.items()} == {
        "1": True,
        "2": True,
        "3": False,
        "4": True,
        "5": True,
    }
    assert [r.requirements[0].have for r in by_item.values()] == [4, 5, 3, 4, 4]
    # Hal Green arrived for item 2; Fay White left after item 2.
    assert "Hal Green" not in counted(by_item["1"])
    assert counted(by_item["2"])["Hal Green"] == ("nhs-kent", "representative")
    assert reasons(by_item["3"])["Fay White"] == "not in the room at item 3"
    # Mo Shah withdrew for item 3 only; a declared interest without withdrawal changes nothing.
    assert reasons(by_item["3"])["Mo Shah"] == "withdrawn for an interest in item 3"
    assert "Chief Inspector Hart" in counted(by_item["3"])
    assert "Mo Shah" in counted(by_item["4"])
    assert "Mo Shah" in counted(by_item["2"])
    assert by_item["3"].item == "3"

    with pytest.raises(NotFound, match="wg-2024-03-14 has no agenda item 9"):
        ledger.quorum(MARCH, item="9")
    with pytest.raises(NotFound, match="unknown meeting 'wg-2024-03-15'"):
        ledger.quorum("wg-2024-03-15")


def test_a_member_who_joined_later_counts_only_from_joining(ledger: Ledger) -> None:
    june = "wg-2024-06-13"
    ledger.execute(
        [
            *working_group(),
            *march_meeting(),
            *meeting("wg", date(2024, 6, 13)),
            attend(june, "p-ward", "Pat Ward"),
            attend(june, "c-hart", "Chief Inspector Hart"),
            attend(june, "e-ray", "Eve Ray"),
            attend(june, "h-green", "Hal Green", Status.ABSENT),
            held(june),
        ]
    )
    assert "Pat Ward" in reasons(ledger.quorum(MARCH))
    result = ledger.quorum(june)
    assert result.quorate is False
    assert counted(result) == {
        "Chief Inspector Hart": ("kent-police", "representative"),
        "Eve Ray": ("kent-pcc", "representative"),
        "Pat Ward": ("probation", "representative"),
    }
    assert reasons(result) == {"Hal Green": "absent"}
    assert [(r.have, r.need, r.met) for r in result.requirements] == [(3, 4, False)]


def test_each_meeting_is_judged_by_the_rule_in_force_on_its_own_date(ledger: Ledger) -> None:
    ledger.execute(working_group())
    three = [
        ("c-hart", "Chief Inspector Hart"),
        ("k-jones", "Kim Jones"),
        ("f-white", "Fay White"),
    ]
    for day in (date(2024, 6, 13), date(2024, 9, 12)):
        slug = f"wg-{day.isoformat()}"
        ledger.execute([*meeting("wg", day), *(attend(slug, p, n) for p, n in three), held(slug)])
    ledger.execute(
        [
            AmendSection(
                body="wg",
                section="quorum",
                effective=date(2024, 7, 1),
                text="No less than three of the responsible authorities represented.",
                rules=[THREE_AUTHORITIES],
                authority=Authority(meeting="kcsp-2024-07-04", item="5"),
            )
        ]
    )

    before = ledger.quorum("wg-2024-06-13")
    after = ledger.quorum("wg-2024-09-12")
    assert (before.quorate, before.rule) == (
        False,
        "quorate with at least 4 responsible-authority organisation(s) present",
    )
    assert (after.quorate, after.rule) == (
        True,
        "quorate with at least 3 responsible-authority organisation(s) present",
    )
    assert counted(before) == counted(after)
    listed = ledger.meetings("wg")
    assert [(m.id, m.quorate) for m in listed] == [
        ("wg-2024-06-13", False),
        ("wg-2024-09-12", True),
    ]


def test_the_chair_and_health_must_be_there_for_the_strategy_group(ledger: Ledger) -> None:
    members = [
        ("kent-police", "c-hart", "Chief Inspector Hart"),
        ("kcc", "cllr-able", "Cllr Ann Able"),
        ("medway", "m-shah", "Mo Shah"),
        ("kfrs", "f-white", "Fay White"),
        ("nhs-kent", "h-green", "Hal Green"),
        ("probation", "p-ward", "Pat Ward"),
    ]
    ledger.execute(
        [
            *registered(),
            EstablishBody(
                body="sg", name="Strategy Group", kind="strategy-group", effective=date(2020, 1, 1)
            ),
            AdoptTor(
                body="sg",
                effective=date(2020, 1, 1),
                sections=[
                    SectionText(
                        id="quorum",
                        number="4",
                        heading="Quorum",
                        text="Five members including the chair and at least one member "
                        "from health.",
                        rules=[FIVE_WITH_CHAIR_AND_HEALTH],
                    )
                ],
            ),
            *(seat("sg", m, p, n, effective=date(2020, 1, 1)) for m, p, n in members),
            ElectOfficeHolder(
                body="sg",
                office="chair",
                person="cllr-able",
                name="Cllr Ann Able",
                effective=date(2023, 5, 1),
                term_end=date(2024, 4, 30),
            ),
            ElectOfficeHolder(
                body="sg",
                office="vice-chair",
                person="c-hart",
                name="Chief Inspector Hart",
                effective=date(2023, 5, 1),
            ),
        ]
    )

    def hold(day: date, present: list[str]) -> QuorumResult:
        slug = f"sg-{day.isoformat()}"
        names = {p: n for _, p, n in members}
        ledger.execute(
            [*meeting("sg", day), *(attend(slug, p, names[p]) for p in present), held(slug)]
        )
        return ledger.quorum(slug)

    everyone = ["cllr-able", "c-hart", "m-shah", "f-white", "h-green"]
    ok = hold(date(2024, 1, 10), everyone)
    assert ok.quorate is True
    assert [(r.requirement, r.met) for r in ok.requirements] == [
        ("at least 5 member(s) present", True),
        ("the chair (or deputy) present", True),
        ("at least 1 health member(s) present", True),
    ]

    no_health = hold(date(2024, 2, 14), ["cllr-able", "c-hart", "m-shah", "f-white", "p-ward"])
    assert no_health.quorate is False
    assert [r.met for r in no_health.requirements] == [True, True, False]

    four = hold(date(2024, 3, 13), ["cllr-able", "c-hart", "m-shah", "h-green"])
    assert four.quorate is False
    assert (four.requirements[0].have, four.requirements[0].need) == (4, 5)

    vice_in_the_chair = hold(
        date(2024, 4, 10), ["c-hart", "m-shah", "f-white", "h-green", "p-ward"]
    )
    assert vice_in_the_chair.quorate is True

    # The chair's term ended on 30 April and the vice-chair is away: no one is in the chair.
    after_term = hold(date(2024, 5, 8), ["cllr-able", "m-shah", "f-white", "h-green", "p-ward"])
    assert after_term.quorate is False
    assert [r.met for r in after_term.requirements] == [True, False, True]

    on_last_day = ledger.members("sg", date(2024, 4, 30))
    assert on_last_day.offices == {"chair": "Cllr Ann Able", "vice-chair": "Chief Inspector Hart"}
    views = {m.member: m for m in on_last_day.members}
    assert views["kcc"].offices == ["chair"]
    assert views["kent-police"].offices == ["vice-chair"]
    after = ledger.members("sg", date(2024, 5, 1))
    assert after.offices == {"vice-chair": "Chief Inspector Hart"}
    assert {m.member: m.offices for m in after.members}["kcc"] == []


def test_half_the_members_of_the_board(ledger: Ledger) -> None:
    voting = [("a", "Ada"), ("b", "Ben"), ("c", "Cai"), ("d", "Dot"), ("e", "Eli"), ("f", "Fen")]
    ledger.execute(
        [
            EstablishBody(body="board", name="Board", kind="board", effective=date(2020, 1, 1)),
            AdoptTor(
                body="board",
                effective=date(2020, 1, 1),
                sections=[
                    SectionText(
                        id="quorum",
                        number="2",
                        heading="Quorum",
                        text="Half of the members.",
                        rules=[HALF],
                    )
                ],
            ),
            *(
                seat(
                    "board",
                    f"m-{m}",
                    m,
                    n,
                    category="independent",
                    organisation=None,
                    effective=date(2020, 1, 1),
                )
                for m, n in voting
            ),
            seat(
                "board",
                "observer",
                "o",
                "Obi",
                category="invitee",
                organisation=None,
                voting=False,
                effective=date(2020, 1, 1),
            ),
            *meeting("board", date(2024, 1, 9)),
            *meeting("board", date(2024, 2, 6)),
            attend("board-2024-01-09", "a", "Ada"),
            attend("board-2024-01-09", "b", "Ben"),
            attend("board-2024-01-09", "o", "Obi"),
            attend("board-2024-02-06", "a", "Ada"),
            attend("board-2024-02-06", "b", "Ben"),
            attend("board-2024-02-06", "c", "Cai"),
        ]
    )
    short = ledger.quorum("board-2024-01-09")
    assert short.quorate is False
    assert [(r.requirement, r.have, r.need) for r in short.requirements] == [
        ("at least 1/2 of the members present", 2, 3)
    ]
    assert reasons(short) == {"Obi": "observer is non-voting"}
    assert short.status == "scheduled"
    assert ledger.quorum("board-2024-02-06").quorate is True


def test_no_quorum_rule_and_cancelled_meetings_are_not_evaluated(ledger: Ledger) -> None:
    ledger.execute(
        [
            *working_group(),
            EstablishBody(
                body="sub", name="ASB Subgroup", kind="subgroup", effective=date(2020, 1, 1)
            ),
            AdoptTor(
                body="sub",
                effective=date(2020, 1, 1),
                sections=[
                    SectionText(
                        id="quorum",
                        number="1",
                        heading="Quorum",
                        text="A quorum is whoever turns up.",
                        rules=[TextRule(text="A quorum is whoever turns up.")],
                    )
                ],
            ),
            *meeting("sub", date(2024, 3, 1)),
            attend("sub-2024-03-01", "x", "Xan"),
            *meeting("wg", date(2024, 12, 12)),
            MeetingOutcome(meeting="wg-2024-12-12", outcome="cancelled", reason="snow"),
        ]
    )
    unruled = ledger.quorum("sub-2024-03-01")
    assert unruled.quorate is None
    assert unruled.rule is None
    assert unruled.requirements == []
    assert unruled.note == (
        "the terms of reference in force on 2024-03-01 state no machine-checked quorum rule"
    )
    assert reasons(unruled) == {"Xan": "Xan is not a member on 2024-03-01"}

    cancelled = ledger.quorum("wg-2024-12-12")
    assert (cancelled.quorate, cancelled.status) == (None, "cancelled")
    assert cancelled.note == "the meeting was cancelled"
    assert cancelled.counted == []
    assert cancelled.requirements == []
    assert [(m.id, m.status, m.quorate) for m in ledger.meetings("wg")] == [
        ("wg-2024-12-12", "cancelled", None)
    ]


def _inquorate_meeting_then_minutes(ledger: Ledger) -> tuple[int, datetime]:
    """Record a meeting whose minutes wrongly give Hal Green's apologies; returns the
    position of that record and a moment before it was corrected."""
    march = "wg-2024-03-14"
    june = "wg-2024-06-13"
    with freeze_time("2024-03-01 09:00:00"):
        ledger.execute(working_group())
    with freeze_time("2024-03-15 09:00:00"):
        receipt = ledger.execute(
            [
                *meeting("wg", date(2024, 3, 14)),
                attend(march, "c-hart", "Chief Inspector Hart"),
                attend(march, "k-jones", "Kim Jones"),
                attend(march, "f-white", "Fay White"),
                attend(march, "h-green", "Hal Green", Status.APOLOGIES),
                held(march),
            ]
        )
    with freeze_time("2024-06-14 09:00:00"):
        ledger.execute(
            [
                *meeting("wg", date(2024, 6, 13)),
                held(june),
                ApproveMinutes(meeting=march, approved_at=june),
            ]
        )
    return receipt.positions[4], datetime(2024, 6, 20, tzinfo=UTC)


@pytest.mark.parametrize("how", ["record-again", "correct"])
def test_attendance_corrected_when_the_minutes_were_approved(ledger: Ledger, how: str) -> None:
    position, before = _inquorate_meeting_then_minutes(ledger)
    june = Authority(meeting="wg-2024-06-13", item="2")
    with freeze_time("2024-07-01 09:00:00"):
        if how == "record-again":
            ledger.execute([attend("wg-2024-03-14", "h-green", "Hal Green", authority=june)])
        else:
            ledger.execute(
                [
                    CorrectEvent(
                        event=f"#{position}",
                        changes={"status": "present"},
                        reason="Hal Green was present; the minutes were corrected",
                        authority=june,
                    )
                ]
            )

    now = ledger.quorum("wg-2024-03-14")
    then = ledger.quorum("wg-2024-03-14", known_at=before)
    assert (now.quorate, then.quorate) == (True, False)
    assert "Hal Green" in counted(now)
    assert reasons(then)["Hal Green"] == "apologies"
    listed = ledger.meetings("wg", known_at=before)
    assert [(m.id, m.quorate, m.minutes_approved_at) for m in listed] == [
        ("wg-2024-03-14", False, "wg-2024-06-13"),
        ("wg-2024-06-13", False, None),
    ]
    assert ledger.meetings("wg")[0].quorate is True
    with pytest.raises(NotFound, match="unknown meeting"):
        ledger.quorum("wg-2024-03-14", known_at=datetime(2024, 3, 14, tzinfo=UTC))


def test_attendance_recorded_in_error_is_retracted(ledger: Ledger) -> None:
    ledger.execute([*working_group(), *march_meeting()])
    tom = next(e.position for e in ledger.log() if e.summary.startswith("Tom Tate:"))
    with freeze_time("2030-01-01"):
        ledger.execute([RetractEvent(event=f"#{tom}", reason="he was at another meeting")])

    result = ledger.quorum(MARCH)
    assert "Tom Tate" not in reasons(result)
    assert result.quorate is True
    assert ledger.meetings("wg")[0].present == 9
    before = ledger.quorum(MARCH, known_at=datetime(2029, 1, 1, tzinfo=UTC))
    assert reasons(before)["Tom Tate"] == "not the named substitute for kcc (Sam Brinson is)"


def test_a_third_co_opted_member_is_refused_with_the_rule_quoted(ledger: Ledger) -> None:
    ledger.execute(working_group())
    for person in ("co-a", "co-b"):
        ledger.execute(
            [
                seat(
                    "wg",
                    person,
                    person,
                    person.upper(),
                    category="co-opted",
                    organisation=None,
                    effective=date(2024, 1, 1),
                )
            ]
        )
    count = ledger.count()
    third = seat(
        "wg",
        "co-c",
        "co-c",
        "CO-C",
        category="co-opted",
        organisation=None,
        effective=date(2024, 2, 1),
    )
    with pytest.raises(RuleViolation) as refused:
        ledger.execute([third])
    assert str(refused.value) == (
        "refused: on 2024-02-01 wg would have 3 co-opted seats (co-a, co-b, co-c); "
        "its terms of reference (section membership) allow at most 2"
    )
    assert ledger.count() == count
    assert "co-c" not in {m.member for m in ledger.members("wg", date(2024, 3, 1)).members}

    # Before the first two were co-opted, or once one has left, there is room.
    ledger.execute([EndMember(body="wg", member="co-a", effective=date(2024, 12, 31))])
    ledger.execute([third.model_copy(update={"effective": date(2025, 1, 1)})])
    assert ledger.count() == count + 3


def test_members_shows_representatives_substitutes_and_when_they_sat(ledger: Ledger) -> None:
    ledger.execute(
        [
            *working_group(),
            AppointRepresentative(
                body="wg",
                member="kcc",
                person="r-new",
                name="Rae New",
                role="Head of Community Safety",
                effective=date(2024, 1, 1),
            ),
        ]
    )
    report = ledger.members("wg", date(2021, 6, 25))
    views = {m.member: m for m in report.members}
    assert report.on == "2021-06-25"
    assert set(views) == {
        "crc",
        "kcc",
        "kent-pcc",
        "kent-police",
        "kfrs",
        "medway",
        "nhs-kent",
        "porchlight",
    }
    assert (views["kcc"].representative, views["kcc"].substitute) == ("Kim Jones", "Sam Brinson")
    assert views["kcc"].organisation_name == "Kent County Council"
    assert views["kcc"].joined == "2016-07-14"
    assert views["porchlight"].voting is False
    assert views["crc"].organisation is None

    later = {m.member: m for m in ledger.members("wg", date(2024, 6, 1)).members}
    assert "crc" not in later
    assert "probation" in later
    assert later["kcc"].representative == "Rae New"
    assert later["kcc"].substitute == "Sam Brinson"
    assert ledger.members("wg", date(2016, 7, 13)).members == []
    with pytest.raises(NotFound, match="unknown body 'nobody'"):
        ledger.members("nobody", date(2024, 1, 1))


def test_meetings_lists_ids_with_quorum_at_the_start(ledger: Ledger) -> None:
    ledger.execute(
        [
            *working_group(),
            *march_meeting(),
            *meeting("wg", date(2024, 6, 13), public=True),
            held("wg-2024-06-13"),
            *meeting("wg", date(2024, 9, 12), items=2),
        ]
    )
    ledger.execute([ApproveMinutes(meeting=MARCH, approved_at="wg-2024-06-13")])
    listed = ledger.meetings("wg")
    assert [(m.id, m.date, m.status, m.public, m.items, m.quorate) for m in listed] == [
        ("wg-2024-03-14", "2024-03-14", "held", False, 5, True),
        ("wg-2024-06-13", "2024-06-13", "held", True, 0, False),
        ("wg-2024-09-12", "2024-09-12", "scheduled", False, 2, False),
    ]
    # In the room at the start: everyone present but Hal Green (late); Ann Officer too.
    assert listed[0].present == 10
    assert listed[0].minutes_approved_at == "wg-2024-06-13"
    assert [
        m.id for m in ledger.meetings("wg", first=date(2024, 4, 1), last=date(2024, 6, 30))
    ] == ["wg-2024-06-13"]
    assert [m.id for m in ledger.meetings("wg", last=date(2024, 4, 1))] == ["wg-2024-03-14"]


def _held_meetings(
    body: str, days: list[date], public: frozenset[date] = frozenset()
) -> list[Command]:
    commands: list[Command] = []
    for day in days:
        commands += [*meeting(body, day, public=day in public), held(f"{body}-{day.isoformat()}")]
    return commands


def test_compliance_with_quarterly_meetings(ledger: Ledger) -> None:
    ledger.execute(
        [
            *working_group(),
            *_held_meetings("wg", [date(2024, 3, 14), date(2024, 6, 13), date(2024, 9, 12)]),
            *meeting("wg", date(2024, 12, 12)),
            MeetingOutcome(meeting="wg-2024-12-12", outcome="cancelled"),
            *_held_meetings("wg", [date(2023, m, 10) for m in (1, 4, 7, 10)]),
        ]
    )
    report = ledger.compliance("wg", 2024)
    assert report.held == ["wg-2024-03-14", "wg-2024-06-13", "wg-2024-09-12"]
    assert [(c.period, c.held, c.required, c.met) for c in report.checks] == [
        ("2024 Q1", 1, 1, True),
        ("2024 Q2", 1, 1, True),
        ("2024 Q3", 1, 1, True),
        ("2024 Q4", 0, 1, False),
    ]
    assert report.compliant is False
    assert {c.section for c in report.checks} == {"meetings"}
    assert ledger.compliance("wg", 2023).compliant is True
    early = ledger.compliance("wg", 2015)
    assert (early.checks, early.compliant) == ([], None)
    assert early.note == "no machine-checked meeting-frequency rule was in force for wg in 2015"


def test_compliance_with_ten_a_year_and_one_in_public(ledger: Ledger) -> None:
    ten_2023 = [date(2023, m, 5) for m in range(1, 11)]
    nine_2024 = [date(2024, m, 5) for m in range(1, 10)]
    ledger.execute(
        [
            EstablishBody(
                body="csp",
                name="Community Safety Partnership",
                kind="partnership",
                effective=date(2020, 1, 1),
            ),
            AdoptTor(
                body="csp",
                effective=date(2020, 1, 1),
                sections=[
                    SectionText(
                        id="meetings",
                        number="5",
                        heading="Meetings",
                        text="The Strategy Group will meet 10 times per year, once in public.",
                        rules=[
                            MeetingFrequency(at_least=10, per="year"),
                            MeetingFrequency(at_least=1, per="year", public=True),
                        ],
                    )
                ],
            ),
            *_held_meetings("csp", ten_2023, public=frozenset({date(2023, 6, 5)})),
            *_held_meetings("csp", nine_2024),
            *meeting("csp", date(2024, 11, 5), public=True),
            MeetingOutcome(meeting="csp-2024-11-05", outcome="cancelled"),
        ]
    )
    met = ledger.compliance("csp", 2023)
    assert [(c.rule, c.held, c.required, c.met) for c in met.checks] == [
        ("at least 10 meeting(s) per year", 10, 10, True),
        ("at least 1 public meeting(s) per year", 1, 1, True),
    ]
    assert met.compliant is True
    missed = ledger.compliance("csp", 2024)
    assert [(c.held, c.required, c.met) for c in missed.checks] == [(9, 10, False), (0, 1, False)]
    assert missed.compliant is False
    assert len(missed.held) == 9
