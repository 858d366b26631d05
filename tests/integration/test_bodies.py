"""Bodies over time, as a clerk records them and a scrutiny member asks about them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time

from ledger.application import Ledger
from ledger.domain.body import DissolveBody, EstablishBody, RenameBody
from ledger.domain.corrections import CorrectEvent, RetractEvent
from ledger.domain.errors import NotFound, RuleViolation
from ledger.domain.events import Authority

KCSP = EstablishBody(
    body="kcsp",
    name="Kent Community Safety Partnership",
    kind="partnership",
    effective=date(2007, 8, 1),
)
DHR = EstablishBody(
    body="kcsp-dhr",
    name="DHR Steering Group",
    kind="steering-group",
    parent="kcsp",
    effective=date(2011, 4, 13),
)


def names(ledger: Ledger, day: date, known_at: datetime | None = None) -> dict[str, str]:
    return {b.slug: b.name for b in ledger.bodies(day, known_at=known_at)}


def test_lists_bodies_as_they_stood_on_a_date(ledger: Ledger) -> None:
    ledger.execute([KCSP, DHR])
    ledger.execute(
        [RenameBody(body="kcsp-dhr", name="DARDR Steering Group", effective=date(2025, 7, 3))]
    )

    assert names(ledger, date(2007, 7, 31)) == {}
    assert names(ledger, date(2010, 1, 1)) == {"kcsp": "Kent Community Safety Partnership"}
    assert names(ledger, date(2025, 7, 2))["kcsp-dhr"] == "DHR Steering Group"
    assert names(ledger, date(2025, 7, 3))["kcsp-dhr"] == "DARDR Steering Group"


def test_a_dissolved_body_is_gone_from_its_dissolution_date(ledger: Ledger) -> None:
    ledger.execute([KCSP, DHR, DissolveBody(body="kcsp-dhr", effective=date(2020, 1, 1))])

    assert "kcsp-dhr" in names(ledger, date(2019, 12, 31))
    assert "kcsp-dhr" not in names(ledger, date(2020, 1, 1))
    listed = ledger.bodies(date(2020, 1, 1), include_dissolved=True)
    assert [b.dissolved for b in listed if b.slug == "kcsp-dhr"] == [date(2020, 1, 1)]


def test_known_at_shows_only_what_had_been_recorded(ledger: Ledger) -> None:
    with freeze_time("2025-01-10 09:00:00"):
        ledger.execute([KCSP, DHR])
    with freeze_time("2025-08-01 12:00:00"):
        ledger.execute(
            [RenameBody(body="kcsp-dhr", name="DARDR Steering Group", effective=date(2025, 7, 3))]
        )

    before = datetime(2025, 7, 31, tzinfo=UTC)
    assert names(ledger, date(2025, 8, 1), known_at=before)["kcsp-dhr"] == "DHR Steering Group"
    assert names(ledger, date(2025, 8, 1))["kcsp-dhr"] == "DARDR Steering Group"
    assert names(ledger, date(2025, 8, 1), known_at=datetime(2025, 1, 1, tzinfo=UTC)) == {}


def test_a_correction_changes_answers_from_then_on_and_keeps_the_original(ledger: Ledger) -> None:
    with freeze_time("2025-08-01 12:00:00"):
        ledger.execute([KCSP, DHR])
        wrong = ledger.execute(
            [RenameBody(body="kcsp-dhr", name="DARDR Steering Group", effective=date(2025, 1, 1))]
        )
    with freeze_time("2025-09-01 12:00:00"):
        ledger.execute(
            [
                CorrectEvent(
                    event=f"#{wrong.positions[0]}",
                    effective=date(2025, 7, 3),
                    reason="minuted date",
                )
            ]
        )

    assert names(ledger, date(2025, 3, 1))["kcsp-dhr"] == "DHR Steering Group"
    believed = datetime(2025, 8, 15, tzinfo=UTC)
    assert names(ledger, date(2025, 3, 1), known_at=believed)["kcsp-dhr"] == "DARDR Steering Group"
    log = ledger.log(body="kcsp-dhr")
    assert [e.topic for e in log] == ["body.established/v1", "body.renamed/v1", "body.renamed/v1"]
    assert log[2].corrects == log[1].event_id


def test_retracting_an_event_removes_it_from_answers(ledger: Ledger) -> None:
    ledger.execute([KCSP, DHR])
    receipt = ledger.execute([RenameBody(body="kcsp-dhr", name="Oops", effective=date(2020, 1, 1))])
    ledger.execute([RetractEvent(event=receipt.event_ids[0], reason="wrong body")])

    assert names(ledger, date(2021, 1, 1))["kcsp-dhr"] == "DHR Steering Group"
    assert len(ledger.log(body="kcsp-dhr")) == 3


def test_retracting_a_correction_restores_the_original(ledger: Ledger) -> None:
    ledger.execute([KCSP])
    first = ledger.execute([RenameBody(body="kcsp", name="KCSP", effective=date(2020, 1, 1))])
    fix = ledger.execute(
        [CorrectEvent(event=first.event_ids[0], changes={"name": "Kent CSP"}, reason="typo")]
    )
    assert names(ledger, date(2021, 1, 1))["kcsp"] == "Kent CSP"

    ledger.execute([RetractEvent(event=fix.event_ids[0], reason="the first was right")])
    assert names(ledger, date(2021, 1, 1))["kcsp"] == "KCSP"


@pytest.mark.parametrize(
    ("commands", "message"),
    [
        ([RenameBody(body="nope", name="X", effective=date(2020, 1, 1))], "unknown body 'nope'"),
        (
            [KCSP, RenameBody(body="kcsp", name="X", effective=date(2000, 1, 1))],
            "not established on 2000-01-01",
        ),
        ([KCSP, KCSP], "already exists"),
        ([DHR], "unknown body 'kcsp'"),
        (
            [
                KCSP,
                EstablishBody(
                    body="wg",
                    name="WG",
                    kind="working-group",
                    parent="kcsp",
                    effective=date(2001, 1, 1),
                ),
            ],
            "parent body 'kcsp' does not exist on 2001-01-01",
        ),
        (
            [
                KCSP,
                DissolveBody(body="kcsp", effective=date(2010, 1, 1)),
                RenameBody(body="kcsp", name="Y", effective=date(2011, 1, 1)),
            ],
            "dissolved on 2010-01-01",
        ),
    ],
)
def test_refuses_what_the_rules_forbid_and_records_nothing(
    ledger: Ledger, commands: list, message: str
) -> None:
    with pytest.raises((RuleViolation, NotFound), match=message):
        ledger.execute(commands)
    assert ledger.count() == 0


def test_every_event_carries_actor_authority_and_recorded_time(ledger_url: str) -> None:
    with freeze_time("2024-07-04 15:30:00"), Ledger(ledger_url, actor="h.topley") as ledger:
        ledger.execute(
            [KCSP.model_copy(update={"authority": Authority(meeting="kcsp-2024-07-04", item="5")})]
        )
        (entry,) = ledger.log()
    assert entry.actor == "h.topley"
    assert entry.authority == "kcsp-2024-07-04 item 5"
    assert entry.recorded_at == "2024-07-04T15:30:00.000000Z"
    assert entry.effective == "2007-08-01"
    assert entry.position == 1


def test_projections_rebuild_from_the_log_to_the_same_answers(ledger: Ledger) -> None:
    ledger.execute([KCSP, DHR])
    ledger.execute([RenameBody(body="kcsp-dhr", name="DARDR", effective=date(2025, 7, 3))])
    before = names(ledger, date(2025, 8, 1))

    assert ledger.rebuild_projections() == 3
    assert names(ledger, date(2025, 8, 1)) == before


def test_projections_resume_in_a_new_process(ledger_url: str) -> None:
    with Ledger(ledger_url) as first:
        first.execute([KCSP])
    with Ledger(ledger_url) as second:
        second.execute([DHR])
        assert set(names(second, date(2020, 1, 1))) == {"kcsp", "kcsp-dhr"}
        assert set(second.projections.positions().values()) == {2}


def test_correcting_a_correction_keeps_the_original_superseded(ledger: Ledger) -> None:
    ledger.execute([KCSP])
    first = ledger.execute([RenameBody(body="kcsp", name="KCSP", effective=date(2010, 1, 1))])
    fix = ledger.execute(
        [CorrectEvent(event=first.event_ids[0], effective=date(2011, 1, 1), reason="date")]
    )
    ledger.execute(
        [CorrectEvent(event=fix.event_ids[0], changes={"name": "Kent CSP"}, reason="name too")]
    )

    assert names(ledger, date(2010, 6, 1))["kcsp"] == "Kent Community Safety Partnership"
    assert names(ledger, date(2011, 1, 1))["kcsp"] == "Kent CSP"


def test_a_clock_that_runs_backwards_is_refused_with_a_clear_reason(ledger: Ledger) -> None:
    from ledger.domain.errors import StorageError

    with freeze_time("2030-01-01 12:00:00"):
        ledger.execute([KCSP])
    with freeze_time("2029-12-31 12:00:00"), pytest.raises(StorageError, match="check the clock"):
        ledger.execute([DHR])
    assert ledger.count() == 1
