"""A membership limit holds on every date, under every version of the terms of reference.

"No more than three invitees": a seat backdated into a period already full, a seat that
would sit on into a later, lower limit, a correction that moves a seat or a departure,
a retracted departure are refused, whatever their own effective date says.  A terms of
reference that lowers a limit below the seats already sitting is recorded, because a
body may adopt a limit and then reduce its membership; the receipt says so, and no one
can take a seat in the excess.  What a write records is judged as a whole: a seat and
its departure may come in either order in one import.
"""

from __future__ import annotations

from datetime import date

import pytest

from ledger.application import Ledger, Receipt
from ledger.domain.body import EstablishBody
from ledger.domain.commands import Command
from ledger.domain.corrections import CorrectEvent, RetractEvent
from ledger.domain.errors import RuleViolation
from ledger.domain.membership import AddMember, EndMember
from ledger.domain.rules import MembershipLimit, TextRule
from ledger.domain.tor import AdoptTor, AmendSection, InsertSection, SectionText

THREE_INVITEES = MembershipLimit(category="invitee", at_most=3)


def working_group(limit: MembershipLimit = THREE_INVITEES) -> list[Command]:
    return [
        EstablishBody(
            body="kcsp-wg",
            name="KCSP Working Group",
            kind="working-group",
            effective=date(2020, 1, 1),
        ),
        AdoptTor(
            body="kcsp-wg",
            effective=date(2020, 1, 1),
            sections=[
                SectionText(
                    id="membership",
                    number="3",
                    heading="MEMBERSHIP",
                    text="No more than three invitees.",
                    rules=[limit],
                )
            ],
        ),
    ]


def invitee(member: str, day: date, category: str = "invitee") -> AddMember:
    return AddMember(body="kcsp-wg", member=member, category=category, effective=day)


def leaves(member: str, day: date) -> EndMember:
    return EndMember(body="kcsp-wg", member=member, effective=day)


def seated(ledger: Ledger, day: date) -> list[str]:
    return sorted(m.member for m in ledger.members("kcsp-wg", day).members)


def refused(ledger: Ledger, commands: list[Command]) -> str:
    """The one line a refusal gives; nothing is recorded."""
    count = ledger.count()
    with pytest.raises(RuleViolation) as raised:
        ledger.execute(commands)
    assert ledger.count() == count
    return str(raised.value)


def full(ledger: Ledger) -> None:
    """Three invitees from January, February and March 2024."""
    ledger.execute(
        [
            *working_group(),
            invitee("a", date(2024, 1, 1)),
            invitee("b", date(2024, 2, 1)),
            invitee("c", date(2024, 3, 1)),
        ]
    )


def test_a_seat_backdated_into_a_period_already_full_is_refused(ledger: Ledger) -> None:
    full(ledger)

    # On its own date (June 2023) the fourth seat fits; from 1 March 2024 it would not.
    assert refused(ledger, [invitee("d", date(2023, 6, 1))]) == (
        "refused: on 2024-03-01 kcsp-wg would have 4 invitee seats (a, b, c, d); "
        "its terms of reference (section membership) allow at most 3"
    )
    # Seated only until the others fill the group, it fits: the write is judged whole.
    ledger.execute([invitee("d", date(2023, 6, 1)), leaves("d", date(2024, 3, 1))])
    assert seated(ledger, date(2024, 2, 29)) == ["a", "b", "d"]
    assert seated(ledger, date(2024, 3, 1)) == ["a", "b", "c"]
    # A write may list a new seat before the departure that makes room for it.
    ledger.execute([invitee("e", date(2024, 6, 1)), leaves("a", date(2024, 5, 31))])
    assert seated(ledger, date(2024, 6, 1)) == ["b", "c", "e"]
    # Other categories are not limited by the invitees' limit.
    ledger.execute([invitee("kent-police", date(2023, 6, 1), "responsible-authority")])


