"""Strict input: the value types every command, event and rule is validated with.

Pydantic's default ("lax") mode converts what it can: ``true`` into 1, ``1704067200``
into a date, ``"y"`` into True, bytes into text.  A ledger of record must not guess, so
the fields here accept exactly what the import schema says: a date as ``YYYY-MM-DD``,
a boolean as true or false, a whole number as a number, text as text.

Text is also checked character by character (ADR 0010): NUL and the other C0 controls
but tab and newline, DEL, the C1 controls, the bidi embeddings and overrides
(U+202A-U+202E) and unpaired surrogates are refused before anything is stored.  Bidi
isolates and marks (U+2066-U+2069, U+200E, U+200F, U+061C) are how mixed-direction
names are written correctly, so they are stored, and neutralised on terminal output.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from ledger.domain.moments import ISO_DAY

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\ud800-\udfff]")


def refuse_characters(text: str) -> str:
    """``text`` unchanged, or ValueError naming the first character it must not hold."""
    found = FORBIDDEN.search(text)
    if found:
        char = found.group()
        what = (
            "a bidirectional override"
            if "\u202a" <= char <= "\u202e"
            else "an unpaired surrogate"
            if "\ud800" <= char <= "\udfff"
            else "a control character"
        )
        raise ValueError(
            f"contains {what} (U+{ord(char):04X}) at character {found.start() + 1}; "
            "text may hold tabs and newlines but no other control characters"
        )
    return text


# Values that hold no text of their own: nothing in them to scan.
_NO_TEXT = frozenset({int, bool, float, type(None), date, datetime, UUID})
# Field names already found clean (a few hundred at most are the models' own; input
# may bring others, so only so many are kept).
_CLEAN_KEYS: set[str] = set()


def _clean(value: Any, depth: int) -> bool:
    """True if ``_scan`` finds nothing to refuse in ``value`` (plain types only: for
    anything else, False, and ``_scan`` decides and names the field)."""
    if depth > 64:
        return False
    kind = type(value)
    if kind is str or isinstance(value, str):  # a str enum member is text too
        return FORBIDDEN.search(value) is None
    if kind is dict:
        search, no_text, keys = FORBIDDEN.search, _NO_TEXT, _CLEAN_KEYS
        for k, v in value.items():
            if k not in keys and type(k) is str:
                if search(k) is not None:
                    return False
                if len(keys) < 1024:
                    keys.add(k)
            t = type(v)
            if t is str:
                if search(v) is not None:
                    return False
            elif t not in no_text and not _clean(v, depth + 1):
                return False
        return True
    if kind is list or kind is tuple:
        return all(_clean(v, depth + 1) for v in value)
    return not isinstance(value, bytes | bytearray | memoryview | str | dict | list | tuple)


def _scan(value: Any, where: str, depth: int = 0) -> None:
    """Refuse binary data and forbidden characters anywhere in raw input, naming the
    field (``sections.2.heading``) that holds them."""
    if _clean(value, depth):
        return  # the common case, without working out every field's name
    _scan_named(value, where, depth)


def _scan_named(value: Any, where: str, depth: int) -> None:
    if depth > 64:
        raise ValueError(f"{where}: is nested too deeply")
    if isinstance(value, bytes | bytearray | memoryview):
        raise ValueError(f"{where}: is binary data, not text")
    if isinstance(value, str):
        try:
            refuse_characters(value)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            label = f"{where}.{key}" if where else str(key)
            if isinstance(key, str):
                try:
                    refuse_characters(key)
                except ValueError as exc:
                    raise ValueError(f"a field name {exc}") from None
            _scan_named(item, label, depth + 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value, start=1):
            _scan_named(item, f"{where}.{index}" if where else str(index), depth + 1)


STORED = {"stored": True}
"""The validation context of an event read back from the store (``decode_event``)."""


CHECKED = {"checked": True}
"""The validation context of an event a handler makes (``UnitOfWork.new_event``): its
text came from a command whose raw input was scanned already, or from the record
itself, so only what the write adds (``HANDLER_ADDS``) is scanned; every other check of
its fields still runs."""
HANDLER_ADDS = ("actor", "source_key")


def from_store(info: ValidationInfo) -> bool:
    """True while validating what the ledger itself stored: the record always reads.

    What an earlier release stored before a check existed (a control character, a
    slug with a trailing newline, a name past today's limit) is still the record; the
    checks here are for what comes in, and output neutralises the rest."""
    context = info.context
    return isinstance(context, dict) and bool(context.get("stored"))


class StrictInput(BaseModel):
    """Base of every model that takes input: its raw fields are scanned before
    validation, so no field, however nested, can carry bytes or control characters.

    Validators and serializers are built on a model's first use, not when its class is
    defined (``defer_build``): a command pays only for the models it touches."""

    model_config = ConfigDict(defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_unsafe_input(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict) or from_store(info):
            return data
        if isinstance(info.context, dict) and info.context.get("checked"):
            # Made by a handler: what it adds of its own is scanned, not the command's.
            _scan({k: data.get(k) for k in HANDLER_ADDS}, "")
        else:
            _scan(data, "")
        return data


def _check_slug(value: str, info: ValidationInfo) -> str:
    if not SLUG.fullmatch(value) and not from_store(info):
        raise ValueError(
            "must be a short id of lower-case letters, digits and hyphens, e.g. 'kcsp-wg'"
        )
    return value


def _iso_day(value: Any) -> Any:
    if isinstance(value, datetime):
        raise ValueError("expected a date as YYYY-MM-DD, not a date and time")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and ISO_DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value} is not a date that exists") from None
    raise ValueError("expected a date as YYYY-MM-DD")


Slug = Annotated[str, Strict(), AfterValidator(_check_slug)]
"""A short id: lower-case letters, digits and hyphens, at most 63 characters."""

# An org-id.guide identifier: the list's code (a country code, or XI / XM for lists
# that span countries, then the list: GB-LAE, GB-CHC, GB-COH, XI-IATI) and the
# organisation's identifier in that list (ADR 0020).
ORG_ID = re.compile(r"[A-Z]{2}-[A-Z0-9]{2,20}-[A-Za-z0-9][A-Za-z0-9./_-]{0,79}")


def _check_org_id(value: str, info: ValidationInfo) -> str:
    if not ORG_ID.fullmatch(value) and not from_store(info):
        raise ValueError(
            "must be an org-id.guide identifier: the list's code and the organisation's "
            "identifier in it, e.g. GB-LAE-KEN (Kent County Council), GB-CHC-1070468 or "
            "GB-COH-09506232"
        )
    return value


OrgId = Annotated[
    str,
    Strict(),
    AfterValidator(_check_org_id),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{ORG_ID.pattern}$",
            "maxLength": 104,
            "description": "An org-id.guide identifier, e.g. GB-LAE-KEN.",
        }
    ),
]
"""An organisation's identifier from an org-id.guide list, e.g. ``GB-LAE-KEN``."""

Day = Annotated[date, BeforeValidator(_iso_day)]
"""A calendar date, given as a ``date`` or as ``YYYY-MM-DD`` text, nothing else."""

Flag = Annotated[bool, Strict()]
"""True or false, never 1, "y" or "yes"."""

Whole = Annotated[int, Strict()]
"""A whole number given as a number, never true or "3"."""


def _bounded(low: int, high: int) -> Any:
    """Text of ``low`` to ``high`` characters (as the import schema says), checked on
    input and not when read back from the store."""

    def check(value: str, info: ValidationInfo) -> str:
        if not low <= len(value) <= high and not from_store(info):
            what = "at least 1 character" if len(value) < low else f"at most {high:,} characters"
            raise ValueError(f"should have {what}, not {len(value):,}")
        return value

    return (
        AfterValidator(check),
        WithJsonSchema({"type": "string", "minLength": low, "maxLength": high}),
    )


# Free text with the same bounds on an event as on the command that records it, so a
# correction (which writes the event directly) is held to what first recording was.
Label = Annotated[str, Strict(), *_bounded(1, 50)]
"""An office or other short label (chair, vice-chair)."""
Number = Annotated[str, Strict(), *_bounded(1, 20)]
"""A section or agenda item number as printed, e.g. '6', '3.1', '5a'."""
Category = Annotated[str, Strict(), *_bounded(1, 80)]
"""A membership category, e.g. responsible-authority."""
PersonName = Annotated[str, Strict(), *_bounded(1, 200)]
"""A person's name, or a role a person holds."""
Name = Annotated[str, Strict(), *_bounded(1, 300)]
"""The name of a body, an organisation or a section heading."""
Title = Annotated[str, Strict(), *_bounded(1, 500)]
"""A title, paper or report name."""
Reason = Annotated[str, Strict(), *_bounded(1, 2000)]
"""A reason, an interest declared, a note."""
Document = Annotated[str, Strict(), *_bounded(0, 50_000)]
"""The text of a section."""


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, list | tuple) and not value)


def omitted_when_empty(**field: Any) -> Any:
    """A field added to a model after events or entries were stored with it: left out of
    the model's dump while it is empty (None or []), so an event or entry that does not
    use it dumps to exactly the bytes an earlier release stored (ADR 0003, ADR 0009)."""
    return Field(exclude_if=_empty, **field)
