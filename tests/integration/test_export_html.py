"""``ledger export --format html``: a readable report per body and period, safe to open.

On the demo: the Working Group's report shows its Membership section changed on 4 July
2024 as a redline, why the meeting of 12 September 2024 was inquorate, the findings
against the vote of 13 June 2024, and the budget exactly as ``Ledger.budget`` gives it;
the whole ledger is a folder of one report per body and an index.  Every report is
parsed as a browser would: no script, no event handler, nothing fetched from outside,
every element closed, headings in order, tables captioned.  Hostile text in the record
stays text.  Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import re
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.application import Ledger
from ledger.cli.main import cli
from ledger.domain.errors import NotFound, StorageError, ValidationError
from ledger.infra.checkpoint import generate, write_key
from ledger.interchange.export import Selection, html
from tests.integration.html_page import Page, between, section, squash

EVIL = '<script>alert(1)</script>"onmouseover="alert(2)" \'><img src=x onerror=alert(3)>'


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def folder(demo: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole demo ledger exported: a folder of reports."""
    out = tmp_path_factory.mktemp("html") / "reports"
    with Ledger(demo) as ledger:
        ledger.export("html", out)
    return out


@pytest.fixture(scope="module")
def working_group(folder: Path) -> str:
    return (folder / "kcsp-wg.html").read_text(encoding="utf-8")


def assert_safe_and_sound(html: str, files: set[str]) -> Page:
    """What every report must be: well formed, self-contained, without script, navigable."""
    page = Page(html)
    assert page.problems == []
    assert page.doctype.lower() == "doctype html"
    assert page.all("html")[0].attrs["lang"] == "en-GB"
    # No script, no frames or objects, no images, nothing fetched: only the one <style>.
    banned = {"script", "iframe", "object", "embed", "img", "link", "base", "form", "svg"}
    assert {e.tag for e in page.elements} & banned == set()
    for element in page.elements:
        for name, value in element.attrs.items():
            assert not name.startswith("on"), (element.tag, name, value)
            assert name not in ("src", "srcset", "style", "action", "formaction"), element
    style = "".join(e.text for e in page.all("style"))
    assert "url(" not in style
    assert "@import" not in style
    ids = [e.attrs["id"] for e in page.elements if "id" in e.attrs]
    assert len(ids) == len(set(ids)), "ids are unique"
    for link in page.all("a"):
        href = link.attrs["href"] or ""
        if href.startswith("#"):
            assert href[1:] in ids, href
        else:
            assert href in files, href  # a report beside it, never a URL
    assert page.all("a")[0].attrs["href"] == "#main"  # the skip link comes first
    assert "main" in ids
    levels = [int(e.tag[1]) for e in page.elements if re.fullmatch(r"h[1-6]", e.tag)]
    assert levels[0] == 1
    assert levels.count(1) == 1
    assert max(levels) <= 3
    assert all(b <= a + 1 for a, b in pairwise(levels)), levels
    assert all(t.caption for t in page.tables)
    for cell in page.all("th"):
        assert cell.attrs.get("scope") in ("col", "row"), cell
    return page


# --- what the report says ---------------------------------------------------------------


def test_the_working_groups_redline_shows_membership_changed_on_4_july_2024(
    working_group: str,
) -> None:
    changes = section(working_group, "tor-changes")
    version = between(changes, "version-2024-07-04", None)
    page = Page(version)
    assert "Compared with the version in force from 12 July 2023: 2 sections changed." in page.text
    assert "Section 3. MEMBERSHIP: changed." in page.text
    deleted = [squash(e.text) for e in page.all("del")]
    inserted = [squash(e.text) for e in page.all("ins")]
    assert "- Kent, Surrey & Sussex Community Rehabilitation Company (CRC)" in deleted
    assert "- The Probation Service" in inserted
    assert "PURPOSE" in deleted
    assert "RESPONSIBILITIES" in inserted
    made = page.text
    assert "on the authority of decision kcsp-2024-07-04-5a" in made
    # And the text in force now is the amended one, standing since that day.
    in_force = Page(section(working_group, "tor"))
    assert "Section membership, as it has stood since 4 July 2024." in in_force.text
    assert "The Probation Service" in in_force.by_id("section-membership").text or (
        "The Probation Service" in in_force.text
    )