def test_a_seat_that_would_sit_on_under_a_later_lower_limit_is_refused(ledger: Ledger) -> None:
    ledger.execute(
        [
            *working_group(),
            invitee("a", date(2024, 1, 1)),
            invitee("b", date(2024, 2, 1)),
            AmendSection(
                body="kcsp-wg",
                section="membership",
                effective=date(2025, 1, 1),
                text="No more than two invitees.",
                rules=[MembershipLimit(category="invitee", at_most=2)],
            ),
        ]
    )

    # In June 2024 a third invitee is within the limit of three, but the review that
    # takes effect in 2025 allows two.
    assert refused(ledger, [invitee("c", date(2024, 6, 1))]) == (
        "refused: on 2025-01-01 kcsp-wg would have 3 invitee seats (a, b, c); "
        "its terms of reference (section membership) allow at most 2"
    )
    ledger.execute([invitee("c", date(2024, 6, 1)), leaves("c", date(2025, 1, 1))])
    assert seated(ledger, date(2024, 12, 31)) == ["a", "b", "c"]


def test_a_limit_in_a_section_inserted_later_binds_seats_recorded_after_it(
    ledger: Ledger,
) -> None:
    ledger.execute(
        [
            *working_group(MembershipLimit(category="co-opted", at_most=5)),
            InsertSection(
                body="kcsp-wg",
                effective=date(2026, 1, 1),
                section=SectionText(
                    id="invitees",
                    number="3A",
                    heading="INVITEES",
                    rules=[MembershipLimit(category="invitee", at_most=0)],
                ),
            ),
        ]
    )
    assert refused(ledger, [invitee("a", date(2024, 1, 1))]) == (
        "refused: on 2026-01-01 kcsp-wg would have 1 invitee seat (a); "
        "its terms of reference (section invitees) allow at most 0"
    )


def test_a_terms_of_reference_lowering_a_limit_below_the_seats_sitting_is_recorded_and_said(
    ledger: Ledger,
) -> None:
    full(ledger)

    receipt = ledger.execute(
        [
            AmendSection(
                body="kcsp-wg",
                section="membership",
                effective=date(2024, 7, 1),
                text="No more than two invitees.",
                rules=[MembershipLimit(category="invitee", at_most=2)],
            )
        ]
    )
    assert receipt.recorded == 1
    assert receipt.warnings == [
        "on 2024-07-01 kcsp-wg has 3 invitee seats (a, b, c); its terms of reference "
        "(section membership) allow at most 2: recorded, but no invitee seat can be taken "
        "until fewer sit"
    ]
    assert ledger.tor("kcsp-wg", date(2024, 7, 1)).sections[0].text == "No more than two invitees."

    # No one may take a seat in the excess, not even in place of someone leaving;
    # what reduces it is recorded.
    assert refused(ledger, [invitee("d", date(2024, 8, 1))]).startswith(
        "refused: on 2024-08-01 kcsp-wg would have 4 invitee seats (a, b, c, d)"
    )
    assert refused(ledger, [leaves("c", date(2024, 8, 1)), invitee("d", date(2024, 8, 1))]) == (
        "refused: on 2024-08-01 kcsp-wg would have 3 invitee seats (a, b, d); "
        "its terms of reference (section membership) allow at most 2"
    )
    assert ledger.execute([leaves("a", date(2024, 9, 1))]).warnings == []
    assert refused(ledger, [invitee("d", date(2024, 10, 1))]) == (
        "refused: on 2024-10-01 kcsp-wg would have 3 invitee seats (b, c, d); "
        "its terms of reference (section membership) allow at most 2"
    )
    ledger.execute([leaves("b", date(2024, 10, 1)), invitee("d", date(2024, 10, 1))])
    assert seated(ledger, date(2024, 10, 1)) == ["c", "d"]


def test_a_new_terms_of_reference_adopting_a_limit_is_recorded_and_said(ledger: Ledger) -> None:
    full(ledger)
    receipt = ledger.execute(
        [
            AdoptTor(
                body="kcsp-wg",
                effective=date(2024, 4, 1),
                sections=[
                    SectionText(
                        id="members",
                        number="2",
                        heading="Members",
                        rules=[MembershipLimit(category="invitee", at_most=1)],
                    )
                ],
            )
        ]
    )
    assert receipt.warnings == [
        "on 2024-04-01 kcsp-wg has 3 invitee seats (a, b, c); its terms of reference "
        "(section members) allow at most 1: recorded, but no invitee seat can be taken "
        "until fewer sit"
    ]
    # A change that leaves the excess as it was says nothing more.
    quiet = ledger.execute(
        [
            AmendSection(
                body="kcsp-wg",
                section="members",
                effective=date(2024, 5, 1),
                rules=[
                    MembershipLimit(category="invitee", at_most=1),
                    TextRule(text="Invitees are named by the chair."),
                ],
            )
        ]
    )
    assert quiet.warnings == []


