"""The audit chain catches whoever edits the database behind the ledger's back.

Each test builds a small ledger, then tampers with the real tables through a plain
database connection, as the tables' owner could: first switching off the triggers that
make the log append-only (which stop everyone but the owner), then editing rows.  Each
checks that ``verify`` names the first position that no longer holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from ledger.application import Ledger
from ledger.cli.main import cli
from ledger.domain.body import EstablishBody, RenameBody
from ledger.domain.corrections import CorrectEvent
from ledger.infra.chain import CHAIN_TABLE, GENESIS, link_hash
from tests.integration.raw import Raw

EVENTS = 6  # what build() records


@pytest.fixture
def raw(ledger_url: str) -> Iterator[Raw]:
    """The owner's connection, with the append-only triggers already switched off."""
    connection = Raw(ledger_url)
    connection.disarm()
    yield connection
    connection.close()


def build(ledger: Ledger) -> None:
    """Three bodies, two renames and a correction: six events at increasing times."""
    with freeze_time("2025-01-10 09:00:00"):
        ledger.execute(
            [
                EstablishBody(
                    body="kcsp", name="Kent CSP", kind="partnership", effective=date(2007, 8, 1)
                ),
                EstablishBody(
                    body="kcsp-dhr",
                    name="DHR Steering Group",
                    kind="steering-group",
                    parent="kcsp",
                    effective=date(2011, 4, 13),
                ),
            ]
        )
    with freeze_time("2025-02-01 10:00:00"):
        ledger.execute(
            [RenameBody(body="kcsp-dhr", name="DARDR Steering Group", effective=date(2025, 1, 1))]
        )
    with freeze_time("2025-03-01 11:00:00"):
        ledger.execute(
            [
                EstablishBody(
                    body="kcsp-wg",
                    name="Working Group",
                    kind="working-group",
                    parent="kcsp",
                    effective=date(2015, 6, 1),
                )
            ]
        )
    with freeze_time("2025-04-01 12:00:00"):
        ledger.execute(
            [
                RenameBody(
                    body="kcsp",
                    name="Kent Community Safety Partnership",
                    effective=date(2010, 1, 1),
                )
            ]
        )
    with freeze_time("2025-05-01 13:00:00"):
        ledger.execute(
            [CorrectEvent(event="#3", effective=date(2025, 7, 3), reason="minuted date")]
        )
    assert ledger.count() == EVENTS


def published(ledger: Ledger) -> str:
    position, digest = ledger.head()
    return f"{position}:{digest}"


def hash_at(ledger: Ledger, position: int) -> str:
    return str(ledger.db.scalar(f"SELECT hash FROM {CHAIN_TABLE} WHERE position = ?", [position]))


# --- the tampering, one way per function --------------------------------------------


def modify_a_name_inside_an_event(raw: Raw) -> None:
    state = raw.state(3)
    assert b'"name":"DARDR Steering Group"' in state
    raw.set_state(3, state.replace(b"DARDR Steering Group", b"DARDR Steering Grope"))


def change_an_events_topic(raw: Raw) -> None:
    raw.run("UPDATE {events} SET topic = ? WHERE {nid} = ?", ("body.dissolved/v1", raw.at(5)))


def change_an_events_version(raw: Raw) -> None:
    raw.run("UPDATE {events} SET originator_version = 99 WHERE {nid} = ?", (raw.at(4),))


def delete_an_event(raw: Raw) -> None:
    raw.run("DELETE FROM {events} WHERE {nid} = ?", (raw.at(4),))


def insert_a_copied_event(raw: Raw) -> None:
    raw.run(
        "INSERT INTO {events} (originator_id, originator_version, topic, state) "
        "SELECT originator_id, 99, topic, state FROM {events} WHERE {nid} = ?",
        (raw.at(3),),
    )


def swap_two_events_states(raw: Raw) -> None:
    third, fourth = raw.state(3), raw.state(4)
    raw.set_state(3, fourth)
    raw.set_state(4, third)


