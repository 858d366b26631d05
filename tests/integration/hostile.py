"""A small ledger to throw hostile input at, and the check that a refusal was clean.

A refusal is clean when the command exits non-zero with exactly one line that starts
``Error:``, raises nothing but click's own exit, and leaves the ledger exactly as it
was: the same head of the audit chain, the same number of events.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from click.testing import CliRunner, Result

from ledger.application import Ledger
from ledger.cli.main import cli
from ledger.cli.render import UNSAFE
from ledger.domain.body import EstablishBody
from ledger.domain.commands import Command
from ledger.domain.meeting import AddAgendaItem, MeetingOutcome, RecordAttendance, ScheduleMeeting
from ledger.domain.membership import AddMember
from ledger.domain.organisation import OrganisationSector, RegisterOrganisation
from ledger.domain.tor import AdoptTor, SectionText

MEETING = "wg-2024-03-14"


def groundwork() -> list[Command]:
    """An organisation, a body with a ToR, a seat, and a held meeting with one item."""
    return [
        RegisterOrganisation(
            organisation="kent-police",
            name="Kent Police",
            sector=OrganisationSector.POLICE,
            effective=date(2010, 1, 1),
        ),
        EstablishBody(
            body="wg", name="Working Group", kind="working-group", effective=date(2015, 1, 1)
        ),
        EstablishBody(
            body="sub", name="Sub Group", kind="task-group", parent="wg", effective=date(2016, 1, 1)
        ),
        AdoptTor(
            body="wg",
            effective=date(2020, 1, 1),
            sections=[SectionText(id="purpose", number="1", heading="PURPOSE", text="To work.")],
        ),
        AddMember(
            body="wg",
            member="kent-police",
            organisation="kent-police",
            category="responsible-authority",
            effective=date(2020, 1, 1),
        ),
        ScheduleMeeting(body="wg", effective=date(2024, 3, 14)),
        AddAgendaItem(meeting=MEETING, item="1", title="Minutes"),
        RecordAttendance(
            meeting=MEETING,
            person="ann",
            name="Ann Officer",
            status="present",
            member="kent-police",
        ),
        MeetingOutcome(meeting=MEETING, outcome="held"),
    ]


def prepare(url: str) -> None:
    with Ledger(url, actor="clerk") as ledger:
        ledger.execute(groundwork())


def state(url: str) -> tuple[tuple[int, str], int]:
    """The head and the number of events: what a clean refusal leaves as it was."""
    with Ledger(url, actor="clerk") as ledger:
        return ledger.head(), ledger.count()


def run(url: str, *args: str, actor: str = "clerk") -> Result:
    return CliRunner().invoke(cli, ["--db", url, "--actor", actor, *args])


def lines_of(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if line.strip()]


def assert_clean_refusal(url: str, result: Result, before: Any, fragment: str = "") -> None:
    """Non-zero, one ``Error:`` line (holding ``fragment``), no traceback, nothing changed."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code != 0, result.output
    lines = lines_of(result)
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: "), result.output
    assert fragment in lines[0], result.output
    assert_terminal_safe(result.output)
    assert state(url) == before


def assert_terminal_safe(output: str) -> None:
    """No character a terminal would act on (output here is never a terminal: no colour)."""
    found = UNSAFE.search(output)
    assert found is None, f"raw U+{ord(found.group()):04X} in output: {output!r}"
