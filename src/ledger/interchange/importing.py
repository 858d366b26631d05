"""Import files: YAML or JSON, each one list of entries, each entry one command.

Every entry is validated by the same pydantic models the CLI uses; the first bad
entry stops the whole import with a message naming the file, the entry and the
field, and nothing is recorded.  Each entry has a key: its ``id`` if it gives one,
else ``sha256:`` of its canonical JSON.  The key is stored with the events it
produced, so importing the same file again skips every entry already recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from ledger.domain.commands import Entry
from ledger.domain.entries import COMMAND_ADAPTER, ENTRY_TYPES
from ledger.domain.errors import ValidationError
from ledger.infra.canonical import NotCanonicalisable, canonical_bytes
from ledger.interchange.files import load_data

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


def load_entries(path: Path) -> list[Entry]:
    """Parse and validate one import file; raise ValidationError naming what is wrong."""
    name = str(path)
    data = load_data(path)
    if isinstance(data, dict) and "events" in data:
        data = data["events"]
    if not isinstance(data, list):
        raise ValidationError(f"{name}: expected a list of entries at the top level")
    if len(data) > MAX_ENTRIES:
        raise ValidationError(
            f"{name}: {len(data):,} entries is more than the {MAX_ENTRIES:,} one file may hold"
        )
    entries = []
    for index, raw in enumerate(data, start=1):
        label = f"{name}: entry {index}"
        if not isinstance(raw, dict):
            raise ValidationError(
                f"{label}: expected a mapping of fields, got {type(raw).__name__}"
            )
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
        entries.append(
            Entry(command, key, label, digest, legacy_key, legacy if command.id else None)
        )
    return entries


def read_files(paths: Sequence[Path]) -> list[Entry]:
    """Every entry of every file, validated, in order (the first bad entry raises)."""
    entries: list[Entry] = []
    for path in paths:
        entries.extend(load_entries(Path(path)))
    return entries


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
