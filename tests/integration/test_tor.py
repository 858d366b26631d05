"""What the terms of reference said, on a date and as known at a moment."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time

from ledger.application import Ledger
from ledger.domain.body import EstablishBody
from ledger.domain.corrections import CorrectEvent, RetractEvent
from ledger.domain.errors import NotFound, RuleViolation
from ledger.domain.events import Authority
from ledger.domain.rules import DecisionMethod, MeetingFrequency, MinimumPresent, QuorumRule
from ledger.domain.tor import AdoptTor, AmendSection, InsertSection, RepealSection, SectionText
from ledger.queries.redline import marked

WG = EstablishBody(
    body="wg", name="KCSP Working Group", kind="working-group", effective=date(2008, 4, 1)
)
QUORUM = QuorumRule(
    all_of=[MinimumPresent(at_least=4, of="organisations", category="responsible-authority")]
)
ADOPT = AdoptTor(
    body="wg",
    effective=date(2016, 7, 14),
    title="KCSP Working Group Terms of Reference",
    authority=Authority(meeting="kcsp-2016-07-14", item="7"),
    sections=[
        SectionText(
            id="title", number="1", heading="TITLE", text="The group will be known as the WG."
        ),
        SectionText(
            id="membership",
            number="3",
            heading="MEMBERSHIP",
            text="- Kent Police\n- National Probation Service (NPS)",
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
            rules=[QUORUM],
        ),
    ],
)
PROBATION = AmendSection(
    body="wg",
    section="membership",
    effective=date(2024, 7, 4),
    text="- Kent Police\n- The Probation Service",
    authority=Authority(meeting="kcsp-2024-07-04", paper="KCSP Terms of Reference Update 2024"),
)


def section_texts(ledger: Ledger, day: date, known_at: datetime | None = None) -> dict[str, str]:
    return {s.id: s.text for s in ledger.tor("wg", day, known_at=known_at).sections}


def test_shows_the_document_in_force_on_a_date(ledger: Ledger) -> None:
    ledger.execute([WG, ADOPT, PROBATION])

    assert "National Probation Service" in section_texts(ledger, date(2024, 7, 3))["membership"]
    assert "The Probation Service" in section_texts(ledger, date(2024, 7, 4))["membership"]
    report = ledger.tor("wg", date(2024, 7, 4))
    assert [s.number for s in report.sections] == ["1", "3", "5", "6"]
    assert report.sections[3].rules == [QUORUM]
    authorities = [p.authority for p in report.provenance]
    assert "kcsp-2024-07-04; paper: KCSP Terms of Reference Update 2024" in authorities
    assert "kcsp-2016-07-14 item 7" in authorities


def test_before_adoption_there_is_nothing_to_show(ledger: Ledger) -> None:
    ledger.execute([WG, ADOPT])
    with pytest.raises(NotFound, match="no terms of reference in force on 2016-07-13"):
        ledger.tor("wg", date(2016, 7, 13))
    with pytest.raises(NotFound, match="unknown body 'nobody'"):
        ledger.tor("nobody", date(2020, 1, 1))


def test_a_future_change_is_pending_until_its_date(ledger: Ledger) -> None:
    ledger.execute([WG, ADOPT])
    ledger.execute(
        [
            AmendSection(
                body="wg",
                section="meetings",
                effective=date(2031, 1, 1),
                text="The group will meet monthly.",
                rules=[MeetingFrequency(at_least=1, per="month")],
            )
        ]
    )

    today = ledger.tor("wg", date(2030, 12, 31))
    assert today.sections[2].text == "The group will meet quarterly."
    assert [(c.section, c.effective, c.change) for c in today.pending] == [
        ("meetings", "2031-01-01", "amended")
    ]
    assert ledger.tor("wg", date(2031, 1, 1)).sections[2].rules == [
        MeetingFrequency(at_least=1, per="month")
    ]


def test_known_at_shows_what_the_ledger_believed_then(ledger: Ledger) -> None:
    with freeze_time("2024-06-01 10:00:00"):
        ledger.execute([WG, ADOPT])
    with freeze_time("2024-07-05 10:00:00"):
        ledger.execute([PROBATION])
    with freeze_time("2024-08-01 10:00:00"):
        ledger.execute(
            [
                CorrectEvent(
                    event=f"#{ledger.count()}",
                    effective=date(2024, 4, 1),
                    reason="The change took effect on 1 April",
                )
            ]
        )

    may = date(2024, 5, 1)
    assert "The Probation" in section_texts(ledger, may)["membership"]
    on_10_july = datetime(2024, 7, 10, tzinfo=UTC)
    assert "National" in section_texts(ledger, may, known_at=on_10_july)["membership"]
    assert (
        "The Probation"
        in section_texts(ledger, date(2024, 7, 4), known_at=on_10_july)["membership"]
    )
    before = datetime(2024, 7, 1, tzinfo=UTC)
    assert "National" in section_texts(ledger, date(2024, 7, 4), known_at=before)["membership"]


def test_diff_shows_a_word_level_redline_per_section(ledger: Ledger) -> None:
    ledger.execute(
        [
            WG,
            ADOPT,
            PROBATION,
            InsertSection(
                body="wg",
                effective=date(2024, 7, 4),
                after="meetings",
                section=SectionText(
                    id="decision-making",
                    number="7",
                    heading="DECISION MAKING",
                    text="By consensus.",
                    rules=[DecisionMethod(method="consensus")],
                ),
            ),
            RepealSection(body="wg", section="title", effective=date(2024, 7, 4)),
        ]
    )

    red = ledger.tor_diff("wg", date(2024, 7, 3), date(2024, 7, 4))
    changes = {c.section: c for c in red.changes}
    assert set(changes) == {"membership", "decision-making", "title"}
    assert changes["title"].change == "repealed"
    assert changes["decision-making"].change == "added"
    assert changes["decision-making"].rules_after == ["decisions by consensus"]
    pieces = [(p.op, p.text) for p in changes["membership"].text_diff]
    assert pieces == [
        ("=", "- Kent Police\n- "),
        ("-", "National"),
        ("+", "The"),
        ("=", " Probation Service"),
        ("-", " (NPS)"),
    ]
    assert marked(changes["membership"].text_diff).endswith(
        "- [-National-]{+The+} Probation Service[- (NPS)-]"
    )
    assert ledger.tor_diff("wg", date(2020, 1, 1), date(2024, 7, 3)).changes == []


def test_history_lists_every_change_with_its_fate(ledger: Ledger) -> None:
    ledger.execute([WG, ADOPT])
    wrong = ledger.execute(
        [
            AmendSection(
                body="wg", section="quorum", effective=date(2020, 1, 1), text="Five members."
            )
        ]
    )
    ledger.execute([RetractEvent(event=wrong.event_ids[0], reason="never approved")])
    ledger.execute([PROBATION])

    entries = ledger.tor_history("wg")
    assert [e.status for e in entries] == ["in force", "retracted by #4", "retracts #3", "in force"]
    assert [e.position for e in ledger.tor_history("wg", "quorum")] == [2, 3, 4]
    assert section_texts(ledger, date(2021, 1, 1))["quorum"].startswith("No less than four")
    with pytest.raises(NotFound, match="never had a section 'finance'"):
        ledger.tor_history("wg", "finance")


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            AmendSection(body="wg", section="nope", effective=date(2020, 1, 1), text="x"),
            "no section 'nope'",
        ),
        (
            AmendSection(body="wg", section="title", effective=date(2010, 1, 1), text="x"),
            "no terms of reference in force on 2010-01-01",
        ),
        (
            AmendSection(
                body="wg",
                section="title",
                effective=date(2020, 1, 1),
                text="The group will be known as the WG.",
            ),
            "changes nothing",
        ),
        (
            InsertSection(
                body="wg",
                effective=date(2020, 1, 1),
                section=SectionText(id="quorum", number="9", heading="Q"),
            ),
            "already has a section",
        ),
        (
            AmendSection(body="wg", section="title", effective=date(2020, 1, 1), rules=[QUORUM]),
            "would both set the quorum rule",
        ),
        (
            AdoptTor(
                body="wg",
                effective=date(2001, 1, 1),
                sections=[SectionText(id="a", number="1", heading="A")],
            ),
            "body 'wg' does not exist on 2001-01-01",
        ),
    ],
)
def test_refuses_amendments_the_document_cannot_take(ledger: Ledger, command, message: str) -> None:  # type: ignore[no-untyped-def]
    ledger.execute([WG, ADOPT])
    count = ledger.count()
    with pytest.raises(RuleViolation, match=message):
        ledger.execute([command])
    assert ledger.count() == count


def test_a_replacement_document_supersedes_the_old_one_from_its_date(ledger: Ledger) -> None:
    ledger.execute([WG, ADOPT])
    ledger.execute(
        [
            AdoptTor(
                body="wg",
                effective=date(2025, 1, 1),
                title="New ToR",
                sections=[SectionText(id="purpose", number="1", heading="Purpose", text="New.")],
            )
        ]
    )
    assert [s.id for s in ledger.tor("wg", date(2025, 1, 1)).sections] == ["purpose"]
    assert ledger.tor("wg", date(2024, 12, 31)).title == "KCSP Working Group Terms of Reference"
    red = ledger.tor_diff("wg", date(2024, 12, 31), date(2025, 1, 1))
    assert sorted(c.change for c in red.changes) == [
        "added",
        "repealed",
        "repealed",
        "repealed",
        "repealed",
    ]