def test_an_inquorate_meeting_says_what_was_missing_and_who_was_not_counted(
    working_group: str,
) -> None:
    meetings = section(working_group, "meetings")
    page = Page(meetings)
    listed = page.table("Meetings in the period")
    assert [
        "kcsp-wg-2024-09-12",
        "12 September 2024",
        "held",
        "2",
        "7",
        "no",
        "kcsp-wg-2024-12-12",
    ] in listed.rows
    quorum = page.table("Quorum of kcsp-wg-2024-09-12").rows
    start = next(r for r in quorum if r[0] == "At the start")
    assert start[1] == "no"
    assert "at least 4 responsible-authority organisation(s) present: 3 of 4" in start[2]
    assert "1 more responsible-authority organisation(s) needed" in start[2]
    assert "Senior Manager, Probation (illustrative): apologies" in start[4]
    assert "quorate with at least 4 responsible-authority organisation(s) present" in page.text


def test_a_decision_shows_the_findings_that_make_it_invalid(demo: str, working_group: str) -> None:
    with Ledger(demo, read_only=True) as ledger:
        report = ledger.decision("kcsp-wg-2024-06-13-3a")
    decisions = section(working_group, "decisions")
    page = Page(decisions)
    row = next(r for r in page.table("Decisions in the period").rows if r[0] == report.motion)
    assert row[3:] == ["carried", "NOT VALID", "2"]
    one = Page(
        between(decisions, "decision-kcsp-wg-2024-06-13-3a", "decision-kcsp-wg-2024-12-12-3a")
    )
    assert "kcsp-wg-2024-06-13-3a: carried, NOT validly made" in one.text
    findings = [squash(li.text) for li in one.all("li") if "(rule:" in li.text]
    assert len(findings) == len(report.findings) == 2
    for finding, shown in zip(report.findings, findings, strict=True):
        assert f"{finding.check} (rule: {finding.rule}): {finding.message}" in shown
    assert one.table("Votes recorded on kcsp-wg-2024-06-13-3a").rows[-1] == [
        "icb-safeguarding-lead",
        "abstain",
    ]


def test_the_budget_is_the_ledgers_to_the_penny_and_right_aligned(
    demo: str, working_group: str
) -> None:
    with Ledger(demo, read_only=True) as ledger:
        recorded = ledger.head_recorded_at()
        assert recorded is not None
        on = recorded.date()
        budget = ledger.budget("kcsp-csf", on)
        allocations = ledger.allocations("kcsp-csf", on)
    page = Page(section(working_group, "budget"))
    table = page.table(f"Position of Kent Community Safety Fund on {on.day} ")
    measures = [
        "received",
        "reduced",
        "allocated",
        "spent",
        "returned",
        "carried_in",
        "carried_forward",
        "available",
    ]
    expected = [[y.year, *(getattr(y, m).text for m in measures)] for y in budget.years]
    expected.append(["Total", *(getattr(budget.total, m).text for m in measures)])
    assert table.rows[1:] == expected
    assert budget.total.available.text == "£1,840.50"
    money = [c for c in table.cells if c.tag == "td"]
    assert money
    assert all(c.attrs.get("class") == "num" for c in money)
    rows = page.table("Allocations from Kent Community Safety Fund").rows[1:]
    assert [(r[0], r[4], r[6]) for r in rows] == [
        (a.allocation, a.awarded.text, a.balance.text) for a in allocations
    ]
    assert any("not good authority" in r[8] for r in rows)  # the 2024/25 vote's money


def test_the_audit_status_names_the_head_and_how_to_verify(demo: str, working_group: str) -> None:
    with Ledger(demo, read_only=True) as ledger:
        position, head = ledger.head()
        events = ledger.count()
    page = Page(section(working_group, "audit"))
    assert f"Head {position}:{head}" in page.text
    assert f"The chain is intact: all {events} stored events were read back" in page.text
    assert "No checkpoint has been recorded." in page.text
    for step in (
        "ledger export --format jsonl",
        "ledger verifier",
        "python3 verify.py kcsp-wg.jsonl",
    ):
        assert step in page.text
    assert f"ledger verify --expect {position}:{head}" in page.text


