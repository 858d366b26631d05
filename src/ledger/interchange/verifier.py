"""Checks of the ledger's Merkle proofs that need nothing but Python's standard library.

This file stands alone: it imports nothing of the ledger's and nothing outside Python
3.11's standard library, so an auditor can check an export on a laptop with only this
file and the export (``ledger verifier`` prints it).  The ledger runs the same checks.

The proofs are those of RFC 9162 (Certificate Transparency version 2.0), section 2.1,
checked as the transparency-dev reference verifier checks them: a proof's length must be
exactly the length the index and tree sizes give, every hash 32 bytes, and the roots
recomputed in full.  A verifier that skipped part of a proof, or accepted a longer one,
could be fooled; this one refuses before it hashes anything.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

HASH_SIZE = 32


class ProofError(ValueError):
    """A proof that does not prove what it claims, with the reason."""


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162: the hash of a leaf, SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162: the hash of an inner node, SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _hashes(proof: Sequence[bytes], what: str) -> None:
    for n, digest in enumerate(proof):
        if len(digest) != HASH_SIZE:
            raise ProofError(f"{what} hash {n} is {len(digest)} bytes, not {HASH_SIZE}")


def _decompose(index: int, size: int) -> tuple[int, int]:
    """How an inclusion proof of ``index`` in a tree of ``size`` divides: the hashes
    below the point where its path leaves the tree's right border, and those on it."""
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    return inner, border


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for level, sibling in enumerate(proof):
        right = (index >> level) & 1 == 0  # the sibling is on the right at this level
        seed = node_hash(seed, sibling) if right else node_hash(sibling, seed)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for level, sibling in enumerate(proof):
        if (index >> level) & 1 == 1:
            seed = node_hash(sibling, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for sibling in proof:
        seed = node_hash(sibling, seed)
    return seed


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` gives for the leaf hash ``leaf`` at ``index`` of a tree of
    ``size`` leaves; ProofError if the proof cannot be one (wrong length, bad hashes)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    if len(leaf) != HASH_SIZE:
        raise ProofError(f"the leaf hash is {len(leaf)} bytes, not {HASH_SIZE}")
    _hashes(proof, "inclusion proof")
    inner, border = _decompose(index, size)
    if len(proof) != inner + border:
        raise ProofError(
            f"an inclusion proof of leaf {index} in a tree of {size} has {inner + border} "
            f"hashes, not {len(proof)}"
        )
    digest = _chain_inner(leaf, proof[:inner], index)
    return _chain_border_right(digest, proof[inner:])


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ProofError unless ``proof`` shows the leaf at ``index`` in the tree ``root``."""
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError(f"the inclusion proof of leaf {index} does not lead to the root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ProofError unless ``proof`` shows the tree ``old_root`` of ``old_size`` leaves
    is a prefix of the tree ``new_root`` of ``new_size`` leaves."""
    _hashes(proof, "consistency proof")
    if new_size < old_size:
        raise ProofError(
            f"a tree of {old_size} leaves cannot be a prefix of a smaller one ({new_size})"
        )
    if old_size == new_size:
        if proof:
            raise ProofError("trees of the same size need an empty consistency proof")
        if old_root != new_root:
            raise ProofError(f"two different roots for the same {old_size} leaves")
        return
    if old_size == 0:
        if proof:
            raise ProofError("the empty tree needs an empty consistency proof")
        return
    if not proof:
        raise ProofError("an empty consistency proof between trees of different sizes")
    inner, border = _decompose(old_size - 1, new_size)
    shift = (old_size & -old_size).bit_length() - 1  # trailing zero bits of old_size
    inner -= shift
    # The proof starts with the root of the subtree of 2^shift leaves ending at the old
    # tree's last leaf, unless the old tree is that subtree itself.
    seed, start = (old_root, 0) if old_size == 1 << shift else (proof[0], 1)
    if len(proof) != start + inner + border:
        raise ProofError(
            f"a consistency proof from {old_size} to {new_size} leaves has "
            f"{start + inner + border} hashes, not {len(proof)}"
        )
    rest = proof[start:]
    mask = (old_size - 1) >> shift
    first = _chain_border_right(_chain_inner_right(seed, rest[:inner], mask), rest[inner:])
    if first != old_root:
        raise ProofError(f"the consistency proof does not lead to the old root ({old_size})")
    second = _chain_border_right(_chain_inner(seed, rest[:inner], mask), rest[inner:])
    if second != new_root:
        raise ProofError(f"the consistency proof does not lead to the new root ({new_size})")


# --- checkpoints: C2SP tlog-checkpoint in a C2SP signed note, Ed25519 -------------------

DASH = "\u2014 "  # a signature line starts with an em dash and a space


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint as read: what it states, the text its signatures sign, and them."""

    origin: str
    size: int
    root: bytes
    body: str
    signatures: list[tuple[str, bytes, bytes]] = field(default_factory=list)  # name, id, sig


class CheckpointError(ValueError):
    """A checkpoint that cannot be read, or whose signature does not hold."""


def parse_checkpoint(text: str) -> Checkpoint:
    """Read a signed checkpoint; CheckpointError names what is wrong with it."""
    body, sep, signed = text.partition("\n\n")
    if not sep:
        raise CheckpointError("a checkpoint is its text, a blank line, then signature lines")
    lines = body.split("\n")
    if len(lines) < 3:
        raise CheckpointError("a checkpoint's text is its origin, tree size and root hash")
    origin, size_text, root_text = lines[:3]
    if not origin:
        raise CheckpointError("the checkpoint has no origin line")
    if not size_text.isascii() or not size_text.isdigit() or (size_text != str(int(size_text))):
        raise CheckpointError(f"the tree size '{size_text}' is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except ValueError:
        raise CheckpointError("the root hash is not base64") from None
    if len(root) != HASH_SIZE:
        raise CheckpointError(f"the root hash is {len(root)} bytes, not {HASH_SIZE}")
    signatures = []
    for line in signed.split("\n"):
        if not line:
            continue
        name, _, encoded = line.removeprefix(DASH).rpartition(" ")
        if not line.startswith(DASH) or not name:
            raise CheckpointError(f"'{line[:40]}' is not a signature line")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise CheckpointError(f"the signature of {name} is not base64") from None
        if len(raw) < 5:
            raise CheckpointError(f"the signature of {name} is too short")
        signatures.append((name, raw[:4], raw[4:]))
    if not signatures:
        raise CheckpointError("the checkpoint is not signed")
    return Checkpoint(origin, int(size_text), root, body + "\n", signatures)


def parse_verifier_key(text: str) -> tuple[str, bytes, bytes]:
    """A verifier key ``name+id+base64(0x01 || public key)``: its name, id and key."""
    parts = text.strip().split("+", 2)  # base64 may hold a "+" itself
    if len(parts) != 3:
        raise CheckpointError("a verifier key is NAME+KEYID+KEY")
    name, hexid, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
        wanted = bytes.fromhex(hexid)
    except ValueError:
        raise CheckpointError("the verifier key is not NAME+hex+base64") from None
    if len(raw) != 33 or raw[:1] != b"\x01":
        raise CheckpointError("the verifier key is not an Ed25519 key")
    public = raw[1:]
    if hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4] != wanted:
        raise CheckpointError("the verifier key's id does not match its key")
    return name, wanted, public


def check_signature(checkpoint: Checkpoint, verifier_key: str) -> bool:
    """True when the checkpoint carries a good signature by ``verifier_key``; False when
    it cannot be checked here (the ``cryptography`` package is not installed).  A
    signature that is missing or does not hold raises CheckpointError."""
    name, wanted, public = parse_verifier_key(verifier_key)
    mine = [sig for n, kid, sig in checkpoint.signatures if n == name and kid == wanted]
    if not mine:
        raise CheckpointError(f"the checkpoint is not signed by {name}")
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(mine[0], checkpoint.body.encode())
    except InvalidSignature:
        raise CheckpointError(f"the signature of {name} does not hold: forged or altered") from None
    return True


# --- the verifiable trail: a jsonl export, checked line by line ------------------------

FORMAT = "ledger-trail"
VERSION = 1


class TrailError(ValueError):
    """The first thing wrong with an export, naming its line."""

    def __init__(self, line: int, message: str):
        where = f"line {line}" if line else "the checkpoint given"
        super().__init__(f"{where}: {message}")
        self.line = line


@dataclass
class TrailReport:
    """What a good export was shown to be."""

    origin: str
    tree_size: int
    root: str
    events: int
    partial: bool
    signature: str  # "good (...)" or why it was not checked


def check_trail(
    lines: Iterable[str], checkpoint_text: str | None = None, key: str | None = None
) -> TrailReport:
    """Check an export: every event line's leaf hash from its bytes; in a full export the
    positions 1..N in order and the Merkle root they make, in a partial one each event's
    inclusion proof; and the checkpoint (the export's last line, or ``checkpoint_text``)
    against the header and the tree, with its signature by ``key`` (else the key the
    export names, which proves less: say so).  TrailError names the first bad line."""
    number, header, events, checkpoint_line = 0, None, 0, None
    builder_stack: list[tuple[int, bytes]] = []
    last_position = 0
    pending: list[tuple[int, int, bytes, list[bytes]]] = []  # partial: checked at the end
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            raise TrailError(number, "an empty line")
        try:
            record = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: nested too deep to read
            raise TrailError(number, "not a JSON object") from None
        if not isinstance(record, dict):
            raise TrailError(number, "not a JSON object")
        if checkpoint_line is not None:
            raise TrailError(number, "a line after the checkpoint")
        if header is None:
            if record.get("format") != FORMAT or record.get("version") != VERSION:
                raise TrailError(number, f"not a {FORMAT} export of version {VERSION}")
            size, origin = record.get("tree_size"), record.get("origin")
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise TrailError(number, "the header has no tree size")
            if not isinstance(origin, str) or not origin:
                raise TrailError(number, "the header has no origin")
            header = record
            continue
        if "checkpoint" in record:
            checkpoint_line = (number, record["checkpoint"])
            continue
        position, leaf, proof = _event_line(number, record)
        if position <= last_position:
            raise TrailError(
                number, f"position {position} after {last_position}: lines out of order"
            )
        if not header.get("partial") and position != last_position + 1:
            raise TrailError(
                number,
                f"position {position} where {last_position + 1} was due: a line is missing "
                "or out of order",
            )
        last_position = position
        events += 1
        if header.get("partial"):
            pending.append((number, position, leaf, proof))
        else:
            _grow(builder_stack, leaf)
    if header is None:
        raise TrailError(max(number, 1), "the export is empty")
    if checkpoint_line is None and checkpoint_text is None:
        raise TrailError(number + 1, "the export ends before its checkpoint: it was truncated")
    if checkpoint_text is not None:
        where, text = 0, checkpoint_text
    else:
        assert checkpoint_line is not None
        where, text = checkpoint_line
    try:
        checkpoint = parse_checkpoint(text if isinstance(text, str) else "")
    except CheckpointError as exc:
        raise TrailError(where, f"the checkpoint: {exc}") from None
    size = header.get("tree_size")
    if checkpoint.origin != header.get("origin"):
        raise TrailError(
            where, f"a checkpoint of {checkpoint.origin}, not of {header.get('origin')}"
        )
    if checkpoint.size != size:
        raise TrailError(
            where, f"a checkpoint of {checkpoint.size} events, the export is of {size}"
        )
    signature = _signature(checkpoint, key, header.get("verifier_key"), where)
    if header.get("partial"):
        for line, position, leaf, proof in pending:
            try:
                verify_inclusion(position - 1, checkpoint.size, leaf, proof, checkpoint.root)
            except ProofError as exc:
                raise TrailError(line, str(exc)) from None
    else:
        if last_position != checkpoint.size:
            raise TrailError(
                number,
                f"{last_position} events where the checkpoint has {checkpoint.size}: "
                "the export was cut short",
            )
        root = _root(builder_stack)
        if root != checkpoint.root:
            raise TrailError(where, "the events do not make the checkpoint's root")
    return TrailReport(
        checkpoint.origin,
        checkpoint.size,
        checkpoint.root.hex(),
        events,
        bool(header.get("partial")),
        signature,
    )


def _event_line(number: int, record: dict[str, Any]) -> tuple[int, bytes, list[bytes]]:
    position, event, stated = record.get("position"), record.get("event"), record.get("leaf_hash")
    if not isinstance(position, int) or isinstance(position, bool) or position < 1:
        raise TrailError(number, "no position")
    if not isinstance(event, str) or not isinstance(stated, str):
        raise TrailError(number, "an event line holds position, event and leaf_hash")
    leaf = leaf_hash(event.encode("utf-8"))
    if leaf.hex() != stated:
        raise TrailError(
            number, f"the event at position {position} is not the one hashed: it was altered"
        )
    try:
        proof = [bytes.fromhex(h) for h in record.get("proof", [])]
    except (TypeError, ValueError):
        raise TrailError(number, "the proof is not a list of hex hashes") from None
    return position, leaf, proof


def _grow(stack: list[tuple[int, bytes]], leaf: bytes) -> None:
    size, digest = 1, leaf
    while stack and stack[-1][0] == size:
        digest, size = node_hash(stack.pop()[1], digest), size * 2
    stack.append((size, digest))


def _root(stack: list[tuple[int, bytes]]) -> bytes:
    if not stack:
        return hashlib.sha256(b"").digest()
    digest = stack[-1][1]
    for _size, left in reversed(stack[:-1]):
        digest = node_hash(left, digest)
    return digest


def _signature(checkpoint: Checkpoint, key: str | None, named: Any, where: int) -> str:
    given = key or (named if isinstance(named, str) else None)
    if given is None:
        return "not checked: no verifier key given or named"
    try:
        checked = check_signature(checkpoint, given)
    except CheckpointError as exc:
        raise TrailError(where, f"the checkpoint: {exc}") from None
    if not checked:
        return "not checked: the cryptography package is not installed (pip install cryptography)"
    if key:
        return f"good, by the key given ({given.split('+')[0]})"
    return (
        f"good, by the key the export names ({given.split('+')[0]}): check it is the one published"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python3 verify.py EXPORT.jsonl [--checkpoint FILE] [--key VERIFIER_KEY]``."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="Check a ledger's jsonl export on its own.")
    parser.add_argument("export", help="the .jsonl export")
    parser.add_argument("--checkpoint", help="a published checkpoint to check it against")
    parser.add_argument("--key", help="the published verifier key, NAME+ID+KEY")
    args = parser.parse_args(argv)
    try:
        with open(args.export, encoding="utf-8") as handle:
            checkpoint = None
            if args.checkpoint:
                with open(args.checkpoint, encoding="utf-8") as published:
                    checkpoint = published.read()
            report = check_trail((line.rstrip("\n") for line in handle), checkpoint, args.key)
    except OSError as exc:
        print(f"cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(f"NOT VERIFIED: {args.export} is not UTF-8 text, as an export is", file=sys.stderr)
        return 1
    except TrailError as exc:
        print(f"NOT VERIFIED: {args.export} {exc}", file=sys.stderr)
        return 1
    kind = (
        "partial export, each event's inclusion proof"
        if report.partial
        else "whole log, its Merkle root"
    )
    print(
        f"verified: {report.events} events of {report.origin} ({kind}) against the "
        f"checkpoint of {report.tree_size} events, root {report.root}"
    )
    print(f"signature: {report.signature}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
