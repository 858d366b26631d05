"""Import files: YAML or JSON, each one list of entries, each entry one command.

Every entry is validated by the same pydantic models the CLI uses; the first bad
entry stops the whole import with a message naming the file, the entry and the
field, and nothing is recorded.  Files are read as a stream (``EntrySource``): the
ledger takes their entries a chunk at a time, so a big file is never held whole.
Each entry has a key: its ``id`` if it gives one, else ``sha256:`` of its canonical
JSON.  The key is stored with the events it produced, so importing the same file
again skips every entry already recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from ledger.domain.commands import Entry
from ledger.domain.entries import COMMAND_ADAPTER, ENTRY_TYPES
from ledger.domain.errors import ValidationError
from ledger.infra.canonical import NotCanonicalisable, canonical_bytes
from ledger.interchange.files import check_file, iter_list

MAX_ENTRIES = 2_000_000


def content_digest(command: Any) -> str:
    """SHA-256 of the entry's canonical JSON, leaving out its ``id`` and empty fields."""
    body = command.model_dump(mode="json", exclude={"id"}, exclude_none=True)
    return hashlib.sha256(canonical_bytes(body)).hexdigest()


def legacy_digest(command: Any) -> str | None:
    """The digest an earlier release gave the same entry, where it differs (a default
    that changed form but not meaning, ``Command.legacy_values``); else None."""
    old = command.legacy_values()
    if not old:
        return None
    body = command.model_dump(mode="json", exclude={"id"}, exclude_none=True)
    body.update(old)
    return hashlib.sha256(canonical_bytes(body)).hexdigest()


def entry_key(command: Any) -> str:
    """The key that recognises an entry on a second import."""
    if command.id:
        return str(command.id)
    return "sha256:" + content_digest(command)


def _describe(error: Any) -> str:
    location = [str(p) for p in error["loc"]]
    # The discriminated union puts the entry type first; the user wrote only the field.
    if location and location[0] in ENTRY_TYPES:
        location = location[1:]
    message = str(error["msg"]).removeprefix("Value error, ")
    if not location:  # a check of the whole entry names the field itself
        return message
    return f"field '{'.'.join(location)}': {message}"


def _entry(raw: Any, name: str, index: int) -> Entry:
    """One entry of a file, validated (raises ValidationError naming it)."""
    label = f"{name}: entry {index}"
    if not isinstance(raw, dict):
        raise ValidationError(f"{label}: expected a mapping of fields, got {type(raw).__name__}")
    kind = raw.get("type")
    if kind not in ENTRY_TYPES:
        raise ValidationError(
            f"{label}: unknown type {kind!r} (expected one of: {', '.join(ENTRY_TYPES)})"
        )
    label = f"{label} ({kind})"
    try:
        command = COMMAND_ADAPTER.validate_python(raw)
        key = entry_key(command)
        digest = content_digest(command) if command.id else None
        legacy = legacy_digest(command)
    except PydanticValidationError as exc:
        raise ValidationError(f"{label}: {_describe(exc.errors()[0])}") from None
    except NotCanonicalisable as exc:
        raise ValidationError(f"{label}: {exc}") from None
    legacy_key = None if legacy is None or command.id else f"sha256:{legacy}"
    return Entry(command, key, label, digest, legacy_key, legacy if command.id else None)


def iter_entries(path: Path) -> Iterator[Entry]:
    """Parse and validate one import file entry by entry, as it is read; the first
    thing wrong raises ValidationError naming the file, the entry and the field."""
    name = str(path)
    items = iter_list(path, key="events", noun="entries")
    for index, raw in enumerate(items, start=1):
        if index > MAX_ENTRIES:
            total = index + sum(1 for _ in items)
            raise ValidationError(
                f"{name}: {total:,} entries is more than the {MAX_ENTRIES:,} one file may hold"
            )
        yield _entry(raw, name, index)


def load_entries(path: Path) -> list[Entry]:
    """Every entry of one import file, validated, in order."""
    return list(iter_entries(path))


class EntrySource:
    """The entries of import files, in order, read afresh each time it is iterated
    (a write that must be tried again reads them again).  Every file is checked to be
    a readable regular file within the size limit before any entry is read."""

    def __init__(self, paths: Sequence[Path]):
        self.paths = [Path(p) for p in paths]
        for path in self.paths:
            check_file(path)

    def __iter__(self) -> Iterator[Entry]:
        for path in self.paths:
            yield from iter_entries(path)


def read_files(paths: Sequence[Path]) -> list[Entry]:
    """Every entry of every file, validated, in order (the first bad entry raises)."""
    return list(EntrySource(paths))


def import_schema() -> dict[str, Any]:
    """The JSON Schema of an import file, generated from the command models."""
    item = COMMAND_ADAPTER.json_schema()
    defs = item.pop("$defs", {})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ledger import file",
        "description": (
            "A list of entries, each one thing to record. The same file imported twice "
            "records nothing new: an entry is recognised by its 'id', or by the SHA-256 "
            "of its canonical JSON."
        ),
        "type": "array",
        "items": item,
        "$defs": defs,
    }
