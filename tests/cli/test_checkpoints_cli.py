"""Keys and checkpoints at the command line: an auditor's round trip, and each failure
one line with a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

from ledger.application import Ledger
from tests.cli.test_decisions_cli import ok, run
from tests.integration.test_audit_chain import EVENTS, build


def test_generate_sign_list_and_verify_since(ledger_url: str, tmp_path: Path) -> None:
    with Ledger(ledger_url) as ledger:
        build(ledger)
    key, note = tmp_path / "kent.key", tmp_path / "checkpoint.txt"
    printed = ok(ledger_url, f"key generate --out {key} --name kent-csp")
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    verifier_key = printed.split("verifier key: ")[1].strip()
    assert verifier_key.startswith("kent-csp+")
    signed = ok(ledger_url, f"checkpoint --key {key} --out {note} --origin ledger.example/kent")
    assert signed == note.read_text(encoding="utf-8")
    assert signed.splitlines()[:2] == ["ledger.example/kent", str(EVENTS)]
    assert signed.splitlines()[4].startswith("\u2014 kent-csp ")
    listed = json.loads(ok(ledger_url, "checkpoints --json"))
    assert [(c["origin"], c["size"]) for c in listed] == [("ledger.example/kent", EVENTS)]
    out = ok(ledger_url, f"verify --since {note} --key {verifier_key}")
    assert f"extends the checkpoint of {EVENTS} events (ledger.example/kent)" in out
    assert "signature good" in out
    code, out = run(ledger_url, f"key generate --out {key}")
    assert code == 1
    assert "already exists: a key is never overwritten" in out
    forged = note.read_text(encoding="utf-8").replace(f"\n{EVENTS}\n", f"\n{EVENTS - 1}\n")
    note.write_text(forged, encoding="utf-8")
    code, out = run(ledger_url, f"verify --since {note}")
    assert code == 1
    assert out.strip().splitlines()[-1].endswith("does not hold: forged or altered")


def test_an_export_carries_its_verifier_and_a_trail_needs_a_key(
    ledger_url: str, tmp_path: Path
) -> None:
    import subprocess
    import sys

    with Ledger(ledger_url) as ledger:
        build(ledger)
    key, trail = tmp_path / "kent.key", tmp_path / "out" / "trail.jsonl"
    trail.parent.mkdir()
    ok(ledger_url, f"key generate --out {key} --name kent-csp")
    code, out = run(ledger_url, f"export --format jsonl --out {trail}")
    assert code == 1
    assert out.strip().splitlines()[-1].endswith("the jsonl trail is signed: give --key FILE")
    assert not trail.exists()
    out = ok(ledger_url, f"export --format jsonl --out {trail} --key {key} --with-verifier")
    script = trail.parent / "verify.py"
    assert f"wrote {script}" in out
    checked = subprocess.run(
        [sys.executable, str(script), str(trail)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"verified: {EVENTS} events" in checked.stdout
