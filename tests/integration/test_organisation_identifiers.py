"""Organisations' org-id.guide identifiers, an allocation's recipient organisation and a
fund's grant maker: optional, checked, and left out of events that do not use them.
(What the grants export makes of them is in test_export_grants.py.)"""

from __future__ import annotations

from datetime import date

import pytest

from ledger.application import Ledger
from ledger.domain.errors import NotFound, RuleViolation
from ledger.domain.organisation import RegisterOrganisation, SetOrganisationIdentifier
from tests.integration.test_funds import allocate, fund


def test_an_organisation_an_allocation_or_fund_names_must_exist(ledger: Ledger) -> None:
    with pytest.raises(NotFound, match="recipient_organisation: unknown organisation 'nobody'"):
        fund(ledger, allocate("csf-1", 100, recipient_organisation="nobody"))
    with pytest.raises(NotFound, match="grant_maker: unknown organisation 'nobody'"):
        fund(ledger, grant_maker="nobody")
    assert ledger.is_empty()


def test_an_identifier_must_have_the_shape_of_an_org_id(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match=r"must be an org-id\.guide identifier"):
        RegisterOrganisation(
            organisation="x",
            name="X",
            sector="other",
            identifier="GB LAE KEN",
            effective=date(2000, 1, 1),
        )
    fund(ledger)
    same = SetOrganisationIdentifier(
        organisation="kcc", identifier="GB-LAE-KEN", effective=date(2020, 1, 1)
    )
    ledger.execute([same])
    with pytest.raises(RuleViolation, match="kcc is already identified as GB-LAE-KEN"):
        ledger.execute([same.model_copy(update={"effective": date(2021, 1, 1)})])


def test_new_fields_left_empty_keep_the_bytes_events_were_stored_with(ledger: Ledger) -> None:
    fund(ledger, allocate("csf-1", 100))

    rows = ledger.db.query(f"SELECT topic, state FROM {ledger.db.dialect.events}")
    stored = {r["topic"]: bytes(r["state"]).decode("utf-8") for r in rows}
    for topic, field in [
        ("organisation.registered/v1", "identifier"),
        ("fund.created/v1", "grant_maker"),
        ("fund.allocated/v1", "recipient_organisation"),
    ]:
        assert f'"{field}"' not in stored[topic]