def test_a_correction_moving_a_seat_into_a_full_period_is_refused(ledger: Ledger) -> None:
    full(ledger)
    left = ledger.execute([leaves("a", date(2024, 5, 1))])
    joined = ledger.execute([invitee("d", date(2024, 6, 1))])
    co_opted = ledger.execute([invitee("e", date(2024, 1, 1), "co-opted")])

    # Moving d's joining back before a left.
    assert refused(
        ledger,
        [CorrectEvent(event=joined.event_ids[0], effective=date(2024, 4, 1), reason="minuted")],
    ) == (
        "refused: on 2024-04-01 kcsp-wg would have 4 invitee seats (a, b, c, d); "
        "its terms of reference (section membership) allow at most 3"
    )
    # Moving a's departure after d joined.
    assert refused(
        ledger,
        [CorrectEvent(event=left.event_ids[0], effective=date(2024, 7, 1), reason="minuted")],
    ).startswith("refused: on 2024-06-01 kcsp-wg would have 4 invitee seats (a, b, c, d)")
    # Saying a never left.
    assert refused(ledger, [RetractEvent(event=left.event_ids[0], reason="she stayed")]) == (
        "refused: on 2024-06-01 kcsp-wg would have 4 invitee seats (a, b, c, d); "
        "its terms of reference (section membership) allow at most 3"
    )
    # Correcting a co-opted member's category to invitee.
    assert refused(
        ledger,
        [
            CorrectEvent(
                event=co_opted.event_ids[0], changes={"category": "invitee"}, reason="invited"
            )
        ],
    ).startswith("refused: on 2024-03-01 kcsp-wg would have 4 invitee seats (a, b, c, e)")

    # A correction that keeps within the limit is recorded.
    ledger.execute(
        [CorrectEvent(event=joined.event_ids[0], effective=date(2024, 5, 1), reason="minuted")]
    )
    assert seated(ledger, date(2024, 5, 1)) == ["b", "c", "d", "e"]


def test_retracting_the_amendment_that_raised_a_limit_is_recorded_and_said(
    ledger: Ledger,
) -> None:
    ledger.execute(working_group(MembershipLimit(category="invitee", at_most=1)))
    raised: Receipt = ledger.execute(
        [
            AmendSection(
                body="kcsp-wg",
                section="membership",
                effective=date(2024, 1, 1),
                rules=[MembershipLimit(category="invitee", at_most=2)],
            )
        ]
    )
    ledger.execute([invitee("a", date(2024, 2, 1)), invitee("b", date(2024, 3, 1))])

    receipt = ledger.execute(
        [RetractEvent(event=raised.event_ids[0], reason="the amendment was not carried")]
    )
    assert receipt.warnings == [
        "on 2024-03-01 kcsp-wg has 2 invitee seats (a, b); its terms of reference "
        "(section membership) allow at most 1: recorded, but no invitee seat can be taken "
        "until fewer sit"
    ]


def test_a_seat_recorded_with_its_representative_can_have_its_category_corrected(
    ledger: Ledger,
) -> None:
    full(ledger)
    joined = ledger.execute(
        [
            AddMember(
                body="kcsp-wg",
                member="kent-police",
                category="responsible-authority",
                representative="c-hart",
                representative_name="Chief Inspector Hart",
                effective=date(2024, 1, 1),
            )
        ]
    )
    # The correction stands where the joining stood, before the representative's
    # appointment of the same day; into a full category it is refused all the same.
    assert refused(
        ledger,
        [CorrectEvent(event=joined.event_ids[0], changes={"category": "invitee"}, reason="x")],
    ).startswith("refused: on 2024-03-01 kcsp-wg would have 4 invitee seats")
    ledger.execute(
        [CorrectEvent(event=joined.event_ids[0], changes={"category": "co-opted"}, reason="x")]
    )
    police = {m.member: m for m in ledger.members("kcsp-wg", date(2024, 3, 1)).members}
    assert (police["kent-police"].category, police["kent-police"].representative) == (
        "co-opted",
        "Chief Inspector Hart",
    )
