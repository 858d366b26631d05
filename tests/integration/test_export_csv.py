"""``ledger export --format csv``: the record as a directory of CSV files, one per answer.

The demo ledger is exported whole and in part (one body, a range of dates) on SQLite and
PostgreSQL, and each file is held to the ledger's own answers: the events are the log
(its chain head, its Merkle root), the decisions are ``ledger decisions``', the
allocations add up to the budget's allocated total, the seats and ToR sections in force
on a day are ``ledger members``' and ``ledger tor``'s.  Text that would start a
spreadsheet formula is neutralised; a bad request is one line and writes nothing.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger.application import Ledger
from ledger.cli.main import cli
from ledger.domain.corrections import RetractEvent
from ledger.domain.errors import NotFound, ValidationError
from ledger.domain.membership import AddMember
from ledger.domain.organisation import RegisterOrganisation
from ledger.interchange.export.csv import TABLES
from ledger.interchange.verifier import node_hash
from ledger.queries import versions, whole_record
from tests.integration.test_funds import allocate, fund

BODY, FIRST, LAST = "kcsp-wg", date(2024, 1, 1), date(2024, 12, 31)


@pytest.fixture(scope="module")
def whole(demo: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole demo record, exported."""
    out = tmp_path_factory.mktemp("export") / "kent"
    with Ledger(demo) as ledger:
        ledger.export("csv", out)
    return out


def rows(out: Path, file: str) -> list[dict[str, str]]:
    with (out / file).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def today() -> date:
    return datetime.now(UTC).date()


def in_force(row: dict[str, str], day: date) -> bool:
    until = row["in_force_until"]
    return row["in_force_from"] <= day.isoformat() and (not until or until > day.isoformat())


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162's Merkle tree hash of a list of leaf hashes."""
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(mth(leaves[:split]), mth(leaves[split:]))


# --- the whole record ----------------------------------------------------------------


def test_every_file_is_written_with_its_header_and_described_in_columns_csv(whole: Path) -> None:
    assert sorted(p.name for p in whole.iterdir()) == sorted(t.file for t in TABLES)
    for table in TABLES:
        raw = (whole / table.file).read_bytes()
        lines = raw.decode("utf-8").split("\r\n")  # RFC 4180: CRLF, UTF-8
        assert lines[-1] == "", table.file
        assert next(csv.reader([lines[0]])) == table.header, table.file
    described = {(r["file"], r["column"]) for r in rows(whole, "columns.csv")}
    assert described == {(t.file, c) for t in TABLES for c in t.header}
    manifest = {r["field"]: r["value"] for r in rows(whole, "export.csv")}
    assert (manifest["format"], manifest["body"], manifest["from"], manifest["to"]) == (
        "ledger-csv",
        "",
        "",
        "",
    )


def test_events_csv_is_the_log_with_its_chain_head_and_merkle_root(whole: Path, demo: str) -> None:
    events = rows(whole, "events.csv")
    with Ledger(demo) as ledger:
        assert [int(e["position"]) for e in events] == list(range(1, ledger.count() + 1))
        position, head = ledger.head()
        assert events[-1]["chain_hash"] == head
        root = mth([bytes.fromhex(e["leaf_hash"]) for e in events]).hex()
        assert root == ledger.tree_head().root
        log = ledger.log()
    assert [(e["topic"], e["summary"], e["effective"]) for e in events] == [
        (e.topic, e.summary, e.effective) for e in log
    ]
    manifest = {r["field"]: r["value"] for r in rows(whole, "export.csv")}
    assert (manifest["tree_size"], manifest["head_hash"]) == (str(position), head)
    assert manifest["known_at"] == events[-1]["recorded"]
    cited = [(e["authority_decision"], e["authority_paper"]) for e in events]
    assert [c for c in cited if c[0]], "the demo cites decisions as authority"
    for (decision, paper), entry in zip(cited, log, strict=True):
        assert not decision or f"decision {decision}" in (entry.authority or "")
        assert not paper or f"paper: {paper}" in (entry.authority or "")


