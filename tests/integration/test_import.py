"""Import files: validated, all or nothing, and idempotent."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ledger.application import Ledger, import_schema
from ledger.domain.errors import NotFound, RuleViolation, ValidationError

GOOD = """
- id: kcsp
  type: establish-body
  body: kcsp
  name: Kent Community Safety Partnership
  kind: partnership
  effective: 2007-08-01
- type: establish-body
  body: kcsp-wg
  name: KCSP Working Group
  kind: working-group
  parent: kcsp
  effective: 2008-04-01
- type: rename-body
  body: kcsp-wg
  name: Kent Community Safety Partnership (KCSP) Working Group
  effective: 2010-01-01
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_imports_a_file_and_answers_from_it(ledger: Ledger, tmp_path: Path) -> None:
    receipt = ledger.import_files([write(tmp_path, "a.yaml", GOOD)])

    assert (receipt.recorded, receipt.skipped, receipt.positions) == (3, 0, [1, 2, 3])
    assert [b.slug for b in ledger.bodies(date(2010, 1, 1))] == ["kcsp", "kcsp-wg"]


def test_importing_the_same_file_again_records_nothing_new(ledger: Ledger, tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD)
    ledger.import_files([path])
    head = ledger.head()

    again = ledger.import_files([path])

    assert (again.recorded, again.skipped) == (0, 3)
    assert ledger.head() == head


def test_the_same_entries_as_json_are_recognised_too(ledger: Ledger, tmp_path: Path) -> None:
    import yaml

    ledger.import_files([write(tmp_path, "a.yaml", GOOD)])
    entries = yaml.safe_load(GOOD)
    for entry in entries:
        entry["effective"] = entry["effective"].isoformat()
        entry.setdefault("authority", None)
    again = ledger.import_files([write(tmp_path, "a.json", json.dumps(entries))])
    assert (again.recorded, again.skipped) == (0, 3)


def test_a_file_that_extends_an_earlier_one_records_only_the_new_entries(
    ledger: Ledger, tmp_path: Path
) -> None:
    ledger.import_files([write(tmp_path, "a.yaml", GOOD)])
    more = GOOD + "- type: dissolve-body\n  body: kcsp-wg\n  effective: 2020-03-31\n"
    receipt = ledger.import_files([write(tmp_path, "b.yaml", more)])
    assert (receipt.recorded, receipt.skipped) == (1, 3)


def test_dry_run_validates_and_records_nothing(ledger: Ledger, tmp_path: Path) -> None:
    receipt = ledger.import_files([write(tmp_path, "a.yaml", GOOD)], dry_run=True)
    assert receipt.dry_run
    assert receipt.recorded == 3
    assert ledger.count() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- [unclosed", "not valid YAML"),
        ("kcsp: 1", "expected a list of entries"),
        ("- type: found-body\n  body: x", r"entry 1: unknown type 'found-body'"),
        (
            GOOD + "- type: rename-body\n  body: kcsp\n  name: X\n  effective: 2024-02-30\n",
            r"entry 4 \(rename-body\): field 'effective'",
        ),
        (
            "- type: establish-body\n  body: Kent CSP\n  name: X\n  kind: partnership\n"
            "  effective: 2001-01-01\n",
            r"entry 1 \(establish-body\): field 'body'",
        ),
        (
            "- type: rename-body\n  body: kcsp\n  effective: 2001-01-01\n",
            "field 'name': Field required",
        ),
        (
            "- type: establish-body\n  body: a\n  name: A\n  kind: club\n  effective: 2001-01-01\n",
            "field 'kind'",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_entry_and_field(
    ledger: Ledger, tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        ledger.import_files([write(tmp_path, "bad.yaml", text)])
    assert ledger.count() == 0


def test_an_entry_the_rules_refuse_leaves_the_whole_file_unrecorded(
    ledger: Ledger, tmp_path: Path
) -> None:
    bad = (
        GOOD + "- type: rename-body\n  body: kcsp-wg\n  name: Too early\n  effective: 2000-01-01\n"
    )
    with pytest.raises(RuleViolation, match=r"entry 4 \(rename-body\): kcsp-wg is not established"):
        ledger.import_files([write(tmp_path, "bad.yaml", bad)])
    assert ledger.count() == 0


def test_several_files_are_one_all_or_nothing_import(ledger: Ledger, tmp_path: Path) -> None:
    good = write(tmp_path, "a.yaml", GOOD)
    bad = write(
        tmp_path,
        "b.yaml",
        "- type: rename-body\n  body: nope\n  name: X\n  effective: 2001-01-01\n",
    )
    with pytest.raises(NotFound, match="unknown body 'nope'"):
        ledger.import_files([good, bad])
    assert ledger.count() == 0


def test_a_correction_in_a_file_can_name_an_entry_by_its_id(ledger: Ledger, tmp_path: Path) -> None:
    fix = (
        GOOD
        + "- type: correct\n  event: kcsp\n  effective: 2007-09-01\n  reason: Regulations date\n"
    )
    ledger.import_files([write(tmp_path, "a.yaml", fix)])
    assert ledger.bodies(date(2007, 8, 15)) == []
    assert [b.slug for b in ledger.bodies(date(2007, 9, 1))] == ["kcsp"]


def test_a_missing_file_is_one_clear_error(ledger: Ledger, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no such file"):
        ledger.import_files([tmp_path / "missing.yaml"])


def test_the_import_schema_is_generated_from_the_models() -> None:
    schema = import_schema()
    kinds = {ref["$ref"].rsplit("/", 1)[1] for ref in schema["items"]["oneOf"]}
    assert {"EstablishBody", "RenameBody", "DissolveBody", "CorrectEvent", "RetractEvent"} <= kinds
    assert schema["$defs"]["EstablishBody"]["properties"]["effective"]["format"] == "date"
