"""Readable redlines between two versions of a text: by line, then by word.

Lines that were rewritten beyond recognition are shown removed and added whole; lines
that were edited are shown word by word, with neighbouring edits joined up so that a
changed phrase reads as one change, not as a word salad.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from msgspec import Struct

TOKENS = re.compile(r"\s+|[^\s]+")
SIMILAR = 0.5


class Piece(Struct, frozen=True):
    """A run of words kept, removed or added."""

    op: str  # "=" kept, "-" removed, "+" added
    text: str


def _append(pieces: list[Piece], op: str, text: str) -> None:
    if not text:
        return
    if pieces and pieces[-1].op == op:
        pieces[-1] = Piece(op, pieces[-1].text + text)
    else:
        pieces.append(Piece(op, text))


def _join_edits(pieces: list[Piece]) -> list[Piece]:
    """Fold kept whitespace between two edits into them: one phrase, one change."""
    out: list[Piece] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        between = piece.op == "=" and not piece.text.strip()
        if (
            between
            and out
            and out[-1].op != "="
            and i + 1 < len(pieces)
            and pieces[i + 1].op != "="
        ):
            removed = [p for p in out[-2:] if p.op == "-"]
            added = [p for p in out[-2:] if p.op == "+"]
            del out[-(len(removed) + len(added)) :]
            _append(out, "-", "".join(p.text for p in removed) + piece.text)
            _append(out, "+", "".join(p.text for p in added) + piece.text)
        else:
            out.append(piece)
        i += 1
    # Regroup "-a +b -c +d" runs (created above) as "-ac +bd".
    grouped: list[Piece] = []
    run: list[Piece] = []
    for piece in [*out, Piece("=", "")]:
        if piece.op == "=":
            minus = "".join(p.text for p in run if p.op == "-")
            plus = "".join(p.text for p in run if p.op == "+")
            _append(grouped, "-", minus.rstrip() if plus else minus)
            _append(grouped, "+", plus.rstrip() if minus else plus)
            if minus and plus and minus != minus.rstrip():
                _append(grouped, "=", minus[len(minus.rstrip()) :])
            run = []
            _append(grouped, "=", piece.text)
        else:
            run.append(piece)
    return grouped


def _words(old: str, new: str) -> list[Piece]:
    a, b = TOKENS.findall(old), TOKENS.findall(new)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            _append(pieces, "=", "".join(a[i1:i2]))
            continue
        _append(pieces, "-", "".join(a[i1:i2]))
        _append(pieces, "+", "".join(b[j1:j2]))
    return _join_edits(pieces)


def word_diff(old: str, new: str) -> list[Piece]:
    """The pieces that turn ``old`` into ``new``: whole lines, or words within a line."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            _append(pieces, "=", "".join(a[i1:i2]))
        elif tag == "replace" and i2 - i1 == j2 - j1:
            for x, y in zip(a[i1:i2], b[j1:j2], strict=True):
                if SequenceMatcher(None, x, y).ratio() >= SIMILAR:
                    for piece in _words(x, y):
                        _append(pieces, piece.op, piece.text)
                else:
                    _append(pieces, "-", x)
                    _append(pieces, "+", y)
        else:
            _append(pieces, "-", "".join(a[i1:i2]))
            _append(pieces, "+", "".join(b[j1:j2]))
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
