"""The verifiable trail: ``ledger export --format jsonl`` and ``verify.py``, the checker an
auditor runs with nothing but Python.  A whole-log export and a partial one (one body,
from a date) verify on their own against their signed checkpoint; every kind of damage
is refused, naming the first bad line.  Exports are made on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger, verifier_source
from ledger.domain.body import RenameBody
from ledger.infra.checkpoint import generate, read_key, write_key
from ledger.interchange.verifier import TrailError, check_trail
from tests.integration.test_audit_chain import EVENTS, build


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "kent.key"
    write_key(generate("kent-csp"), path)
    return path


def exported(ledger: Ledger, key: Path, tmp_path: Path, **selection: object) -> list[str]:
    build(ledger)
    out = tmp_path / "trail.jsonl"
    ledger.export_trail(out, key, **selection)  # type: ignore[arg-type]
    return out.read_text(encoding="utf-8").splitlines()


def run_verify_py(tmp_path: Path, lines: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    script, export = tmp_path / "verify.py", tmp_path / "check.jsonl"
    script.write_text(verifier_source(), encoding="utf-8")
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # -I -S: isolated, without site-packages: Python's standard library and nothing else.
    command = [sys.executable, "-I", "-S", str(script), str(export), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_a_whole_log_export_verifies_alone(ledger: Ledger, key: Path, tmp_path: Path) -> None:
    lines = exported(ledger, key, tmp_path)
    header = json.loads(lines[0])
    assert (header["tree_size"], header["partial"], len(lines)) == (EVENTS, False, EVENTS + 2)
    done = run_verify_py(tmp_path, lines)
    assert done.returncode == 0, done.stderr
    assert f"verified: {EVENTS} events of " in done.stdout
    assert "not checked: the cryptography package is not installed" in done.stdout
    report = check_trail(lines, key=read_key(key).verifier_key())
    assert (report.events, report.signature) == (EVENTS, "good, by the key given (kent-csp)")


def test_a_partial_export_verifies_by_its_inclusion_proofs(
    ledger: Ledger, key: Path, tmp_path: Path
) -> None:
    lines = exported(ledger, key, tmp_path, body="kcsp-dhr")
    events = [json.loads(line) for line in lines[1:-1]]
    assert [e["position"] for e in events] == [2, 3, 6]  # established, renamed, corrected
    assert all(e["proof"] for e in events)
    report = check_trail(lines)
    assert (report.partial, report.events, report.tree_size) == (True, 3, EVENTS)
    assert run_verify_py(tmp_path, lines).returncode == 0


def damaged(lines: list[str], at: int, field: str, value: object) -> list[str]:
    record = json.loads(lines[at])
    record[field] = value
    return [*lines[:at], json.dumps(record), *lines[at + 1 :]]


WHOLE: list[tuple[str, Callable[[list[str]], list[str]], str]] = [
    (
        "modified",
        lambda ls: [*ls[:3], ls[3].replace("DARDR", "DARDX"), *ls[4:]],
        "line 4: the event at position 3 is not the one hashed",
    ),
    ("deleted", lambda ls: [*ls[:3], *ls[4:]], "line 4: position 4 where 3 was due"),
    ("swapped", lambda ls: [ls[0], ls[2], ls[1], *ls[3:]], "line 2: position 2 where 1 was due"),
    ("truncated", lambda ls: ls[:-1], "the export ends before its checkpoint"),
    ("cut short", lambda ls: [*ls[:-2], ls[-1]], "5 events where the checkpoint has 6"),
]


@pytest.mark.parametrize(("case", "damage", "refusal"), WHOLE, ids=[w[0] for w in WHOLE])
def test_a_damaged_whole_export_is_refused_at_its_first_bad_line(
    ledger: Ledger, key: Path, tmp_path: Path, case: str, damage: Any, refusal: str
) -> None:
    lines = damage(exported(ledger, key, tmp_path))
    with pytest.raises(TrailError, match=refusal):
        check_trail(lines)
    done = run_verify_py(tmp_path, lines)
    assert done.returncode == 1
    assert refusal.split(": ", 1)[-1] in done.stderr


def test_a_proof_short_long_or_for_another_index_is_refused(
    ledger: Ledger, key: Path, tmp_path: Path
) -> None:
    lines = exported(ledger, key, tmp_path, body="kcsp-dhr")
    proof = json.loads(lines[1])["proof"]
    with pytest.raises(TrailError, match=r"line 2: .* has \d+ hashes, not"):
        check_trail(damaged(lines, 1, "proof", proof[:-1]))
    with pytest.raises(TrailError, match=r"line 2: .* has \d+ hashes, not"):
        check_trail(damaged(lines, 1, "proof", [*proof, proof[0]]))
    other = json.loads(lines[2])["proof"]
    with pytest.raises(TrailError, match="line 2: the inclusion proof of leaf 1 does not lead"):
        check_trail(damaged(lines, 1, "proof", other))


def test_a_checkpoint_of_another_log_or_a_forged_one_is_refused(
    ledger: Ledger, key: Path, tmp_path: Path
) -> None:
    lines = exported(ledger, key, tmp_path)
    note = json.loads(lines[-1])["checkpoint"]
    other = note.replace(note.split("\n")[0], "ledger.example/elsewhere", 1)
    with pytest.raises(TrailError, match=r"a checkpoint of ledger\.example/elsewhere, not of"):
        check_trail(lines, other)
    ledger.execute([RenameBody(body="kcsp", name="K", effective=date(2026, 1, 1))])
    body, _, signature = note.partition("\n\n")
    lying = body.replace(f"\n{EVENTS}\n", f"\n{EVENTS}\n", 1)
    root_line = lying.split("\n")[2]
    forged = lying.replace(root_line, "A" * 43 + "=") + "\n\n" + signature
    with pytest.raises(TrailError, match="does not hold: forged or altered"):
        check_trail(lines, forged, read_key(key).verifier_key())
    stranger = generate("kent-csp").verifier_key()
    with pytest.raises(TrailError, match="not signed by kent-csp"):
        check_trail(lines, key=stranger)


def test_ledger_verify_checks_an_export_as_verify_py_does(
    ledger_url: str, key: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from ledger.cli.main import cli

    with Ledger(ledger_url) as ledger:
        lines = exported(ledger, key, tmp_path)
    path = tmp_path / "trail.jsonl"
    result = CliRunner().invoke(cli, ["--db", ledger_url, "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert f"verified: {EVENTS} events" in result.output
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", ledger_url, "verify", str(path)])
    assert result.exit_code == 1
    assert "ends before its checkpoint: it was truncated" in result.output


HOSTILE_EXPORTS = [
    ("a NUL byte", b'{"format": "ledger-trail",\x00 "version": 1}\n', "line 1: not a JSON object"),
    ("nested too deep", b"[" * 100_000 + b"\n", "line 1: not a JSON object"),
    ("not UTF-8", b"\xff\xfe{}\n", "is not UTF-8 text"),
    ("a list", b"[1, 2]\n", "line 1: not a JSON object"),
    (
        "wrong types",
        b'{"format": "ledger-trail", "version": 1, "tree_size": "6", "origin": "o"}\n',
        "line 1: the header has no tree size",
    ),
    (
        "a position that is not a number",
        b'{"format": "ledger-trail", "version": 1, "tree_size": 6, "origin": "o"}\n'
        b'{"position": true, "event": "{}", "leaf_hash": "00"}\n',
        "line 2: no position",
    ),
    ("empty", b"", "the export is empty"),
]


@pytest.mark.parametrize(
    ("case", "content", "refusal"), HOSTILE_EXPORTS, ids=[h[0] for h in HOSTILE_EXPORTS]
)
def test_a_hostile_export_or_checkpoint_is_one_line_and_changes_nothing(
    ledger_url: str, tmp_path: Path, case: str, content: bytes, refusal: str
) -> None:
    from click.testing import CliRunner

    from ledger.cli.main import cli

    with Ledger(ledger_url) as ledger:
        build(ledger)
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(content)
    for args in (["verify", str(path)], ["verify", "--since", str(path)]):
        result = CliRunner().invoke(cli, ["--db", ledger_url, *args])
        assert result.exit_code == 1, result.output
        lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert len(lines) == 1, result.output
        assert "Traceback" not in result.output
    assert refusal in CliRunner().invoke(cli, ["--db", ledger_url, "verify", str(path)]).output
    with Ledger(ledger_url) as ledger:
        assert ledger.count() == EVENTS
    done = run_verify_py(tmp_path, [])  # and verify.py alone, on the same file
    path.replace(tmp_path / "check.jsonl")
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(tmp_path / "verify.py"), str(tmp_path / "check.jsonl")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