def swap_two_events_notification_ids(raw: Raw) -> None:
    third, fourth = raw.at(3), raw.at(4)
    raw.run("UPDATE {events} SET {nid} = ? WHERE {nid} = ?", (-1, third))
    raw.run("UPDATE {events} SET {nid} = ? WHERE {nid} = ?", (third, fourth))
    raw.run("UPDATE {events} SET {nid} = ? WHERE {nid} = ?", (fourth, -1))


def truncate_the_events_only(raw: Raw) -> None:
    raw.run("DELETE FROM {events} WHERE {nid} >= ?", (raw.at(5),))


def alter_a_recorded_time_in_the_chain(raw: Raw) -> None:
    raw.run(
        f"UPDATE {CHAIN_TABLE} SET recorded_at = ? WHERE position = 2",
        ("2025-01-10T09:00:01.000000Z",),
    )


def alter_a_hash_in_the_chain(raw: Raw) -> None:
    raw.run(f"UPDATE {CHAIN_TABLE} SET hash = ? WHERE position = 4", ("f" * 64,))


def give_an_entry_a_key_it_never_had(raw: Raw) -> None:
    raw.run(f"UPDATE {CHAIN_TABLE} SET source_key = ? WHERE position = 5", ("minutes-2025-04",))


def delete_a_chain_row(raw: Raw) -> None:
    raw.run(f"DELETE FROM {CHAIN_TABLE} WHERE position = 3")


def swap_two_chain_rows(raw: Raw) -> None:
    third, fourth = raw.at(3), raw.at(4)
    raw.run(f"UPDATE {CHAIN_TABLE} SET notification_id = -1 WHERE position = 3")
    raw.run(f"UPDATE {CHAIN_TABLE} SET notification_id = ? WHERE position = 4", (third,))
    raw.run(f"UPDATE {CHAIN_TABLE} SET notification_id = ? WHERE position = 3", (fourth,))


TAMPERING: list[tuple[Callable[[Raw], None], int]] = [
    (modify_a_name_inside_an_event, 3),
    (change_an_events_topic, 5),
    (change_an_events_version, 4),
    (delete_an_event, 4),
    (insert_a_copied_event, EVENTS + 1),
    (swap_two_events_states, 3),
    (swap_two_events_notification_ids, 3),
    (truncate_the_events_only, 5),
    (alter_a_recorded_time_in_the_chain, 2),
    (alter_a_hash_in_the_chain, 4),
    (give_an_entry_a_key_it_never_had, 5),
    (delete_a_chain_row, 3),
    (swap_two_chain_rows, 3),
]


# --- an intact ledger ---------------------------------------------------------------


def test_an_untouched_ledger_verifies_with_its_count_and_head(ledger: Ledger) -> None:
    build(ledger)

    report = ledger.verify()

    assert report.ok
    assert report.first_problem is None
    assert report.events == EVENTS
    assert (report.head_position, report.head_hash) == ledger.head()
    assert report.head_hash == ledger.log()[-1].hash


def test_an_empty_ledger_verifies_with_the_genesis_head(ledger: Ledger) -> None:
    report = ledger.verify()

    assert report.ok
    assert (report.events, report.head_position, report.head_hash) == (0, 0, GENESIS)


def test_the_head_hash_is_the_chain_recomputed_from_the_stored_bytes(
    ledger: Ledger, raw: Raw
) -> None:
    build(ledger)

    prev = GENESIS
    for position in range(1, EVENTS + 1):
        (topic,) = raw.run("SELECT topic FROM {events} WHERE {nid} = ?", (raw.at(position),))[0]
        prev = link_hash(position, prev, topic, raw.state(position))
        assert prev == hash_at(ledger, position)
    assert ledger.head() == (EVENTS, prev)


def test_a_published_head_checks_out_as_the_ledger_grows(ledger: Ledger) -> None:
    build(ledger)
    old = published(ledger)
    old_hash = old.split(":")[1]
    with freeze_time("2025-06-01 09:00:00"):
        ledger.execute([RenameBody(body="kcsp-wg", name="WG", effective=date(2020, 1, 1))])

    assert ledger.verify(expect=published(ledger)).ok
    assert ledger.verify(expect=old).ok
    assert ledger.verify(expect=old_hash).ok
    assert ledger.verify(expect=old_hash.upper()).ok
    assert ledger.verify(expect=f"2:{hash_at(ledger, 2)}").ok
    assert ledger.verify().head_position == EVENTS + 1


