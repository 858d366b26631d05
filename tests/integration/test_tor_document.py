"""Recording terms of reference from the document itself."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.application import Ledger
from ledger.cli.main import cli
from ledger.domain.body import EstablishBody
from ledger.domain.errors import NotFound, ValidationError
from ledger.domain.events import Authority

DEMO = Path(__file__).parents[2] / "examples" / "demo"
RICHMOND = (DEMO / "richmond-csp-tor-2008.txt").read_text(encoding="utf-8")
STRATEGY_GROUP = EstablishBody(
    body="richmond-csp",
    name="Richmond CSP Strategy Group",
    kind="strategy-group",
    effective=date(2008, 1, 1),
)


def test_a_document_is_adopted_whole_when_no_tor_is_in_force(ledger: Ledger) -> None:
    ledger.execute([STRATEGY_GROUP])
    result = ledger.import_tor_document(
        "richmond-csp", RICHMOND, date(2008, 3, 1), Authority(paper="ToR March 2008")
    )

    assert [c.type for c in result.commands] == ["adopt-tor"]
    report = ledger.tor("richmond-csp", date(2008, 3, 1))
    assert len(report.sections) == 19
    assert report.sections[10].text == "The Strategy Group will meet 10 times per year."
    assert report.title is not None
    assert report.title.startswith("Terms of Reference for Strategic Partnerships")


def test_importing_the_same_document_again_records_nothing(ledger: Ledger) -> None:
    ledger.execute([STRATEGY_GROUP])
    ledger.import_tor_document("richmond-csp", RICHMOND, date(2008, 3, 1))
    count = ledger.count()

    again = ledger.import_tor_document("richmond-csp", RICHMOND, date(2008, 3, 1))
    assert again.commands == []
    assert ledger.count() == count


def test_a_revised_document_is_recorded_as_the_amendments_it_makes(ledger: Ledger) -> None:
    ledger.execute([STRATEGY_GROUP])
    ledger.import_tor_document("richmond-csp", RICHMOND, date(2008, 3, 1))
    revised = (
        RICHMOND.replace("meet 10 times per year", "meet 6 times per year")
        .replace("13. Diversity", "13. Equality and diversity")
        .replace("15. Exit Clause", "15. Review\n\nReviewed every year.\n\n16. Exit Clause")
    )
    revised = (
        revised.split("14. Conflict resolution")[0]
        + revised.split(
            "Conflicts will be referred to the Local Strategic Partnership for resolution under "
            "their processes.\n"
        )[1]
    )

    result = ledger.import_tor_document("richmond-csp", revised, date(2011, 4, 1))

    planned = sorted(
        (c.type, getattr(c, "section", None) if c.type != "insert-section" else c.section.id)
        for c in result.commands
    )
    assert ("amend-section", "frequency-of-meetings") in planned
    assert ("insert-section", "review") in planned
    assert ("repeal-section", "conflict-resolution") in planned
    assert ("repeal-section", "diversity") in planned
    assert ("insert-section", "equality-and-diversity") in planned
    red = ledger.tor_diff("richmond-csp", date(2011, 3, 31), date(2011, 4, 1))
    assert {c.section: c.change for c in red.changes}["frequency-of-meetings"] == "changed"
    ids = [s.id for s in ledger.tor("richmond-csp", date(2011, 4, 1)).sections]
    assert ids.index("review") == ids.index("equality-and-diversity") + 1


def test_a_document_without_numbered_headings_is_refused(ledger: Ledger) -> None:
    ledger.execute([STRATEGY_GROUP])
    with pytest.raises(ValidationError, match="numbered heading"):
        ledger.import_tor_document(
            "richmond-csp", "Just some prose.\nNo headings.", date(2008, 3, 1)
        )
    with pytest.raises(NotFound, match="unknown body 'nobody'"):
        ledger.import_tor_document("nobody", RICHMOND, date(2008, 3, 1))
    assert ledger.count() == 1


def test_the_tor_commands_from_the_command_line(ledger_url: str) -> None:
    with Ledger(ledger_url) as ledger:
        ledger.execute([STRATEGY_GROUP])
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--db", ledger_url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    out = run(
        "tor",
        "import",
        "richmond-csp",
        str(DEMO / "richmond-csp-tor-2008.txt"),
        "--effective",
        "2008-03-01",
        "--dry-run",
    )
    assert "adopt the whole document (19 sections)" in out
    assert "would record 1 event(s)" in out
    run(
        "tor",
        "import",
        "richmond-csp",
        str(DEMO / "richmond-csp-tor-2008.txt"),
        "--effective",
        "2008-03-01",
        "--meeting",
        "richmond-2008-03",
    )
    run(
        "tor",
        "amend",
        "richmond-csp",
        "frequency-of-meetings",
        "--effective",
        "2010-01-01",
        "--text",
        "The Strategy Group will meet 6 times per year.",
        "--meeting",
        "richmond-2009-12",
    )

    shown = json.loads(run("tor", "show", "richmond-csp", "--on", "2010-01-01", "--json"))
    assert [s["text"] for s in shown["sections"] if s["id"] == "frequency-of-meetings"] == [
        "The Strategy Group will meet 6 times per year."
    ]
    markdown = run(
        "tor",
        "show",
        "richmond-csp",
        "--on",
        "2009-06-01",
        "--format",
        "markdown",
        "--section",
        "frequency-of-meetings",
    )
    assert "## 7. Frequency of meetings" in markdown
    assert "Pending changes" in markdown
    diff = run("tor", "diff", "richmond-csp", "2009-12-31", "2010-01-01")
    assert "~ The Strategy Group will meet [-10-]{+6+} times per year." in diff
    history = json.loads(
        run("tor", "history", "richmond-csp", "--section", "frequency-of-meetings", "--json")
    )
    assert [h["status"] for h in history] == ["in force", "in force"]
    rules = Path(ledger_url).with_name("rules.yaml") if "://" not in ledger_url else None
    if rules is not None:
        rules.write_text(
            "- type: amend-section\n  body: richmond-csp\n  section: decision-making\n"
            "  effective: 2008-03-01\n  rules:\n    - kind: decision-method\n"
            "      method: consensus\n",
            encoding="utf-8",
        )
        run("import", str(rules))
        shown = json.loads(
            run(
                "tor",
                "show",
                "richmond-csp",
                "--on",
                "2010-01-01",
                "--json",
                "--section",
                "decision-making",
            )
        )
        assert shown["sections"][0]["rules"] == [{"kind": "decision-method", "method": "consensus"}]
    run("tor", "repeal", "richmond-csp", "diversity", "--effective", "2011-01-01")
    assert "REPEALED: 13. Diversity" in run(
        "tor", "diff", "richmond-csp", "2010-12-31", "2011-01-01"
    )
