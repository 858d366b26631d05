"""Signed checkpoints (C2SP tlog-checkpoint, Ed25519): made, recorded and listed, and
``verify --since`` proving by a consistency proof that today's log extends one; a forged
signature, another key, a truncated log and a rewritten, re-hashed history all fail.
On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.domain.body import RenameBody
from ledger.domain.errors import IntegrityFailure, ValidationError
from ledger.infra.checkpoint import generate, read_key, write_key
from ledger.interchange import verifier
from tests.integration.raw import Raw
from tests.integration.test_audit_chain import EVENTS, build


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "kent.key"
    write_key(generate("kent-csp"), path)
    return path


def test_a_checkpoint_is_signed_recorded_and_extended(ledger: Ledger, key: Path) -> None:
    build(ledger)
    note = ledger.checkpoint(key, "ledger.example/kent")
    stated = verifier.parse_checkpoint(note)
    assert (stated.origin, stated.size) == ("ledger.example/kent", EVENTS)
    assert stated.root.hex() == ledger.tree_head(EVENTS).root
    signer = read_key(key)
    assert verifier.check_signature(stated, signer.verifier_key()) is True
    # Recorded as the next event, and listed.
    assert ledger.count() == EVENTS + 1
    [recorded] = ledger.checkpoints()
    assert (recorded.size, recorded.note, recorded.verifier_key) == (
        EVENTS,
        note,
        signer.verifier_key(),
    )
    ledger.execute([RenameBody(body="kcsp", name="KCSP", effective=date(2026, 1, 1))])
    report = ledger.verify_since(note)
    assert (report.checkpoint_size, report.size, report.signature) == (EVENTS, EVENTS + 2, "good")
    assert report.root == ledger.tree_head().root
    # The origin is kept: the next checkpoint needs none.
    again = verifier.parse_checkpoint(ledger.checkpoint(key))
    assert (again.origin, again.size) == ("ledger.example/kent", EVENTS + 2)
    assert [c.size for c in ledger.checkpoints()] == [EVENTS, EVENTS + 2]


def test_a_forged_or_foreign_signature_is_refused(ledger: Ledger, key: Path) -> None:
    build(ledger)
    note = ledger.checkpoint(key, "ledger.example/kent")
    body, _, signature = note.partition("\n\n")
    lines = body.split("\n")
    other_root = base64.b64encode(bytes(32)).decode()
    forged = "\n".join([*lines[:2], other_root]) + "\n\n" + signature
    with pytest.raises(IntegrityFailure, match="does not hold: forged or altered"):
        ledger.verify_since(forged)
    stranger = generate("kent-csp").verifier_key()
    with pytest.raises(IntegrityFailure, match="not signed by kent-csp"):
        ledger.verify_since(note, stranger)
    with pytest.raises(ValidationError, match="checkpoint: the tree size 'x'"):
        ledger.verify_since("o\nx\nAAAA\n\n\u2014 k AAAAAAAA\n")


def test_a_truncated_or_rewritten_log_does_not_extend_its_checkpoint(
    ledger: Ledger, key: Path, disarmed: Raw
) -> None:
    raw = disarmed
    build(ledger)
    note = ledger.checkpoint(key, "ledger.example/kent")
    # Rewritten: an early event edited, everything after it re-hashed by the ledger.
    state = raw.state(2)
    raw.set_state(2, state.replace(b"DHR Steering Group", b"DHR Steering Grope"))
    with pytest.raises(IntegrityFailure, match="does not extend the checkpoint of 6 events"):
        ledger.verify_since(note)


def test_a_log_shorter_than_its_checkpoint_was_truncated(
    ledger: Ledger, key: Path, disarmed: Raw
) -> None:
    raw = disarmed
    build(ledger)
    ledger.execute([RenameBody(body="kcsp", name="KCSP", effective=date(2026, 1, 1))])
    note = ledger.checkpoint(key, "ledger.example/kent")
    raw.run("DELETE FROM ledger_chain WHERE position >= ?", (EVENTS,))
    with pytest.raises(IntegrityFailure, match="fewer than the 7 the checkpoint states"):
        ledger.verify_since(note, read_key(key).verifier_key())


def test_a_key_file_others_may_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loose.key"
    write_key(generate("kent"), path)
    path.chmod(0o644)
    with pytest.raises(ValidationError, match="may be read by others"):
        read_key(path)
    with pytest.raises(ValidationError, match="never overwritten"):
        write_key(generate("kent"), path)