def test_decisions_and_votes_are_the_ledgers_decisions(whole: Path, demo: str) -> None:
    decided = rows(whole, "decisions.csv")
    with Ledger(demo) as ledger:
        reports = ledger.decisions()
    assert sorted(d["motion"] for d in decided) == sorted(r.motion for r in reports)
    by_motion = {d["motion"]: d for d in decided}
    for report in reports:
        row = by_motion[report.motion]
        assert row["valid"] == ("true" if report.valid else "false")
        assert row["outcome"] == (report.outcome or "")
        assert row["recorded_votes"] == str(len(report.votes))
        assert row["findings"].count(" [") == len(report.findings)
    assert any(d["valid"] == "false" and d["findings"] for d in decided)
    votes = rows(whole, "votes.csv")
    assert Counter(v["motion"] for v in votes) == Counter(
        {r.motion: len(r.votes) for r in reports if r.votes}
    )


def test_meetings_carry_their_quorum_and_attendance(whole: Path, demo: str) -> None:
    meetings = rows(whole, "meetings.csv")
    attendance = rows(whole, "attendance.csv")
    with Ledger(demo) as ledger:
        bodies = sorted({b["body"] for b in rows(whole, "bodies.csv")})
        expected = [m for b in bodies for m in ledger.meetings(b)]
    assert [(m["meeting"], m["quorate"]) for m in meetings] == [
        (m.id, "" if m.quorate is None else str(m.quorate).lower()) for m in expected
    ]
    assert [int(m["present"]) for m in meetings] == [m.present for m in expected]
    present = Counter(
        a["meeting"]
        for a in attendance
        if a["status"] in ("present", "substitute", "in-attendance")
    )
    assert all(present[m.id] >= m.present for m in expected)


def test_allocations_add_up_to_each_funds_allocated_total(whole: Path, demo: str) -> None:
    allocations = rows(whole, "allocations.csv")
    funds = {f["fund"]: f for f in rows(whole, "funds.csv")}
    with Ledger(demo) as ledger:
        assert sorted(funds) == sorted(f.fund.fund for f in ledger.funds())
        for slug, row in funds.items():
            mine = [a for a in allocations if a["fund"] == slug]
            assert len(mine) == len(ledger.allocations(slug))
            allocated = ledger.budget(slug, today()).total.allocated
            assert sum(int(a["awarded_pence"]) for a in mine) == allocated.pence
            assert (row["allocated_pence"], row["allocated"]) == (
                str(allocated.pence),
                allocated.text,
            )
    assert all(a["awarded"].startswith("£") for a in allocations)
    with (whole / "allocations.csv").open(encoding="utf-8", newline="") as handle:
        amounts = [r[5] for r in list(csv.reader(handle, quoting=csv.QUOTE_NONNUMERIC))[1:]]
    assert all(isinstance(a, float) for a in amounts)  # written as numbers, unquoted


def test_the_versions_in_force_on_a_day_are_the_ledgers_answers_for_that_day(
    whole: Path, demo: str
) -> None:
    seats, sections = rows(whole, "memberships.csv"), rows(whole, "tor_versions.csv")
    bodies = rows(whole, "bodies.csv")
    with Ledger(demo) as ledger:
        for day in (date(2008, 6, 17), date(2024, 7, 4), date(2025, 7, 4)):
            assert sorted((b["body"], b["name"]) for b in bodies if in_force(b, day)) == sorted(
                (b.slug, b.name) for b in ledger.bodies(day, include_dissolved=True)
            )
            for body in ("kcsp", "kcsp-wg", "richmond-csp"):
                members = ledger.members(body, day).members
                assert sorted(
                    (s["seat"], s["representative_name"])
                    for s in seats
                    if s["body"] == body and in_force(s, day)
                ) == sorted((m.member, m.representative or "") for m in members)
                try:
                    tor = ledger.tor(body, day).sections
                except NotFound:
                    tor = []
                assert sorted(
                    (s["section"], s["text"])
                    for s in sections
                    if s["body"] == body and in_force(s, day)
                ) == sorted((s.id, s.text) for s in tor)
    assert {s["status"] for s in sections} >= {"in force", "superseded"}
    identified = {o["organisation"]: o["identifier"] for o in rows(whole, "organisations.csv")}
    assert (identified["kcc"], identified["kent-police"]) == ("GB-LAE-KEN", "")


