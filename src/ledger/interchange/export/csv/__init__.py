"""``ledger export --format csv``: the record as a directory of CSV files, one per answer.

Every file is RFC 4180 CSV in UTF-8 with a header row and CRLF line ends, its columns
defined once (``record.py``, ``meetings.py``, ``funds.py``) and listed in the
directory's own ``columns.csv``.  ``events.csv`` is the log itself, every event in
order with its chain hash and Merkle leaf hash.  The other files are the record's
answers as known at the moment the export began (the recorded time of the last event
in ``events.csv``): corrections applied, retracted things gone.  ``export.csv`` says
what was selected and when.  See docs/export-csv.md.

The directory is written beside ``out`` under a temporary name and renamed into place
when every file is complete, so a failed export leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Any, Protocol, TypeVar
from uuid import uuid4

from ledger.domain import clock
from ledger.domain.errors import ValidationError
from ledger.domain.meeting import MeetingState
from ledger.domain.quorum import QuorumResult
from ledger.interchange.export import Selection, StageProgress, Written
from ledger.interchange.export.csv.columns import (
    COLUMNS,
    Column,
    Table,
    dictionary,
    open_table,
    write_all,
)
from ledger.interchange.export.csv.funds import ALLOCATIONS, FUNDS, AllocationRow
from ledger.interchange.export.csv.meetings import (
    AGENDA,
    ATTENDANCE,
    DECISIONS,
    INTERESTS,
    MEETINGS,
    VOTES,
    AttendanceRow,
    InterestRow,
    ItemRow,
    MeetingRow,
    VoteRow,
)
from ledger.interchange.export.csv.record import (
    BODIES,
    EVENTS,
    MEMBERSHIPS,
    OFFICES,
    ORGANISATIONS,
    TOR_VERSIONS,
)
from ledger.queries.budget import AllocationReport, FundSummary
from ledger.queries.decisions import DecisionReport
from ledger.queries.whole_record import SeatVersion, WholeRecord

FORMAT = "ledger-csv"
VERSION = 1

R = TypeVar("R")


class Source(Protocol):
    """The reads of ``Ledger`` this export uses."""

    def whole_record(self) -> WholeRecord: ...

    def quorum(
        self, meeting: str, *, item: str | None = None, known_at: datetime | None = None
    ) -> QuorumResult: ...

    def decisions(
        self,
        body: str | None = None,
        first: date | None = None,
        last: date | None = None,
        *,
        known_at: datetime | None = None,
    ) -> list[DecisionReport]: ...

    def funds(
        self, body: str | None = None, on: date | None = None, *, known_at: datetime | None = None
    ) -> list[FundSummary]: ...

    def allocations(
        self, fund: str, on: date | None = None, *, known_at: datetime | None = None
    ) -> list[AllocationReport]: ...


@dataclass(frozen=True)
class Field:
    """One line of export.csv: what this export is."""

    field: str
    value: str | int | None
    meaning: str


MANIFEST: Table[Field] = Table(
    "export.csv",
    "fact about the export: what it holds and as known when",
    (
        Column("field", "id", "The fact's name (the fields are listed below)."),
        Column("value", "text", "Its value in this export."),
        Column("meaning", "text", "What it means."),
    ),
)

FIELDS = {
    "format": "Always ledger-csv: these files and columns.",
    "version": "The version of this layout; a new column or file keeps it, a change of "
    "meaning makes a new one.",
    "exported": "When the export was made (UTC).",
    "known_at": "The recorded time of the last event in events.csv: every other file is the "
    "record as the ledger knew it then (empty: an empty ledger).",
    "tree_size": "How many events the log held: the last position in events.csv's numbering.",
    "head_hash": "The audit chain's hash at that position (ledger head prints the same).",
    "body": "The body selected (--body); empty: every body.",
    "from": "The first effective date selected (--from); empty: from the beginning.",
    "to": "The last effective date selected (--to); empty: to the end.",
    "position_on": "The date of the money's position in funds.csv and allocations.csv: "
    "--to, else the day of the export.",
    "status_on": "The day tor_versions.csv's status is judged on: the day of the export.",
}

TABLES: tuple[Table[Any], ...] = (
    EVENTS,
    BODIES,
    TOR_VERSIONS,
    MEMBERSHIPS,
    OFFICES,
    ORGANISATIONS,  # after the seats: one body's export has the organisations they name
    MEETINGS,
    AGENDA,
    ATTENDANCE,
    INTERESTS,
    DECISIONS,
    VOTES,
    FUNDS,
    ALLOCATIONS,
    MANIFEST,
    COLUMNS,
)
"""Every file of the export, in the order it is written and documented."""


def write(source: Source, out: Path, selection: Selection, progress: StageProgress) -> Written:
    """Write the csv export of ``selection`` to the new (or empty) directory ``out``."""
    _check_out(out)
    record = source.whole_record()
    now = clock.now()
    job = _Job(source, record, selection, progress, selection.last or now.date(), now.date())
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        # Beside ``out``, so the rename into place never crosses file systems.
        folder = out.parent / f".{out.name}.{uuid4().hex[:12]}.partial"
        folder.mkdir()
    except OSError as exc:
        raise ValidationError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        job.run(folder)
        write_all(MANIFEST, folder, _manifest(record, selection, job, now))
        write_all(COLUMNS, folder, dictionary(TABLES))
        if out.is_dir():
            out.rmdir()  # empty: checked above
        os.replace(folder, out)
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise ValidationError(
            f"cannot write {out}: {exc.strerror or exc}; nothing was written"
        ) from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Written("csv", [str(out / t.file) for t in TABLES], job.counts)


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ValidationError(f"--out {out} is a file: the csv export writes a directory")
    if out.is_dir() and any(out.iterdir()):
        raise ValidationError(
            f"--out {out} is not empty: the csv export writes a new directory; "
            "give a new or empty one (nothing was written)"
        )


def _manifest(
    record: WholeRecord, selection: Selection, job: _Job, now: datetime
) -> Iterator[Field]:
    values: dict[str, str | int | None] = {
        "format": FORMAT,
        "version": VERSION,
        "exported": now.isoformat().replace("+00:00", "Z"),
        "known_at": record.recorded_at,
        "tree_size": record.size,
        "head_hash": record.head_hash,
        "body": selection.body,
        "from": selection.first.isoformat() if selection.first else None,
        "to": selection.last.isoformat() if selection.last else None,
        "position_on": job.position_on.isoformat(),
        "status_on": job.status_on.isoformat(),
    }
    for name, meaning in FIELDS.items():
        yield Field(name, values[name], meaning)


class _Job:
    """One export: the stages, each writing one file."""

    def __init__(
        self,
        source: Source,
        record: WholeRecord,
        selection: Selection,
        progress: StageProgress,
        position_on: date,
        status_on: date,
    ):
        self.source = source
        self.record = record
        self.selection = selection
        self.progress = progress
        self.position_on = position_on
        self.status_on = status_on
        self.counts: dict[str, int] = {}
        self.bodies = [selection.body] if selection.body is not None else record.body_ids()
        self.organisations: set[str] = set()

    def run(self, folder: Path) -> None:
        first, last, body = self.selection.first, self.selection.last, self.selection.body
        record, known, source = self.record, self.record.known_at, self.source

        def meetings(b: str) -> Iterator[MeetingState]:
            return record.meetings(b, first, last)

        count = record.event_count(body, first, last)
        self.stage(folder, EVENTS, count, _chunks(record.events(body, first, last)))
        self.per_body(folder, BODIES, lambda b: record.bodies(b, first, last))
        self.per_body(
            folder, TOR_VERSIONS, lambda b: record.sections(b, first, last, self.status_on)
        )
        self.per_body(folder, MEMBERSHIPS, self._seats)
        self.per_body(folder, OFFICES, lambda b: record.offices(b, first, last))
        only = self.organisations if body is not None else None
        self.stage(folder, ORGANISATIONS, 1, [(1, record.organisations(only, first, last))])
        self.per_body(
            folder,
            MEETINGS,
            lambda b: (
                MeetingRow(m, source.quorum(m.meeting, known_at=known)) for m in meetings(b)
            ),
        )
        self.per_body(
            folder, AGENDA, lambda b: (ItemRow(m, i) for m in meetings(b) for i in m.items)
        )
        self.per_body(
            folder,
            ATTENDANCE,
            lambda b: (AttendanceRow(m, a) for m in meetings(b) for a in m.attendance),
        )
        self.per_body(
            folder,
            INTERESTS,
            lambda b: (InterestRow(m, i) for m in meetings(b) for i in m.interests),
        )
        self.per_body(folder, DECISIONS, lambda b: source.decisions(b, first, last, known_at=known))
        self.per_body(
            folder,
            VOTES,
            lambda b: (
                VoteRow(m, v)
                for m in record.motions(b, first, last)
                for v in (m.decision.votes if m.decision else ())
            ),
        )
        funds = source.funds(body, self.position_on, known_at=known)
        self.stage(folder, FUNDS, len(funds), [(len(funds), funds)])
        self.stage(
            folder, ALLOCATIONS, len(funds), ((1, self._allocations(f.fund.fund)) for f in funds)
        )

    def _seats(self, body: str) -> Iterator[SeatVersion]:
        for seat in self.record.seats(body, self.selection.first, self.selection.last):
            if seat.organisation:
                self.organisations.add(seat.organisation)
            yield seat

    def _allocations(self, fund: str) -> Iterator[AllocationRow]:
        on = self.position_on
        for a in self.source.allocations(fund, on, known_at=self.record.known_at):
            if self.selection.covers(date.fromisoformat(a.made)):
                yield AllocationRow(fund, on.isoformat(), a)

    def per_body(self, folder: Path, table: Table[R], rows: Callable[[str], Iterable[R]]) -> None:
        """A file written body by body: one step of progress per body."""
        self.stage(folder, table, len(self.bodies), ((1, rows(b)) for b in self.bodies))

    def stage(
        self, folder: Path, table: Table[R], total: int, steps: Iterable[tuple[int, Iterable[R]]]
    ) -> None:
        """Write one file as one stage of progress: each step's rows, then its worth."""
        started = self.progress(table.file, total) if self.progress is not None else None
        writer, handle = open_table(table, folder)
        with handle:
            for worth, rows in steps:
                for row in rows:
                    writer.write(row)
                if started is not None:
                    started(worth)
        self.counts[table.file.removesuffix(".csv")] = writer.rows


def _chunks(rows: Iterator[R], size: int = 1000) -> Iterator[tuple[int, list[R]]]:
    """Rows a thousand at a time, each chunk worth as many steps as it holds."""
    while chunk := list(islice(rows, size)):
        yield len(chunk), chunk
