"""The verifiable trail: a jsonl export that anyone can check with ``verify.py`` alone.

Line 1 is the header: the format and its version, the log's origin, the verifier key
that signed the checkpoint, the tree size, and for a partial export (one body, a date
range) what was selected.  Then one line per event: its position, its canonical bytes
(the stored event, exactly, as a JSON string), its leaf hash and, in a partial export,
its inclusion proof against the tree of that size.  The signed checkpoint comes last.
``interchange/verifier.py`` checks it line by line (``check_trail``).
"""

from __future__ import annotations

import json
from typing import Any

from ledger.interchange.verifier import FORMAT, VERSION, leaf_hash


def header_line(
    origin: str, verifier_key: str, tree_size: int, selection: dict[str, Any] | None
) -> str:
    header: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "origin": origin,
        "verifier_key": verifier_key,
        "tree_size": tree_size,
        "partial": selection is not None,
    }
    if selection is not None:
        header["selection"] = selection
    return json.dumps(header, ensure_ascii=False)


def event_line(position: int, topic: str, state: bytes, proof: list[bytes] | None) -> str:
    line: dict[str, Any] = {
        "position": position,
        "topic": topic,
        "leaf_hash": leaf_hash(state).hex(),
        "event": state.decode("utf-8"),
    }
    if proof is not None:
        line["proof"] = [h.hex() for h in proof]
    return json.dumps(line, ensure_ascii=False)


def checkpoint_line(note: str) -> str:
    return json.dumps({"checkpoint": note}, ensure_ascii=False)