def test_the_genesis_head_of_an_empty_ledger_checks_out_then_and_later(ledger: Ledger) -> None:
    genesis = published(ledger)
    assert genesis == f"0:{GENESIS}"
    assert ledger.verify(expect=genesis).ok
    assert ledger.verify(expect=GENESIS).ok

    build(ledger)

    assert ledger.verify(expect=genesis).ok
    assert ledger.verify(expect=GENESIS).ok
    wrong = ledger.verify(expect=f"0:{'a' * 64}")
    assert wrong.first_problem is not None
    assert wrong.first_problem.position == 0


def test_a_published_head_that_is_not_this_ledgers_fails(ledger: Ledger) -> None:
    build(ledger)

    wrong = ledger.verify(expect=f"3:{hash_at(ledger, 4)}")
    assert not wrong.ok
    assert wrong.first_problem is not None
    assert wrong.first_problem.position == 3

    nowhere = ledger.verify(expect="ab" * 32)
    assert nowhere.first_problem is not None
    assert nowhere.first_problem.position == EVENTS + 1


def test_a_malformed_published_head_is_refused(ledger: Ledger) -> None:
    build(ledger)

    with pytest.raises(ValueError, match="SHA-256"):
        ledger.verify(expect="6:not-a-hash")
    with pytest.raises(ValueError, match="POSITION:HASH"):
        ledger.verify(expect=f"six:{'a' * 64}")


# --- tampering ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tamper", "position"), TAMPERING, ids=[t.__name__.replace("_", "-") for t, _ in TAMPERING]
)
def test_verify_names_the_first_tampered_position(
    ledger: Ledger, raw: Raw, tamper: Callable[[Raw], None], position: int
) -> None:
    build(ledger)
    assert ledger.verify().ok

    tamper(raw)
    report = ledger.verify()

    assert not report.ok
    assert report.first_problem is not None
    assert report.first_problem.position == position, report.problems
    assert f"position {position}:" in str(report.first_problem)
    assert report.head_position == min(position - 1, EVENTS)


def insert_a_copied_event_at(raw: Raw, nid: int) -> None:
    raw.run(
        "INSERT INTO {events} ({nid}, originator_id, originator_version, topic, state) "
        "SELECT ?, originator_id, 99, topic, state FROM {events} WHERE {nid} = ?",
        (nid, raw.at(3)),
    )


def leave_a_gap_before_the_last_event(raw: Raw) -> int:
    """Give the last event (and its chain row) a notification id ten past its own, as a
    sequence that skipped some would; returns the id it had.  The chain still holds."""
    last = raw.at(EVENTS)
    raw.run("UPDATE {events} SET {nid} = ? WHERE {nid} = ?", (last + 10, last))
    raw.run(f"UPDATE {CHAIN_TABLE} SET notification_id = ? WHERE position = ?", (last + 10, EVENTS))
    return last


def test_an_event_inserted_before_the_first_is_found_at_position_1(
    ledger: Ledger, raw: Raw
) -> None:
    build(ledger)

    insert_a_copied_event_at(raw, raw.at(1) - 5)
    report = ledger.verify()

    assert not report.ok
    assert report.first_problem is not None
    assert str(report.first_problem) == (
        "position 1: an event is there that the chain never recorded (inserted)"
    )
    assert (report.events, report.head_position) == (EVENTS, EVENTS)


def test_a_gap_in_the_notification_ids_verifies_and_an_event_inserted_in_it_is_found(
    ledger: Ledger, raw: Raw
) -> None:
    build(ledger)
    last = leave_a_gap_before_the_last_event(raw)
    assert ledger.verify().ok

    insert_a_copied_event_at(raw, last + 5)
    report = ledger.verify()

    assert not report.ok
    assert report.first_problem is not None
    assert str(report.first_problem) == (
        f"position {EVENTS}: an event is there that the chain never recorded (inserted)"
    )