def test_a_period_shows_the_members_at_its_start_and_end_and_only_its_meetings(
    demo: str, tmp_path: Path
) -> None:
    out = tmp_path / "wg.html"
    with Ledger(demo, read_only=True) as ledger:
        ledger.export("html", out, body="kcsp-wg", first=date(2024, 7, 1), last=date(2024, 12, 31))
    html = out.read_text(encoding="utf-8")
    assert_safe_and_sound(html, set())
    page = Page(section(html, "members"))
    start = page.table("Members on 30 June 2024, the day before the period").rows[1:]
    end = page.table("Members on 31 December 2024").rows[1:]
    assert (len(start), len(end)) == (9, 14)
    assert "Joined: kcc-prevent (Kent County Council), represented by Prevent Manager" in page.text
    changes = page.table("Membership changes effective in the period").rows[1:]
    assert {r[0] for r in changes} == {"4 July 2024"}
    meetings = Page(section(html, "meetings")).table("Meetings in the period").rows[1:]
    assert [r[0] for r in meetings] == ["kcsp-wg-2024-09-12", "kcsp-wg-2024-12-12"]
    assert "effective dates from 1 July 2024 to 31 December 2024" in Page(html).text
    assert "Terms of reference in force on 31 December 2024" in Page(html).text


# --- the files ----------------------------------------------------------------------------


def test_the_whole_ledger_is_a_folder_of_one_report_per_body_and_an_index(
    demo: str, folder: Path
) -> None:
    with Ledger(demo, read_only=True) as ledger:
        recorded = ledger.head_recorded_at()
        assert recorded is not None
        bodies = ledger.bodies(recorded.date(), include_dissolved=True)
    files = {p.name for p in folder.iterdir()}
    assert files == {f"{b.slug}.html" for b in bodies} | {"index.html"}
    index = assert_safe_and_sound((folder / "index.html").read_text(encoding="utf-8"), files)
    links = {a.attrs["href"]: squash(a.text) for a in index.all("a") if a.attrs["href"] != "#main"}
    assert links == {f"{b.slug}.html": b.name for b in bodies}
    for name in sorted(files - {"index.html"}):
        page = assert_safe_and_sound((folder / name).read_text(encoding="utf-8"), files)
        assert page.all("h1")[0].text in {b.name for b in bodies}


def test_the_same_record_gives_the_same_bytes(demo: str, folder: Path, tmp_path: Path) -> None:
    with Ledger(demo, read_only=True) as ledger:
        ledger.export("html", tmp_path / "again")
        written = ledger.export("html", tmp_path / "one.html", body="kcsp-wg")
    for path in folder.iterdir():
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes()
    alone = (tmp_path / "one.html").read_text(encoding="utf-8")
    together = (folder / "kcsp-wg.html").read_text(encoding="utf-8")
    # The same report, but for the links to the index and the other bodies' reports.
    assert Page(section(alone, "decisions")).text == Page(section(together, "decisions")).text
    assert written.files == [str(tmp_path / "one.html")]
    assert written.counts == {"reports": 1, "meetings": 4, "decisions": 3}


