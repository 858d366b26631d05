"""Word-level redlines between two versions of a text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Piece:
    op: str  # "=" kept, "-" removed, "+" added
    text: str


def word_diff(old: str, new: str) -> list[Piece]:
    """The pieces that turn ``old`` into ``new``, word by word (whitespace kept)."""
    a, b = TOKENS.findall(old), TOKENS.findall(new)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(Piece("=", "".join(a[i1:i2])))
            continue
        if tag in ("replace", "delete"):
            pieces.append(Piece("-", "".join(a[i1:i2])))
        if tag in ("replace", "insert"):
            pieces.append(Piece("+", "".join(b[j1:j2])))
    return pieces


def marked(pieces: list[Piece]) -> str:
    """Plain-text redline: [-removed-]{+added+}."""
    out = []
    for piece in pieces:
        if piece.op == "=":
            out.append(piece.text)
        elif piece.op == "-":
            out.append(f"[-{piece.text}-]")
        else:
            out.append(f"{{+{piece.text}+}}")
    return "".join(out)
