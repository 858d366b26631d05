"""Ids are what ``uuid.uuid5`` in the ledger's namespace makes of their names: the
ledger's quicker way of making them changes no id a ledger already holds."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.ids import LEDGER_NAMESPACE, aggregate_id, ledger_uuid

NAMES = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)


@given(NAMES)
def test_an_id_is_the_version_5_uuid_of_its_name(name: str) -> None:
    made = ledger_uuid(name)
    assert made == uuid.uuid5(LEDGER_NAMESPACE, name)
    assert (made.version, made.variant) == (5, uuid.RFC_4122)


def test_the_ids_ledgers_already_hold_are_unchanged() -> None:
    assert str(aggregate_id("body", "kcsp")) == "509b8d78-20cb-5913-85dc-548acda4c7ad"
    assert str(ledger_uuid("")) == str(uuid.uuid5(LEDGER_NAMESPACE, ""))
