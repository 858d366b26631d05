"""Canonical JSON (RFC 8785) for everything the ledger stores.

The ledger only ever stores objects whose keys are ASCII field names of its own
models, whose numbers are integers within +/-2**53 and whose strings are valid
Unicode.  For that subset, ``json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` produces exactly the RFC 8785 bytes (tests prove it against
the ``rfc8785`` package on generated events), and it is four times faster.  It is
also what an auditor's verifier can do with nothing but Python's standard library.
Anything outside that subset is refused here, before it can be stored.

The ledger itself writes the same bytes with msgspec's encoder (keys sorted), ten
times faster again, for values made of plain JSON types only (``_plain``); anything
else goes through ``json.dumps`` as above.  Tests hold the two to each other, and to
``rfc8785``, byte for byte.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

MAX_SAFE_INTEGER = 2**53 - 1
# Compact, keys sorted, text as UTF-8 with only '"', '\\' and the control characters
# escaped (\b \t \n \f \r, else \u00xx): json.dumps's bytes above, for plain values.
_ENCODE = msgspec.json.Encoder(order="sorted").encode


class NotCanonicalisable(ValueError):
    """A value the ledger will not store because its canonical form is ambiguous."""


def _check(value: Any, path: str) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise NotCanonicalisable(f"{path}: integer {value} is beyond +/-2**53")
        return
    if isinstance(value, float):
        raise NotCanonicalisable(f"{path}: floating-point numbers are never stored")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise NotCanonicalisable(f"{path}: text is not valid Unicode") from None
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise NotCanonicalisable(f"{path}: object key {key!r} is not ASCII text")
            _check(item, f"{path}.{key}")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")
        return
    raise NotCanonicalisable(f"{path}: {type(value).__name__} is not a JSON value")


def _plain(value: Any) -> bool:
    """True if ``value`` is made of plain JSON values only (exact types: no float, no
    subclass), every integer safe and every key ASCII text: what ``_check`` passes,
    but for the strings' Unicode, which the encoding of the whole text checks.  False
    says nothing: ``_check`` then decides, and names what it refuses."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER)
    if kind is dict:
        for k, v in value.items():
            if type(k) is not str or not k.isascii():
                return False
            if type(v) is not str and v is not None and not _plain(v):
                return False
        return True
    if kind is list or kind is tuple:
        return all(_plain(v) for v in value)
    return False


def canonical_bytes(value: Any) -> bytes:
    """Return the RFC 8785 canonical JSON encoding of ``value`` as UTF-8 bytes."""
    if _plain(value):
        try:
            return _ENCODE(value)
        except UnicodeEncodeError:
            _check(value, "$")  # names the text that is not valid Unicode
            raise
    _check(value, "$")  # the walk that names the path, only where it may refuse
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        _check(value, "$")  # names the text that is not valid Unicode
        raise
