"""The Merkle tree over the whole log, as RFC 9162 (section 2.1) defines it: the prover.

Every event is a leaf, in the log's order: its leaf hash is SHA-256(0x00 || the event's
canonical bytes), an inner node SHA-256(0x01 || left || right), and the tree of n leaves
splits at the largest power of two below n.  This module computes the root of any prefix
of the log and the inclusion and consistency proofs a verifier checks; it never holds the
log in memory: leaf hashes are streamed from a source (``LeafSource``) range by range,
and a root needs only one perfect subtree per bit of the size.  The checks themselves
are in ``interchange/verifier.py``, which an auditor runs with nothing but Python.

Proofs for many leaves of one tree share most of their subtrees; a ``Prover`` remembers
the hashes of the large aligned subtrees it has computed, so a partial export of a few
thousand events reads the log about once, not once per proof.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()  # the root of the tree of no leaves
REMEMBER_FROM = 256  # a Prover keeps the hash of every aligned perfect subtree this big

# The leaf hashes of the leaves [start, end), in order.
LeafSource = Callable[[int, int], Iterable[bytes]]


def leaf_hash(data: bytes) -> bytes:
    """The hash of a leaf: SHA-256(0x00 || data)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1): where a tree of n leaves splits."""
    return 1 << ((n - 1).bit_length() - 1)


class RootBuilder:
    """The root of a tree grown one leaf at a time, in O(log n) memory: the stack holds
    one perfect subtree per set bit of the size, largest (leftmost) first."""

    def __init__(self, offset: int = 0, remember: dict[tuple[int, int], bytes] | None = None):
        self.offset = offset  # the index of the first leaf (for remembering subtrees)
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (leaves, hash)
        self._remember = remember

    def append(self, leaf: bytes) -> None:
        size, digest = 1, leaf
        while self._stack and self._stack[-1][0] == size:
            left = self._stack.pop()[1]
            digest, size = node_hash(left, digest), size * 2
            if self._remember is not None and size >= REMEMBER_FROM:
                start = self.offset + self.size + 1 - size
                self._remember[(start, start + size)] = digest
        self._stack.append((size, digest))
        self.size += 1

    def root(self) -> bytes:
        """MTH of the leaves appended so far (the empty tree's root if none)."""
        if not self._stack:
            return EMPTY_ROOT
        digest = self._stack[-1][1]
        for _size, left in reversed(self._stack[:-1]):
            digest = node_hash(left, digest)
        return digest


def root_of(leaves: Iterable[bytes]) -> bytes:
    """MTH of the leaf hashes, streamed."""
    builder = RootBuilder()
    for leaf in leaves:
        builder.append(leaf)
    return builder.root()


class Prover:
    """Roots and proofs for the tree of the first ``size`` leaves of ``leaves``."""

    def __init__(self, leaves: LeafSource, size: int):
        if size < 0:
            raise ValueError(f"a tree cannot have {size} leaves")
        self.leaves = leaves
        self.size = size
        self._known: dict[tuple[int, int], bytes] = {}

    def subtree(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]), from what is remembered where it can be."""
        if start >= end:
            return EMPTY_ROOT
        found = self._known.get((start, end))
        if found is not None:
            return found
        if end - start >= 2 * REMEMBER_FROM:  # split, so the halves are remembered too
            k = split(end - start)
            digest = node_hash(self.subtree(start, start + k), self.subtree(start + k, end))
        else:
            builder = RootBuilder(start, self._known)
            for leaf in self.leaves(start, end):
                builder.append(leaf)
            if builder.size != end - start:
                raise ValueError(
                    f"the log gave {builder.size} leaves for positions {start}..{end - 1}"
                )
            digest = builder.root()
        if end - start >= REMEMBER_FROM:
            self._known[(start, end)] = digest
        return digest

    def root(self, size: int | None = None) -> bytes:
        """The root of the tree of the first ``size`` leaves (default: all)."""
        return self.subtree(0, self._size(size))

    def inclusion(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of ``size`` leaves, leaf to root."""
        n = self._size(size)
        if not 0 <= index < n:
            raise ValueError(f"leaf {index} is not in a tree of {n} leaves")
        path: list[bytes] = []
        lo, hi = 0, n
        while hi - lo > 1:  # RFC 9162 PATH(m, D[lo:hi]), siblings collected root-first
            k = split(hi - lo)
            if index < lo + k:
                path.append(self.subtree(lo + k, hi))
                hi = lo + k
            else:
                path.append(self.subtree(lo, lo + k))
                lo += k
        return path[::-1]

    def consistency(self, old: int, size: int | None = None) -> list[bytes]:
        """The proof that the tree of ``old`` leaves is a prefix of the tree of ``size``."""
        n = self._size(size)
        if not 0 <= old <= n:
            raise ValueError(f"a tree of {old} leaves is not a prefix of one of {n}")
        if old in (0, n):
            return []
        proof: list[bytes] = []
        lo, hi, m, whole = 0, n, old, True  # RFC 9162 SUBPROOF(m, D[lo:hi], whole)
        while m != hi - lo:
            k = split(hi - lo)
            if m <= k:
                proof.append(self.subtree(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self.subtree(lo, lo + k))
                lo, m, whole = lo + k, m - k, False
        if not whole:
            proof.append(self.subtree(lo, hi))
        return proof[::-1]

    def _size(self, size: int | None) -> int:
        n = self.size if size is None else size
        if not 0 <= n <= self.size:
            raise ValueError(f"the log has {self.size} leaves, not {n}")
        return n
