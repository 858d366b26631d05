"""The JSON documents the ledger's faces give: an answer made plain, then written.

The command line's ``--json`` and the web view's ``.json`` pages are the same
documents, byte for byte, because both come from here: ``json_text`` is what
``ledger ... --json`` prints and what ``/... .json`` serves.  A few answers are shaped
here rather than by their query (the bodies as a tree, the head, the checkpoints, a
verification), so that neither face shapes them on its own.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledger.domain.body_state import BodyState

# What a terminal must never be handed raw from the record or the command line: C0
# controls (escape, carriage return, backspace, bell ...), DEL, C1 controls, every bidi
# control (embeddings, overrides, isolates, marks) and the Unicode line separators.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def plain(value: Any) -> Any:
    """``value`` as JSON-able data: models dumped, structs and dataclasses as dicts (their
    fields in order), dates as ISO text."""
    if _is_model(value):
        return value.model_dump(mode="json", exclude_none=True)
    as_document = getattr(value, "as_document", None)
    if as_document is not None and not isinstance(value, type):
        return as_document()  # a rule read back from the store: what its model dumps
    fields = getattr(value, "__struct_fields__", None)
    if fields is not None and not isinstance(value, type):  # a state, a view, an answer
        return {k: plain(getattr(value, k)) for k in fields}
    if is_dataclass(value) and not isinstance(value, type):
        return {k: plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray):
        return [plain(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _is_model(value: Any) -> bool:
    # Only a command that has imported pydantic can hold a model: it is looked up, not
    # imported, so plain answers never pay for pydantic's import.
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(value, pydantic.BaseModel)


def json_text(data: Any, *, one_line: bool = False) -> str:
    """``data`` as indented JSON text (or, ``one_line``, compact on one line, as JSON
    Lines want it).  Unsafe characters inside strings are written as JSON escapes
    (``\\u202e``): the same data for a machine, nothing a terminal (or a page's reader)
    acts on for a person."""
    layout: dict[str, Any] = {"separators": (",", ":")} if one_line else {"indent": 2}
    text = json.dumps(plain(data), ensure_ascii=False, **layout)
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def as_tree(found: list[BodyState]) -> list[tuple[int, BodyState]]:
    """Bodies in tree order with their depth; a body whose parent is absent is a root."""
    slugs = {b.slug for b in found}
    children: dict[str | None, list[BodyState]] = {}
    for body in found:
        parent = body.parent if body.parent in slugs else None
        children.setdefault(parent, []).append(body)
    ordered: list[tuple[int, BodyState]] = []

    def walk(parent: str | None, depth: int) -> None:
        for body in sorted(children.get(parent, []), key=lambda b: b.slug):
            ordered.append((depth, body))
            walk(body.slug, depth + 1)

    walk(None, 0)
    return ordered


def bodies_document(tree: list[tuple[int, BodyState]]) -> list[dict[str, Any]]:
    """``ledger bodies --json``: each body with its depth in the tree, in tree order."""
    return [{**plain(body), "depth": depth} for depth, body in tree]


def head_document(head: tuple[int, str]) -> dict[str, Any]:
    """``ledger head --json``."""
    return {"position": head[0], "hash": head[1]}


def checkpoints_document(found: list[Any]) -> list[dict[str, Any]]:
    """``ledger checkpoints --json``: every recorded checkpoint, oldest first."""
    return [c.model_dump(mode="json") for c in found]


def verify_document(report: Any, models: Any = None, extends: Any = None) -> dict[str, Any]:
    """``ledger verify --json``: the chain's verification, and the read models' and the
    consistency proof's when they were asked for."""
    problem = report.first_problem
    return {
        "ok": report.ok and (models is None or models.ok),
        "events": report.events,
        "head_position": report.head_position,
        "head_hash": report.head_hash,
        "first_bad_position": problem.position if problem else None,
        "problem": str(problem) if problem else None,
        **({"read_models": read_models_document(models)} if models else {}),
        **({"since": extends} if extends else {}),
    }


def read_models_document(models: Any) -> dict[str, Any]:
    """The ``read_models`` part of ``ledger verify --read-models --json``."""
    difference = models.first_difference
    return {
        "ok": models.ok,
        "position": models.position,
        "tables": models.tables,
        "rows": models.rows,
        "table": difference.table if difference else None,
        "held": difference.held if difference else None,
        "rebuilt": difference.rebuilt if difference else None,
    }