def test_reading_a_few_rows_at_a_time_writes_the_same_files(
    demo: str, whole: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(versions, "BATCH", 2)  # every version table read two rows a time
    monkeypatch.setattr(whole_record, "BATCH", 3)  # and the log three events at a time
    out = tmp_path / "again"
    with Ledger(demo) as ledger:
        ledger.export("csv", out)
    for table in TABLES:
        if table.file == "export.csv":
            assert [r for r in rows(out, table.file) if r["field"] != "exported"] == [
                r for r in rows(whole, table.file) if r["field"] != "exported"
            ]
        else:
            assert (out / table.file).read_bytes() == (whole / table.file).read_bytes(), table.file


def test_progress_is_one_stage_per_file_each_run_to_its_end(demo: str, tmp_path: Path) -> None:
    stages: dict[str, list[int]] = {}

    def start(label: str, total: int) -> Any:
        stages[label] = [total, 0]
        return lambda n: stages[label].__setitem__(1, stages[label][1] + n)

    with Ledger(demo) as ledger:
        written = ledger.export("csv", tmp_path / "out", progress=start)
        count = ledger.count()
    data = [t.file for t in TABLES if t.file not in ("export.csv", "columns.csv")]
    assert list(stages) == data
    assert stages["events.csv"] == [count, count]
    assert all(done == total for total, done in stages.values())
    assert list(written.counts) == [f.removesuffix(".csv") for f in data]


# --- a selection -----------------------------------------------------------------------


def test_a_selection_holds_one_bodys_record_between_two_dates(demo: str, tmp_path: Path) -> None:
    out = tmp_path / "wg-2024"
    with Ledger(demo) as ledger:
        written = ledger.export("csv", out, body=BODY, first=FIRST, last=LAST)
        log = ledger.log(body=BODY, effective_from=FIRST, effective_to=LAST)
        decisions = ledger.decisions(BODY, FIRST, LAST)
        meetings = ledger.meetings(BODY, first=FIRST, last=LAST)
        allocations = [a for f in ledger.funds(BODY) for a in ledger.allocations(f.fund.fund, LAST)]
    events = rows(out, "events.csv")
    assert [int(e["position"]) for e in events] == [e.position for e in log]
    assert written.counts["events"] == len(log) > 0
    assert sorted(d["motion"] for d in rows(out, "decisions.csv")) == sorted(
        d.motion for d in decisions
    )
    assert [m["meeting"] for m in rows(out, "meetings.csv")] == [m.id for m in meetings]
    inside = [a for a in allocations if FIRST.isoformat() <= a.made <= LAST.isoformat()]
    assert sorted(a["allocation"] for a in rows(out, "allocations.csv")) == sorted(
        a.allocation for a in inside
    )
    for file in ("bodies.csv", "tor_versions.csv", "memberships.csv", "offices.csv"):
        for row in rows(out, file):
            assert row["body"] == BODY, file
            assert row["in_force_from"] <= LAST.isoformat(), file
            assert not row["in_force_until"] or row["in_force_until"] > FIRST.isoformat(), file
    for file in ("meetings.csv", "attendance.csv", "agenda.csv", "decisions.csv", "votes.csv"):
        assert all(r["body"] == BODY and "2024-" in r["date"][:5] for r in rows(out, file)), file
    seats = {s["organisation"] for s in rows(out, "memberships.csv") if s["organisation"]}
    assert {o["organisation"] for o in rows(out, "organisations.csv")} == seats
    manifest = {r["field"]: r["value"] for r in rows(out, "export.csv")}
    assert (manifest["body"], manifest["from"], manifest["to"], manifest["position_on"]) == (
        BODY,
        "2024-01-01",
        "2024-12-31",
        "2024-12-31",
    )


# --- safe output, corrections, refusals ----------------------------------------------

HOSTILE = '=HYPERLINK("http://evil.example/","Click me")'
HOSTILE_RECIPIENTS = ["+SUM(1,2)", "-2+3", "@cmd", "\tTabbed"]  # no CR: the ledger refuses one


def test_text_that_would_start_a_formula_is_neutralised_and_numbers_stay_numbers(
    ledger: Ledger, tmp_path: Path
) -> None:
    fund(
        ledger,
        *(
            allocate(f"a{n}", "£100.00", recipient=name)
            for n, name in enumerate(HOSTILE_RECIPIENTS, start=1)
        ),
    )
    ledger.execute(
        [
            RegisterOrganisation(
                organisation="evil", name=HOSTILE, sector="voluntary", effective=date(2024, 1, 1)
            ),
            AddMember(
                body="wg",
                member="evil",
                organisation="evil",
                category="invitee",
                voting=False,
                effective=date(2024, 2, 1),
            ),
        ]
    )
    out = tmp_path / "out"
    ledger.export("csv", out)

    names = [o["name"] for o in rows(out, "organisations.csv") if o["organisation"] == "evil"]
    assert names == ["'" + HOSTILE]
    seat = [s for s in rows(out, "memberships.csv") if s["seat"] == "evil"]
    assert [s["organisation_name"] for s in seat] == ["'" + HOSTILE]
    recipients = sorted(a["recipient"] for a in rows(out, "allocations.csv"))
    assert recipients == sorted("'" + name for name in HOSTILE_RECIPIENTS)
    text = (out / "allocations.csv").read_text(encoding="utf-8")
    assert '"\'+SUM(1,2)"' in text
    assert ',10000,"£100.00",' in text  # the pence a number, unquoted; the pounds text
    for file in ("events.csv", "organisations.csv", "memberships.csv", "allocations.csv"):
        with (out / file).open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in row), file