def test_truncating_events_and_chain_together_is_caught_only_by_a_published_head(
    ledger: Ledger, raw: Raw
) -> None:
    build(ledger)
    head = published(ledger)
    old_hash = head.split(":")[1]

    raw.run("DELETE FROM {events} WHERE {nid} >= ?", (raw.at(5),))
    raw.run(f"DELETE FROM {CHAIN_TABLE} WHERE position >= 5")

    alone = ledger.verify()
    assert alone.ok
    assert (alone.events, alone.head_position) == (4, 4)

    anchored = ledger.verify(expect=head)
    assert not anchored.ok
    assert anchored.first_problem is not None
    assert anchored.first_problem.position == 5
    assert "truncated" in anchored.first_problem.what

    bare = ledger.verify(expect=old_hash)
    assert bare.first_problem is not None
    assert bare.first_problem.position == 5


def test_a_rewritten_and_rehashed_chain_is_caught_by_a_published_head(
    ledger: Ledger, raw: Raw
) -> None:
    build(ledger)
    head = published(ledger)
    before_rewrite = f"2:{hash_at(ledger, 2)}"

    # Rewrite event 3 and recompute every link from there, as a careful forger would.
    modify_a_name_inside_an_event(raw)
    prev = hash_at(ledger, 2)
    for position in range(3, EVENTS + 1):
        (topic,) = raw.run("SELECT topic FROM {events} WHERE {nid} = ?", (raw.at(position),))[0]
        prev = link_hash(position, prev, topic, raw.state(position))
        raw.run(f"UPDATE {CHAIN_TABLE} SET hash = ? WHERE position = ?", (prev, position))

    assert ledger.verify().ok
    assert ledger.verify(expect=before_rewrite).ok

    anchored = ledger.verify(expect=head)
    assert not anchored.ok
    assert anchored.first_problem is not None
    assert anchored.first_problem.position == EVENTS
    assert "rewritten" in anchored.first_problem.what

    bare = ledger.verify(expect=head.split(":")[1])
    assert bare.first_problem is not None
    assert bare.first_problem.position == EVENTS + 1


# --- the command line ---------------------------------------------------------------


def verify_cli(url: str, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--db", url, "verify", *args], catch_exceptions=False)


def test_ledger_verify_prints_intact_and_the_head(ledger_url: str) -> None:
    with Ledger(ledger_url, actor="clerk") as ledger:
        build(ledger)
        head = published(ledger)

    result = verify_cli(ledger_url)

    assert result.exit_code == 0, result.output
    assert f"intact: {EVENTS} events verified" in result.stdout
    assert f"head {head}" in result.stdout

    anchored = verify_cli(ledger_url, "--expect", head)
    assert anchored.exit_code == 0, anchored.output


def test_ledger_verify_exits_1_with_one_line_naming_the_tampered_position(
    ledger_url: str,
) -> None:
    with Ledger(ledger_url, actor="clerk") as ledger:
        build(ledger)
    raw = Raw(ledger_url)
    try:
        raw.disarm()
        modify_a_name_inside_an_event(raw)
    finally:
        raw.close()

    result = verify_cli(ledger_url)

    assert result.exit_code == 1
    assert "intact" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, result.output
    assert "NOT INTACT at position 3:" in errors[0]
    assert "last good link 2:" in result.stdout


def test_ledger_verify_against_a_published_head_catches_truncation(ledger_url: str) -> None:
    with Ledger(ledger_url, actor="clerk") as ledger:
        build(ledger)
        head = published(ledger)
    raw = Raw(ledger_url)
    try:
        raw.disarm()
        raw.run("DELETE FROM {events} WHERE {nid} >= ?", (raw.at(6),))
        raw.run(f"DELETE FROM {CHAIN_TABLE} WHERE position >= 6")
    finally:
        raw.close()

    assert verify_cli(ledger_url).exit_code == 0
    result = verify_cli(ledger_url, "--expect", head)

    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, result.output
    assert "NOT INTACT at position 6: truncated" in errors[0]
