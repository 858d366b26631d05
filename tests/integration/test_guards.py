"""The database itself refuses to change the log: UPDATE, DELETE and TRUNCATE fail.

The triggers stop a mistaken statement by anyone but the tables' owner, who can drop
or disable them; the audit chain is what catches the owner.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.domain.body import EstablishBody, RenameBody
from ledger.infra.chain import CHAIN_TABLE
from tests.integration.raw import Raw

KCSP = EstablishBody(body="kcsp", name="Kent CSP", kind="partnership", effective=date(2007, 8, 1))


@pytest.fixture
def raw(ledger_url: str) -> Iterator[Raw]:
    connection = Raw(ledger_url)
    yield connection
    connection.close()


def recorded(ledger: Ledger) -> Ledger:
    ledger.execute([KCSP])
    ledger.execute([RenameBody(body="kcsp", name="Kent CSP 2", effective=date(2010, 1, 1))])
    return ledger


def snapshot(raw: Raw) -> tuple[list[Any], list[Any]]:
    events = raw.run("SELECT originator_id, originator_version, topic, state FROM {events}")
    links = raw.run(f"SELECT * FROM {CHAIN_TABLE} ORDER BY position")
    return sorted(events, key=repr), links


REFUSED = [
    "UPDATE {events} SET topic = 'body.dissolved/v1'",
    "UPDATE {events} SET state = state WHERE originator_version = 2",
    "DELETE FROM {events} WHERE originator_version = 2",
    "DELETE FROM {events}",
    f"UPDATE {CHAIN_TABLE} SET hash = 'f' WHERE position = 1",
    f"DELETE FROM {CHAIN_TABLE} WHERE position = 2",
    f"DELETE FROM {CHAIN_TABLE}",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_a_plain_update_or_delete_of_the_log_is_refused_and_changes_nothing(
    ledger: Ledger, raw: Raw, statement: str
) -> None:
    recorded(ledger)
    before = snapshot(raw)

    with pytest.raises(Exception, match="the ledger's log is append-only") as refused:
        raw.run(statement)

    assert type(refused.value).__name__ in ("IntegrityError", "InsufficientPrivilege")
    assert snapshot(raw) == before
    assert ledger.verify().ok
    assert ledger.verify().events == 2


POSTGRES_ONLY = pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)]
)


@POSTGRES_ONLY  # SQLite has no TRUNCATE
@pytest.mark.parametrize("table", ["{events}", CHAIN_TABLE])
def test_truncating_the_log_on_postgresql_is_refused(ledger_url: str, raw: Raw, table: str) -> None:
    with Ledger(ledger_url, actor="clerk") as ledger:
        recorded(ledger)
    before = snapshot(raw)

    with pytest.raises(Exception, match=r"append-only: TRUNCATE on t_\w+\.\w+ is refused"):
        raw.run(f"TRUNCATE {table}")

    assert snapshot(raw) == before


def test_the_owner_can_switch_the_triggers_off_and_then_only_the_chain_catches_it(
    ledger: Ledger, raw: Raw
) -> None:
    recorded(ledger)

    raw.disarm()
    raw.run("UPDATE {events} SET state = state || ? WHERE originator_version = 2", (b" ",))

    report = ledger.verify()
    assert not report.ok
    assert report.first_problem is not None
    assert report.first_problem.position == 2


def test_reopening_as_the_owner_puts_the_triggers_back(ledger_url: str, raw: Raw) -> None:
    with Ledger(ledger_url, actor="clerk") as ledger:
        recorded(ledger)
    raw.disarm()

    with Ledger(ledger_url, actor="clerk"):
        pass

    with pytest.raises(Exception, match="append-only"):
        raw.run("DELETE FROM {events}")
    with pytest.raises(Exception, match="append-only"):
        raw.run(f"UPDATE {CHAIN_TABLE} SET hash = 'x'")


def test_wiping_a_demo_ledger_still_drops_its_guarded_tables(ledger_url: str) -> None:
    with Ledger(ledger_url, actor="clerk") as ledger:
        recorded(ledger)
        ledger.wipe()

    with Ledger(ledger_url, actor="clerk") as ledger:
        assert ledger.is_empty()
        ledger.execute([KCSP])
        assert ledger.verify().ok
