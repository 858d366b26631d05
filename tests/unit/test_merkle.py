"""The Merkle tree of RFC 9162: the prover (infra/merkle.py) against the RFC's own
recursive definitions, and the stand-alone verifier (interchange/verifier.py) against the
prover and against every way a proof can be wrong."""

from __future__ import annotations

import ast
import hashlib
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.infra import merkle
from ledger.interchange import verifier
from ledger.interchange.verifier import ProofError


def leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"event {i}".encode()) for i in range(n)]


# RFC 9162, section 2.1, as written: the oracle.
def mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = merkle.split(len(d))
    return merkle.node_hash(mth(d[:k]), mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) <= 1:
        return []
    k = merkle.split(len(d))
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: list[bytes], whole: bool) -> list[bytes]:
    if m == len(d):
        return [] if whole else [mth(d)]
    k = merkle.split(len(d))
    if m <= k:
        return [*subproof(m, d[:k], whole), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


def prover(d: list[bytes]) -> merkle.Prover:
    return merkle.Prover(lambda a, b: d[a:b], len(d))


def test_the_empty_tree_and_one_leaf() -> None:
    assert merkle.root_of([]) == hashlib.sha256(b"").digest()
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert merkle.root_of([merkle.leaf_hash(b"a")]) == merkle.leaf_hash(b"a")


@pytest.mark.parametrize("n", [*range(0, 70), 255, 256, 257, 511, 512, 513, 1000, 1025])
def test_roots_and_proofs_are_the_rfcs(n: int) -> None:
    d = leaves(n)
    tree = prover(d)
    root = mth(d)
    assert merkle.root_of(d) == root
    assert tree.root() == root
    for m in sorted({0, 1, n // 3, n // 2, n - 2, n - 1} & set(range(n))):
        proof = tree.inclusion(m)
        assert proof == path(m, d)
        verifier.verify_inclusion(m, n, d[m], proof, root)
    for old in sorted({0, 1, 2, n // 4, n // 2, n - 1, n} & set(range(n + 1))):
        proof = tree.consistency(old)
        assert proof == ([] if old == 0 else subproof(old, d, True))
        verifier.verify_consistency(old, n, mth(d[:old]), root, proof)


def test_every_proof_of_every_small_tree_verifies() -> None:
    for n in range(1, 34):
        d = leaves(n)
        tree, root = prover(d), mth(d)
        for m in range(n):
            verifier.verify_inclusion(m, n, d[m], tree.inclusion(m), root)
            assert tree.inclusion(m, size=m + 1) == path(m, d[: m + 1])
        for old in range(n + 1):
            verifier.verify_consistency(old, n, mth(d[:old]), root, tree.consistency(old))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 5000), data=st.data())
def test_proofs_of_generated_trees_verify(n: int, data: st.DataObject) -> None:
    d = leaves(n)
    tree, root = prover(d), merkle.root_of(d)
    m = data.draw(st.integers(0, n - 1))
    old = data.draw(st.integers(0, n))
    verifier.verify_inclusion(m, n, d[m], tree.inclusion(m), root)
    verifier.verify_consistency(old, n, merkle.root_of(d[:old]), root, tree.consistency(old))


def test_a_prover_reads_a_large_tree_about_once_for_many_proofs() -> None:
    """Subtrees of 256 leaves and more are remembered: a proof reads the log once for
    them, and at most a block of 2 x 256 leaves below them."""
    d = leaves(20_000)
    read = [0]

    def source(a: int, b: int) -> list[bytes]:
        read[0] += b - a
        return d[a:b]

    tree = merkle.Prover(source, len(d))
    root = tree.root()
    proofs = range(0, len(d), 97)
    for m in proofs:
        verifier.verify_inclusion(m, len(d), d[m], tree.inclusion(m), root)
    assert read[0] <= len(d) + 2 * merkle.REMEMBER_FROM * len(proofs)


# --- what the verifier refuses ------------------------------------------------------

N = 21
D = leaves(N)
TREE = prover(D)
ROOT = mth(D)


def refused(match: str, check: object, *args: object) -> None:
    with pytest.raises(ProofError, match=match):
        check(*args)  # type: ignore[operator]


def test_an_inclusion_proof_one_hash_short_or_long_is_refused() -> None:
    proof = TREE.inclusion(5)
    refused("has 5 hashes, not 4", verifier.verify_inclusion, 5, N, D[5], proof[:-1], ROOT)
    refused("has 5 hashes, not 6", verifier.verify_inclusion, 5, N, D[5], [*proof, ROOT], ROOT)


def test_a_proof_for_another_index_or_leaf_or_root_is_refused() -> None:
    proof = TREE.inclusion(5)
    refused("does not lead to the root", verifier.verify_inclusion, 4, N, D[5], proof, ROOT)
    refused("does not lead to the root", verifier.verify_inclusion, 5, N, D[6], proof, ROOT)
    refused("does not lead to the root", verifier.verify_inclusion, 5, N, D[5], proof, D[0])
    bent = [proof[0], hashlib.sha256(b"x").digest(), *proof[2:]]
    refused("does not lead to the root", verifier.verify_inclusion, 5, N, D[5], bent, ROOT)
    refused("leaf 21 is not in a tree of 21", verifier.verify_inclusion, 21, N, D[5], proof, ROOT)
    refused("33 bytes", verifier.verify_inclusion, 5, N, D[5], [*proof[:-1], b"x" * 33], ROOT)


def test_a_consistency_proof_that_does_not_hold_is_refused() -> None:
    old_root = mth(D[:7])
    proof = TREE.consistency(7)
    verifier.verify_consistency(7, N, old_root, ROOT, proof)
    refused(
        "cannot be a prefix of a smaller one",
        verifier.verify_consistency,
        N,
        7,
        ROOT,
        old_root,
        proof,
    )
    refused("hashes, not", verifier.verify_consistency, 7, N, old_root, ROOT, proof[:-1])
    refused("hashes, not", verifier.verify_consistency, 7, N, old_root, ROOT, [*proof, ROOT])
    refused("old root", verifier.verify_consistency, 7, N, mth(D[:6]), ROOT, proof)
    refused("new root", verifier.verify_consistency, 7, N, old_root, mth(D[:20]), proof)
    refused("empty consistency proof", verifier.verify_consistency, 7, N, old_root, ROOT, [])
    refused("same size", verifier.verify_consistency, N, N, ROOT, ROOT, [ROOT])
    refused("two different roots", verifier.verify_consistency, N, N, ROOT, old_root, [])


def test_a_rewritten_history_is_not_consistent_even_when_rehashed() -> None:
    """Someone rewrites leaf 3 and recomputes every hash: the new tree is internally
    consistent, yet no proof connects the old checkpoint's root to it."""
    rewritten = [*D[:3], merkle.leaf_hash(b"edited"), *D[4:]]
    forged = prover(rewritten)
    old_root = mth(D[:10])
    refused(
        "old root",
        verifier.verify_consistency,
        10,
        N,
        old_root,
        mth(rewritten),
        forged.consistency(10),
    )


def test_the_verifier_needs_only_the_standard_library() -> None:
    """Everything it imports is in Python's standard library, but for ``cryptography``,
    which it tries inside a ``try`` that answers an ImportError (the signature is then
    said not to be checked)."""
    tree = ast.parse(Path(verifier.__file__).read_text(encoding="utf-8"))
    optional: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            isinstance(h.type, ast.Name) and h.type.id == "ImportError" for h in node.handlers
        ):
            optional |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top == "__future__":
                continue
            assert top == "cryptography", f"verifier imports {name}"
            assert id(node) in optional, f"verifier imports {name} outside try/ImportError"
