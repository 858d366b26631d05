"""(e) The Merkle root of 1,000,000 leaves (RFC 9162), and proofs in that tree.

The ledger's prover (``infra/merkle.py``) streams leaf hashes and keeps one perfect
subtree per bit of the size.  Its ceiling is the same hashing with nothing else: the
SHA-256 of every leaf's prefixed bytes, then of every inner node, the 2n - 1 hashes any
RFC 9162 root needs, in a plain loop over a list.  Leaves are 300-byte event-sized
strings, made once in memory; reading them from a ledger is ``bench_verify.py``'s
measure.  Also timed: 1,000 inclusion proofs and a consistency proof in the same tree,
with the prover's memory of large subtrees, and their verification by the stand-alone
verifier.  Peak RSS is printed.

    .venv/bin/python bench/bench_merkle.py [--leaves 1000000] [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import time

from ledger.infra import merkle
from ledger.interchange import verifier


def raw_root(data: list[bytes]) -> bytes:
    """2n - 1 SHA-256s: each leaf, then level by level (RFC 9162's tree, carried odd
    nodes up unchanged, as a left-leaning split does)."""
    level = [hashlib.sha256(b"\x00" + d).digest() for d in data]
    while len(level) > 1:
        paired = [
            hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        level = paired + (level[-1:] if len(level) % 2 else [])
    return level[0]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--leaves", type=int, default=None)
    p.add_argument("--quick", action="store_true", help="100,000 leaves")
    args = p.parse_args()
    n = args.leaves or (100_000 if args.quick else 1_000_000)
    data = [(f"{i:012d}" + "x" * 288).encode() for i in range(n)]
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    began = time.perf_counter()
    root = merkle.root_of(merkle.leaf_hash(d) for d in data)
    ledger_s = time.perf_counter() - began
    began = time.perf_counter()
    ceiling = raw_root(data)
    raw_s = time.perf_counter() - began
    assert root == ceiling, "the prover's root is not the ceiling's"

    leaves = [merkle.leaf_hash(d) for d in data]
    tree = merkle.Prover(lambda a, b: leaves[a:b], n)
    began = time.perf_counter()
    proofs = [(m, tree.inclusion(m)) for m in range(0, n, max(1, n // 1000))]
    prove_s = time.perf_counter() - began
    began = time.perf_counter()
    for m, proof in proofs:
        verifier.verify_inclusion(m, n, leaves[m], proof, root)
    check_s = time.perf_counter() - began
    old = n // 3
    began = time.perf_counter()
    consistency = tree.consistency(old)
    verifier.verify_consistency(old, n, tree.root(old), root, consistency)
    consistency_s = time.perf_counter() - began
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    print(f"== Merkle tree (RFC 9162), {n:,} leaves  (leaf data {len(data[0])} bytes each)")
    print(
        f"root          {n:>10,} leaves  ledger {n / ledger_s:>12,.0f} leaves/s  "
        f"raw {n / raw_s:>12,.0f} leaves/s  ratio {raw_s / ledger_s:.3f}"
    )
    print(
        f"              raw = the 2n - 1 SHA-256s of the same tree in a plain loop; "
        f"{ledger_s:.2f} s vs {raw_s:.2f} s"
    )
    print(
        f"inclusion     {len(proofs):>10,} proofs  {1000 * prove_s / len(proofs):.3f} ms each "
        f"to make (remembered subtrees), {1000 * check_s / len(proofs):.3f} ms each to verify"
    )
    print(f"consistency   {old:,} -> {n:,} leaves: made and verified in {consistency_s:.2f} s")
    print(
        f"memory        peak RSS {rss / 1024:.0f} MiB "
        f"({(rss - rss0) / 1024:+.0f} MiB over the leaf data)"
    )


if __name__ == "__main__":
    main()