def test_an_unknown_body_is_one_line_and_writes_nothing(demo: str, tmp_path: Path) -> None:
    out = tmp_path / "nope.html"
    refused = run(demo, "export", "--format", "html", "--body", "nope", "--out", str(out))
    assert refused.exit_code == 1
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, refused.output
    assert "nope" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_the_out_path_must_fit_the_selection(demo: str, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("keep", encoding="utf-8")
    with Ledger(demo, read_only=True) as ledger:
        with pytest.raises(ValidationError, match="is a directory: with --body"):
            ledger.export("html", tmp_path, body="kcsp-wg")
        with pytest.raises(ValidationError, match="is a file: without --body"):
            ledger.export("html", tmp_path / "a-file")
        with pytest.raises(ValidationError, match="does not exist"):
            ledger.export("html", tmp_path / "missing" / "wg.html", body="kcsp-wg")
        with pytest.raises(NotFound):
            ledger.export("html", tmp_path / "x.html", body="nope")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
    assert (tmp_path / "a-file").read_text(encoding="utf-8") == "keep"


class FailsAtTheSecondBody:
    """The ledger's reads, but the second body's meetings cannot be read."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger, self.asked = ledger, 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.ledger, name)

    def meetings(self, body: str, **kwargs: object) -> object:
        self.asked += 1
        if self.asked == 2:
            raise StorageError("the database went away")
        return self.ledger.meetings(body, **kwargs)  # type: ignore[arg-type]


def test_a_failed_export_leaves_no_report_behind(demo: str, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    with Ledger(demo, read_only=True) as ledger, pytest.raises(StorageError):
        html.write(FailsAtTheSecondBody(ledger), out, Selection(), None)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_the_cli_writes_a_report_and_says_what_it_holds(demo: str, tmp_path: Path) -> None:
    out = tmp_path / "wg.html"
    done = run(demo, "export", "--format", "html", "--body", "kcsp-wg", "--out", str(out))
    assert done.exit_code == 0, done.output
    assert f"wrote html to {out} (1 file(s)): reports 1, meetings 4, decisions 3" in done.stdout
    assert out.is_file()


# --- hostile text -------------------------------------------------------------------------


# Each X_EVIL is replaced by a JSON string (which YAML reads as a quoted scalar).
HOSTILE = """
- {type: establish-body, body: evil, name: EVIL, kind: working-group, effective: 2024-01-01}
- {type: register-organisation, organisation: evil-org, name: EVIL, sector: police,
   effective: 2024-01-01}
- {type: adopt-tor, body: evil, effective: 2024-01-01, title: EVIL,
   sections: [{id: membership, number: "1", heading: EVIL, text: TEXT_EVIL}]}
- {type: amend-section, body: evil, section: membership, effective: 2024-03-01,
   text: AMENDED_EVIL}
- {type: add-member, body: evil, member: evil-seat, organisation: evil-org,
   category: responsible-authority, effective: 2024-01-01}
- {type: appoint-representative, body: evil, member: evil-seat, person: p-one, name: EVIL,
   effective: 2024-01-01}
- {type: schedule-meeting, body: evil, effective: 2024-02-01, title: EVIL}
- {type: add-agenda-item, meeting: evil-2024-02-01, item: "1", title: EVIL,
   classification: for-decision}
- {type: meeting-outcome, meeting: evil-2024-02-01, outcome: held}
- {type: record-attendance, meeting: evil-2024-02-01, person: p-one, name: EVIL,
   status: present, member: evil-seat}
- {type: propose-motion, motion: evil-1a, meeting: evil-2024-02-01, item: "1", text: EVIL,
   mover: p-one}
- {type: decide-motion, motion: evil-1a, outcome: agreed, method: consensus, resolution: EVIL}
- {type: create-fund, fund: evil-fund, name: EVIL, body: evil, funders: [EVIL],
   effective: 2024-01-01}
"""


def hostile_file(path: Path) -> Path:
    """A body whose every name and text tries to break out of HTML."""
    text = HOSTILE.replace("AMENDED_EVIL", json.dumps("Members now: " + EVIL + " & more"))
    text = text.replace("TEXT_EVIL", json.dumps("Members: " + EVIL))
    path.write_text(text.replace("EVIL", json.dumps(EVIL)), encoding="utf-8")
    return path


def test_hostile_text_in_the_record_stays_text(ledger: Ledger, tmp_path: Path) -> None:
    ledger.import_files([hostile_file(tmp_path / "evil.yaml")])
    key = tmp_path / "evil.key"
    write_key(generate("evil-csp"), key)
    ledger.checkpoint(key, "ledger.example/evil")
    out = tmp_path / "evil.html"

    ledger.export("html", out, body="evil")

    html = out.read_text(encoding="utf-8")
    page = assert_safe_and_sound(html, set())
    assert "<script>" not in html
    assert "<img" not in html
    assert 'onmouseover="alert' not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 8
    # A reader sees the text exactly as it was recorded, in the title and the heading too.
    assert page.all("h1")[0].text == EVIL
    assert EVIL in page.all("title")[0].text
    for where in ("tor", "tor-changes", "members", "meetings", "decisions", "budget"):
        assert EVIL in Page(section(html, where)).text, where
    redline = Page(section(html, "tor-changes"))
    assert "Members now: " + EVIL + " & more" in redline.text
    assert "& more" in " ".join(squash(e.text) for e in redline.all("ins"))
    checkpoint = Page(section(html, "audit"))
    assert "the record of ledger.example/evil held" in checkpoint.text
    assert checkpoint.all("pre")[0].text.startswith("ledger.example/evil\n")
