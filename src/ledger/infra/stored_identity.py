"""The identity a stored event claims, read from its canonical bytes without decoding
the whole event.

``ledger verify`` compares four fields of every stored event (``originator_id``,
``originator_version``, ``source_key``, ``timestamp``) with the columns beside it.
Decoding each event with ``json.loads`` to read four fields was the largest cost of a
verification.  The ledger stores every event as canonical JSON (RFC 8785: no
whitespace, keys sorted, ``infra/canonical.py``), so in what it wrote those four
members are plain top-level members, in that order, and one regular expression can
find them while it checks that the whole text is JSON.

``claimed_identity`` answers only when it can prove its answer is what ``json.loads``
would give, and otherwise says None (the caller then decodes the event as before):

- the bytes are strict UTF-8, and (matching below) begin ``{"``: ``json.loads`` then
  decodes them as UTF-8 (``json.detect_encoding``), to the same text;
- the text matches, whole, a grammar that is a strict subset of what Python's JSON
  decoder accepts: no whitespace, no NaN or Infinity, integers of at most 16 digits,
  containers nested at most ``DEPTH`` deep, strings without raw control characters
  and with only JSON's escapes; so ``json.loads`` succeeds and yields a dict;
- every other top-level key is written without escapes and is none of the four names,
  so each of the four occurs exactly once at the top level (no later duplicate can
  override it, as one would in ``json.loads``);
- the four values are written without escapes (a string's text is then its value),
  the version as digits, the source key as ``null`` or such a string.

Anything else (a deeper event, an escaped key, text no ledger writes) falls back to
``json.loads``: the verdict of a verification is the same either way, only quicker.
``tests/unit/test_stored_identity.py`` checks the claim against ``json.loads``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

DEPTH = 3  # containers nested inside a top-level value that the fast path reads through
IDENTITY = ("originator_id", "originator_version", "source_key", "timestamp")

_CHARS = r'[^"\\\x00-\x1f]'  # a character a string may hold as it is
_STRING = r'"(?:[^"\\\x00-\x1f]++|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*+"'
_NUMBER = r"-?+(?:0|[1-9][0-9]{0,15})(?:\.[0-9]{1,32})?+(?:[eE][-+]?+[0-9]{1,4})?+"
# A string without escapes first: the most common value, and the quickest to match.
_SCALAR = f'"{_CHARS}*+"|{_STRING}|null|{_NUMBER}|true|false'


def _value(depth: int) -> str:
    """A JSON value with containers nested at most ``depth`` deep.  Between items, a
    comma that is not the last thing before the closing bracket, so the inner value
    is written once per container (the pattern grows as 2**depth, not 4**depth)."""
    if depth == 0:
        return f"(?>{_SCALAR})"
    inner = _value(depth - 1)
    array = rf"\[(?:{inner}(?:,(?!\])|(?=\])))*+\]"
    obj = rf"\{{(?:{_STRING}:{inner}(?:,(?!\}})|(?=\}})))*+\}}"
    return f"(?>{_SCALAR}|{array}|{obj})"


@cache
def _pattern() -> re.Pattern[str]:
    """Compiled on first use (in tens of milliseconds), so that starting the ledger does
    not pay for it."""
    names = "|".join(IDENTITY)
    member = f'"(?!(?:{names})")(?:{_CHARS})*+":{_value(DEPTH)}'
    return re.compile(
        rf"\{{(?:{member},)*+"
        rf'"originator_id":"({_CHARS}*+)","originator_version":(0|[1-9][0-9]{{0,15}})'
        rf"(?:,{member})*+"
        rf',"source_key":(?:null|"({_CHARS}*+)")'
        rf"(?:,{member})*+"
        rf',"timestamp":"({_CHARS}*+)"'
        rf"(?:,{member})*+\}}"
    )


Claimed = tuple[str, str, str | None, str]


def matcher() -> Callable[[str], re.Match[str] | None]:
    """The pattern's ``fullmatch``, for a loop to bind once: over ``state.decode()``
    (strict UTF-8; None where that fails), its groups are what ``claimed_identity``
    returns."""
    return _pattern().fullmatch


def claimed_identity(state: bytes) -> Claimed | None:
    """``(originator_id, originator_version, source_key, timestamp)`` of a stored event,
    each as ``json.loads(state)`` holds it (the version as its digits: ``int`` of them
    is the value); None where that cannot be shown cheaply."""
    try:
        text = state.decode("utf-8")
    except UnicodeDecodeError:
        return None
    found = _pattern().fullmatch(text)
    return None if found is None else found.groups()  # type: ignore[return-value]
