"""Organisations over time: renamed without losing their history, closed with successors."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time

from ledger.application import Ledger
from ledger.domain.corrections import CorrectEvent, RetractEvent
from ledger.domain.errors import NotFound, RuleViolation, ValidationError
from ledger.domain.organisation import (
    CloseOrganisation,
    OrganisationState,
    RegisterOrganisation,
    RenameOrganisation,
    organisation_id,
)

NPS = RegisterOrganisation(
    organisation="probation-service",
    name="National Probation Service",
    short_name="NPS",
    sector="probation",
    effective=date(2014, 6, 1),
)
RENAMED = RenameOrganisation(
    organisation="probation-service", name="The Probation Service", effective=date(2021, 6, 26)
)
CRC = RegisterOrganisation(
    organisation="kss-crc",
    name="Kent, Surrey & Sussex Community Rehabilitation Company",
    short_name="CRC",
    sector="probation",
    effective=date(2014, 6, 1),
)
CRC_CLOSED = CloseOrganisation(
    organisation="kss-crc",
    successor="probation-service",
    reason="probation unification",
    effective=date(2021, 6, 26),
)


def names(ledger: Ledger, day: date, known_at: datetime | None = None) -> dict[str, str]:
    return {o.slug: o.name for o in ledger.organisations(day, known_at=known_at)}


def test_a_rename_keeps_the_old_name_in_history(ledger: Ledger) -> None:
    ledger.execute([NPS, RENAMED])

    assert names(ledger, date(2014, 5, 31)) == {}
    assert names(ledger, date(2021, 6, 25)) == {"probation-service": "National Probation Service"}
    assert names(ledger, date(2021, 6, 26)) == {"probation-service": "The Probation Service"}
    (before,) = ledger.organisations(date(2021, 6, 25))
    (after,) = ledger.organisations(date(2021, 6, 26))
    assert (before.short_name, after.short_name) == ("NPS", None)
    assert after == OrganisationState(
        "probation-service", "The Probation Service", None, "probation", date(2014, 6, 1)
    )


def test_a_rename_may_change_only_the_short_name(ledger: Ledger) -> None:
    ledger.execute([CRC])
    ledger.execute(
        [
            RenameOrganisation(
                organisation="kss-crc",
                name=CRC.name,
                short_name="KSS CRC",
                effective=date(2015, 1, 1),
            )
        ]
    )
    (found,) = ledger.organisations(date(2015, 1, 1))
    assert (found.name, found.short_name) == (CRC.name, "KSS CRC")


def test_known_at_shows_the_name_before_the_rename_was_recorded(ledger: Ledger) -> None:
    with freeze_time("2020-01-10 09:00:00"):
        ledger.execute([NPS])
    with freeze_time("2021-07-01 12:00:00"):
        ledger.execute([RENAMED])

    day = date(2021, 6, 30)
    before = datetime(2021, 6, 30, 23, 59, tzinfo=UTC)
    assert names(ledger, day, known_at=before) == {
        "probation-service": "National Probation Service"
    }
    assert names(ledger, day) == {"probation-service": "The Probation Service"}
    assert names(ledger, day, known_at=datetime(2020, 1, 1, tzinfo=UTC)) == {}


def test_a_closed_organisation_names_its_successor(ledger: Ledger) -> None:
    ledger.execute([NPS, RENAMED, CRC, CRC_CLOSED])

    assert set(names(ledger, date(2021, 6, 25))) == {"kss-crc", "probation-service"}
    assert set(names(ledger, date(2021, 6, 26))) == {"probation-service"}
    listed = {o.slug: o for o in ledger.organisations(date(2021, 6, 26), include_closed=True)}
    assert listed["kss-crc"].closed == date(2021, 6, 26)
    assert listed["kss-crc"].successor == "probation-service"
    assert listed["probation-service"].closed is None
    (entry,) = [e for e in ledger.log() if e.topic == "organisation.closed/v1"]
    assert entry.summary == "closed kss-crc, succeeded by probation-service: probation unification"
    assert entry.body is None


def test_closing_without_a_successor(ledger: Ledger) -> None:
    ledger.execute([CRC, CloseOrganisation(organisation="kss-crc", effective=date(2021, 6, 26))])
    (found,) = ledger.organisations(date(2022, 1, 1), include_closed=True)
    assert (found.closed, found.successor) == (date(2021, 6, 26), None)


@pytest.mark.parametrize(
    ("commands", "message"),
    [
        (
            [RenameOrganisation(organisation="nope", name="X", effective=date(2020, 1, 1))],
            "unknown organisation 'nope'",
        ),
        ([NPS, NPS], "organisation 'probation-service' already exists"),
        (
            [
                NPS,
                RenameOrganisation(
                    organisation="probation-service", name="X", effective=date(2000, 1, 1)
                ),
            ],
            "probation-service is not registered on 2000-01-01",
        ),
        (
            [
                NPS,
                RenameOrganisation(
                    organisation="probation-service",
                    name="National Probation Service",
                    short_name="NPS",
                    effective=date(2015, 1, 1),
                ),
            ],
            "probation-service is already called 'National Probation Service' on 2015-01-01",
        ),
        (
            [
                CRC,
                CloseOrganisation(organisation="kss-crc", effective=date(2021, 6, 26)),
                RenameOrganisation(organisation="kss-crc", name="Y", effective=date(2022, 1, 1)),
            ],
            "kss-crc was closed on 2021-06-26",
        ),
        (
            [
                CRC,
                CloseOrganisation(organisation="kss-crc", effective=date(2021, 6, 26)),
                CloseOrganisation(organisation="kss-crc", effective=date(2022, 1, 1)),
            ],
            "kss-crc was closed on 2021-06-26",
        ),
        ([CRC, CRC_CLOSED], "unknown organisation 'probation-service'"),
        (
            [NPS.model_copy(update={"effective": date(2022, 1, 1)}), CRC, CRC_CLOSED],
            "successor organisation 'probation-service' does not exist on 2021-06-26",
        ),
        (
            [
                NPS,
                CloseOrganisation(organisation="probation-service", effective=date(2020, 1, 1)),
                CRC,
                CRC_CLOSED,
            ],
            "successor organisation 'probation-service' does not exist on 2021-06-26",
        ),
        (
            [CRC, CRC_CLOSED.model_copy(update={"successor": "kss-crc"})],
            "kss-crc cannot be its own successor",
        ),
    ],
)
def test_refuses_what_the_rules_forbid_and_records_nothing(
    ledger: Ledger, commands: list, message: str
) -> None:
    with pytest.raises((RuleViolation, NotFound)) as caught:
        ledger.execute(commands)
    assert str(caught.value) == message
    assert ledger.count() == 0
    assert ledger.organisations(date(2030, 1, 1), include_closed=True) == []


def test_a_bad_slug_is_refused_before_anything_is_recorded() -> None:
    from pydantic import ValidationError as PydanticValidationError

    with pytest.raises(PydanticValidationError, match="short id"):
        RegisterOrganisation(
            organisation="Kent Police",
            name="Kent Police",
            sector="police",
            effective=date(2000, 1, 1),
        )
    with pytest.raises(PydanticValidationError, match="short id"):
        CloseOrganisation(organisation="x", successor="Probation!", effective=date(2000, 1, 1))


def test_a_correction_of_a_rename_date_changes_answers_and_keeps_the_original(
    ledger: Ledger,
) -> None:
    with freeze_time("2021-08-01 12:00:00"):
        ledger.execute([NPS])
        wrong = ledger.execute([RENAMED.model_copy(update={"effective": date(2021, 1, 1)})])
    with freeze_time("2021-09-01 12:00:00"):
        ledger.execute(
            [
                CorrectEvent(
                    event=f"#{wrong.positions[0]}",
                    effective=date(2021, 6, 26),
                    reason="unification took effect on 26 June",
                )
            ]
        )

    assert names(ledger, date(2021, 3, 1)) == {"probation-service": "National Probation Service"}
    assert names(ledger, date(2021, 6, 26)) == {"probation-service": "The Probation Service"}
    believed = datetime(2021, 8, 15, tzinfo=UTC)
    assert names(ledger, date(2021, 3, 1), known_at=believed) == {
        "probation-service": "The Probation Service"
    }
    events = ledger.aggregate_events(organisation_id("probation-service"))
    assert [e.TOPIC for e in events] == [
        "organisation.registered/v1",
        "organisation.renamed/v1",
        "organisation.renamed/v1",
    ]
    assert events[2].corrects == events[1].event_id
    assert events[1].effective == date(2021, 1, 1)
    assert [e.position for e in ledger.log()] == [1, 2, 3]


def test_a_correction_is_checked_like_the_event_it_replaces(ledger: Ledger) -> None:
    receipt = ledger.execute([NPS, RENAMED])
    with pytest.raises(RuleViolation, match="not registered on 2010-01-01"):
        ledger.execute(
            [CorrectEvent(event=receipt.event_ids[1], effective=date(2010, 1, 1), reason="wrong")]
        )
    with pytest.raises(RuleViolation, match="cannot belong to another organisation"):
        ledger.execute(
            [
                CorrectEvent(
                    event=receipt.event_ids[1],
                    changes={"organisation": "kss-crc"},
                    reason="wrong one",
                )
            ]
        )
    with pytest.raises(ValidationError, match="correction field sector"):
        ledger.execute(
            [CorrectEvent(event=receipt.event_ids[0], changes={"sector": "nope"}, reason="x")]
        )
    assert ledger.count() == 2


def test_corrections_of_the_name_and_retractions(ledger: Ledger) -> None:
    receipt = ledger.execute([NPS, RENAMED])
    fix = ledger.execute(
        [
            CorrectEvent(
                event=receipt.event_ids[1],
                changes={"name": "Probation Service", "short_name": "PS"},
                reason="typo",
            )
        ]
    )
    (found,) = ledger.organisations(date(2022, 1, 1))
    assert (found.name, found.short_name) == ("Probation Service", "PS")

    ledger.execute([RetractEvent(event=fix.event_ids[0], reason="the first was right")])
    assert names(ledger, date(2022, 1, 1)) == {"probation-service": "The Probation Service"}
    ledger.execute([RetractEvent(event=receipt.event_ids[1], reason="not yet")])
    assert names(ledger, date(2022, 1, 1)) == {"probation-service": "National Probation Service"}

    registered = ledger.execute([CRC]).event_ids[0]
    ledger.execute([RetractEvent(event=registered, reason="entered in error")])
    assert set(names(ledger, date(2022, 1, 1))) == {"probation-service"}
    # Retracted, it may be registered again.
    ledger.execute([CRC])
    assert set(names(ledger, date(2022, 1, 1))) == {"kss-crc", "probation-service"}


def test_retracting_a_closure_reopens_the_organisation(ledger: Ledger) -> None:
    ledger.execute([NPS, CRC])
    closed = ledger.execute([CRC_CLOSED])
    assert "kss-crc" not in names(ledger, date(2022, 1, 1))
    ledger.execute([RetractEvent(event=f"#{closed.positions[0]}", reason="wrong organisation")])
    assert "kss-crc" in names(ledger, date(2022, 1, 1))


def test_projections_rebuild_to_the_same_answers(ledger: Ledger) -> None:
    ledger.execute([NPS, RENAMED, CRC, CRC_CLOSED])
    before = ledger.organisations(date(2021, 7, 1), include_closed=True)

    assert ledger.rebuild_projections() == 4
    assert ledger.organisations(date(2021, 7, 1), include_closed=True) == before


def test_organisations_and_bodies_do_not_mix(ledger: Ledger) -> None:
    from ledger.domain.body import EstablishBody

    ledger.execute(
        [
            EstablishBody(body="kcsp", name="KCSP", kind="partnership", effective=date(2007, 8, 1)),
            RegisterOrganisation(
                organisation="kcsp", name="Not a body", sector="other", effective=date(2007, 8, 1)
            ),
        ]
    )
    assert [b.name for b in ledger.bodies(date(2010, 1, 1))] == ["KCSP"]
    assert names(ledger, date(2010, 1, 1)) == {"kcsp": "Not a body"}
