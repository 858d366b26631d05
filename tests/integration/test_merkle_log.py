"""The Merkle tree over the stored log (RFC 9162): its root is the stored bytes' own,
every event's inclusion proof and every earlier size's consistency proof verify with the
stand-alone verifier, and a rewritten history, re-hashed throughout, no longer extends a
root published before it.  On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from ledger.application import Ledger
from ledger.infra import merkle
from ledger.interchange import verifier
from ledger.interchange.verifier import ProofError
from tests.integration.raw import Raw
from tests.integration.test_audit_chain import EVENTS, build


def stored_leaves(raw: Raw) -> list[bytes]:
    """The leaf hashes from the stored bytes, read outside the ledger, in chain order."""
    rows = raw.run(
        "SELECT e.state FROM ledger_chain c JOIN {events} e ON e.{nid} = c.notification_id "
        "ORDER BY c.position"
    )
    return [
        merkle.leaf_hash(bytes(r[0]) if not isinstance(r[0], str) else r[0].encode()) for r in rows
    ]


def test_the_root_is_the_stored_events_own_and_every_proof_verifies(
    ledger: Ledger, disarmed: Raw
) -> None:
    raw = disarmed
    build(ledger)
    leaves = stored_leaves(raw)
    head = ledger.tree_head()
    assert (head.size, head.root) == (EVENTS, merkle.root_of(leaves).hex())
    root = bytes.fromhex(head.root)
    for position in range(1, EVENTS + 1):
        proof = [bytes.fromhex(h) for h in ledger.inclusion_proof(position)]
        verifier.verify_inclusion(position - 1, EVENTS, leaves[position - 1], proof, root)
    for old in range(EVENTS + 1):
        proof = [bytes.fromhex(h) for h in ledger.consistency_proof(old)]
        old_root = bytes.fromhex(ledger.tree_head(old).root)
        verifier.verify_consistency(old, EVENTS, old_root, root, proof)


def test_an_empty_ledger_has_the_empty_trees_root(ledger: Ledger) -> None:
    head = ledger.tree_head()
    assert (head.size, head.root) == (0, merkle.EMPTY_ROOT.hex())


def test_a_rewritten_and_rehashed_history_does_not_extend_an_earlier_root(
    ledger: Ledger, disarmed: Raw
) -> None:
    raw = disarmed
    build(ledger)
    before = ledger.tree_head(4)
    state = raw.state(1)
    raw.set_state(1, state.replace(b"Kent CSP", b"Kent CSQ"))  # the rewrite, re-hashed below
    after = ledger.tree_head()
    proof = [bytes.fromhex(h) for h in ledger.consistency_proof(4)]
    assert after.size == before.size + 2
    with pytest.raises(ProofError, match="does not lead to the"):
        verifier.verify_consistency(
            4, after.size, bytes.fromhex(before.root), bytes.fromhex(after.root), proof
        )
