"""Signed checkpoints: the tree's size and root, signed with the ledger's Ed25519 key.

The format is C2SP's tlog-checkpoint, a C2SP signed note::

    <origin>
    <tree size, decimal>
    <root hash, base64>

    — <key name> <base64(key id || Ed25519 signature of the three lines above)>

The key id is the first four bytes of SHA-256(key name || 0x0A || 0x01 || public key).
A verifier key is written ``<name>+<key id, hex>+<base64(0x01 || public key)>``, and the
signing key the ledger keeps in a file only its owner can read
``PRIVATE+KEY+<name>+<key id, hex>+<base64(0x01 || private seed)>``, the forms of Go's
``golang.org/x/mod/sumdb/note`` that other transparency tools read.  Checking a note is
``interchange/verifier.py``'s, which needs nothing but Python.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.domain.errors import ValidationError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ED25519 = b"\x01"
NAME = re.compile(r"[^\s+]{1,100}")  # a key name: no spaces, no plus signs
PRIVATE = "PRIVATE+KEY+"


def key_id(name: str, public: bytes) -> bytes:
    """The four bytes that name a key in a signature line."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519 + public).digest()[:4]


@dataclass(frozen=True)
class Signer:
    name: str
    key: Ed25519PrivateKey

    @property
    def public(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def verifier_key(self) -> str:
        """The public key as a verifier takes it: ``name+id+base64``."""
        encoded = base64.b64encode(ED25519 + self.public).decode()
        return f"{self.name}+{key_id(self.name, self.public).hex()}+{encoded}"

    def private_text(self) -> str:
        from cryptography.hazmat.primitives.serialization import (
            Encoding,
            NoEncryption,
            PrivateFormat,
        )

        seed = self.key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        encoded = base64.b64encode(ED25519 + seed).decode()
        return f"{PRIVATE}{self.name}+{key_id(self.name, self.public).hex()}+{encoded}"

    def sign(self, body: str) -> str:
        """The signed note: ``body`` (ending in a newline), a blank line, the signature."""
        if not body.endswith("\n"):
            raise ValueError("a note's text ends with a newline")
        signature = self.key.sign(body.encode("utf-8"))
        line = base64.b64encode(key_id(self.name, self.public) + signature).decode()
        return f"{body}\n\u2014 {self.name} {line}\n"


def generate(name: str) -> Signer:
    """A new Ed25519 signing key called ``name``."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if not NAME.fullmatch(name):
        raise ValidationError(
            f"'{name}' cannot name a key: no spaces or '+', at most 100 characters"
        )
    return Signer(name, Ed25519PrivateKey.generate())


def write_key(signer: Signer, path: Path) -> None:
    """Write the signing key to a new file only its owner can read or write."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ValidationError(f"{path} already exists: a key is never overwritten") from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(signer.private_text() + "\n")


def read_key(path: Path) -> Signer:
    """The signing key in ``path``; refused if others may read the file."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValidationError(f"cannot read the key {path}: {exc.strerror or exc}") from None
    if mode & 0o077:
        raise ValidationError(f"{path} may be read by others (mode {mode & 0o777:o}): chmod 600 it")
    parts = text.removeprefix(PRIVATE).split("+", 2) if text.startswith(PRIVATE) else []
    if len(parts) != 3:
        raise ValidationError(f"{path} does not hold a ledger signing key (PRIVATE+KEY+...)")
    name, hexid, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise ValidationError(f"{path}: the key is not base64") from None
    if len(raw) != 33 or raw[:1] != ED25519:
        raise ValidationError(f"{path}: not an Ed25519 key")
    signer = Signer(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
    if key_id(name, signer.public).hex() != hexid:
        raise ValidationError(f"{path}: the key id does not match the key")
    return signer


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    """The three lines a checkpoint signs."""
    if not origin or "\n" in origin:
        raise ValueError("a checkpoint's origin is one non-empty line")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"