def test_a_retracted_event_is_in_events_csv_and_gone_from_the_answers(
    ledger: Ledger, tmp_path: Path
) -> None:
    fund(ledger, allocate("kept", "£100.00"), allocate("mistake", "£200.00", title="Typo"))
    mistake = next(e for e in ledger.log() if "mistake" in e.summary)
    receipt = ledger.execute([RetractEvent(event=mistake.event_id, reason="Recorded in error")])
    out = tmp_path / "out"
    ledger.export("csv", out)

    events = {e["event_id"]: e for e in rows(out, "events.csv")}
    assert events[mistake.event_id]["corrected_by"] == receipt.event_ids[0]
    assert events[receipt.event_ids[0]]["corrects"] == mistake.event_id
    assert [a["allocation"] for a in rows(out, "allocations.csv")] == ["kept"]


def run(db: str, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--db", db, *args])


def test_an_unknown_body_is_one_line_and_writes_nothing(demo: str, tmp_path: Path) -> None:
    out = tmp_path / "nowhere"
    result = run(demo, "export", "--format", "csv", "--out", str(out), "--body", "no-such")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == ["Error: unknown body 'no-such'"]
    assert list(tmp_path.iterdir()) == []


def test_a_directory_that_is_not_empty_is_refused_and_left_alone(demo: str, tmp_path: Path) -> None:
    out = tmp_path / "kept"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    result = run(demo, "export", "--format", "csv", "--out", str(out))
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "is not empty" in result.output
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept"]  # no partial directory
    with Ledger(demo) as ledger, pytest.raises(ValidationError, match="is a file"):
        ledger.export("csv", out / "notes.txt")


def test_an_empty_directory_is_filled_and_the_command_says_what_it_wrote(
    demo: str, tmp_path: Path
) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    result = run(demo, "export", "--format", "csv", "--out", str(out), "--body", BODY)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote csv to {out} ({len(TABLES)} file(s)): ")
    assert "decisions" in result.output
    assert (out / "events.csv").is_file()
