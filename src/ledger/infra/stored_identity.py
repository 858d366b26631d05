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

**Layouts** (``Layouts``): the events of one topic are written from one model, so they
share one sequence of top-level keys.  Once a topic has been read often, the walk
learns that sequence from one of its events and matches the topic's events with a
pattern that spells those keys out (``"actor":V,"authority":V,...``) instead of
trying, member by member, every key and the four names: about half the matching time.
A layout's pattern only ever answers as the general one would:

- each key it spells is written without escapes and is none of the four names, so the
  general pattern's member (``"key":value``) matches it, and the four identity members
  are the general pattern's own groups, in the order it requires them (the version
  right after the id, the source key later, the timestamp after that);
- each value is matched by ``_value(d)`` for the depth ``d`` seen, at most ``DEPTH``:
  ``_value(d)`` tries the same alternatives in the same order as ``_value(DEPTH)`` and,
  level by level, matches the same text or nothing (a scalar first, then an array or
  an object of the same items).

So whatever a layout's pattern matches, the general pattern matches with the same
groups; where it matches nothing (another layout, a deeper value, anything else) the
general pattern is asked as before.  Learning costs one ``json.loads`` and a compile
(cached for the process), so it waits until a topic has been met ``LEARN_AFTER``
times without an answer from a layout, and is tried again at each doubling of that.

**Plain events** (``is_plain``): most of the matching time goes to the characters of
strings, each tested against a class (``_CHARS``: anything but a quote, a backslash or
a control character); tested against "anything but a quote" alone, they are read
several times faster.  Every pattern here therefore has a plain twin (``plain=True``):
the same pattern with that class for ``_CHARS``, and strings without escapes, used only
for an event whose bytes hold no backslash and no byte below 0x20 (``PLAIN_BYTES``;
UTF-8 writes no other character with those bytes, so its text holds neither).  On such
a text the two classes accept the same characters and no escape can match (each begins
with a backslash), so each twin matches exactly what its strict pattern matches, with
the same groups.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

DEPTH = 3  # containers nested inside a top-level value that the fast path reads through
IDENTITY = ("originator_id", "originator_version", "source_key", "timestamp")

_CHARS = r'[^"\\\x00-\x1f]'  # a character a string may hold as it is
_STRING = r'"(?:[^"\\\x00-\x1f]++|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*+"'
_NUMBER = r"-?+(?:0|[1-9][0-9]{0,15})(?:\.[0-9]{1,32})?+(?:[eE][-+]?+[0-9]{1,4})?+"
# A string without escapes first: the most common value, and the quickest to match.
_SCALAR = f'"{_CHARS}*+"|{_STRING}|null|{_NUMBER}|true|false'

# The plain twins: on a text without backslashes or control characters (``is_plain``).
_PLAIN_CHARS = '[^"]'
_PLAIN_STRING = '"[^"]*+"'
_PLAIN_SCALAR = f"{_PLAIN_STRING}|null|{_NUMBER}|true|false"

PLAIN_BYTES = bytes(range(0x20)) + b"\\"  # what a plain event's bytes never hold


def is_plain(state: bytes) -> bool:
    """Whether ``state`` holds no backslash and no byte below 0x20, so that the plain
    twins of the patterns read it (one pass over the bytes, in C)."""
    return len(state.translate(None, PLAIN_BYTES)) == len(state)


def _value(depth: int, plain: bool = False) -> str:
    """A JSON value with containers nested at most ``depth`` deep.  Between items, a
    comma that is not the last thing before the closing bracket, so the inner value
    is written once per container (the pattern grows as 2**depth, not 4**depth)."""
    scalar, string = (_PLAIN_SCALAR, _PLAIN_STRING) if plain else (_SCALAR, _STRING)
    if depth == 0:
        return f"(?>{scalar})"
    inner = _value(depth - 1, plain)
    array = rf"\[(?:{inner}(?:,(?!\])|(?=\])))*+\]"
    obj = rf"\{{(?:{string}:{inner}(?:,(?!\}})|(?=\}})))*+\}}"
    return f"(?>{scalar}|{array}|{obj})"


def _identity_values(plain: bool) -> dict[str, str]:
    """The patterns of the four members' values, with the groups that read them."""
    chars = _PLAIN_CHARS if plain else _CHARS
    return {
        "originator_id": f'"({chars}*+)"',
        "originator_version": "(0|[1-9][0-9]{0,15})",
        "source_key": f'(?:null|"({chars}*+)")',
        "timestamp": f'"({chars}*+)"',
    }


@cache
def _pattern(plain: bool = False) -> re.Pattern[str]:
    """Compiled on first use (in tens of milliseconds), so that starting the ledger does
    not pay for it."""
    names = "|".join(IDENTITY)
    chars = _PLAIN_CHARS if plain else _CHARS
    value = _identity_values(plain)
    member = f'"(?!(?:{names})")(?:{chars})*+":{_value(DEPTH, plain)}'
    return re.compile(
        rf"\{{(?:{member},)*+"
        rf'"originator_id":{value["originator_id"]},'
        rf'"originator_version":{value["originator_version"]}'
        rf"(?:,{member})*+"
        rf',"source_key":{value["source_key"]}'
        rf"(?:,{member})*+"
        rf',"timestamp":{value["timestamp"]}'
        rf"(?:,{member})*+\}}"
    )


Claimed = tuple[str, str, str | None, str]


def matcher(plain: bool = False) -> Callable[[str], re.Match[str] | None]:
    """The pattern's ``fullmatch``, for a loop to bind once: over ``state.decode()``
    (strict UTF-8; None where that fails), its groups are what ``claimed_identity``
    returns.  ``plain``: the plain twin, for a state that ``is_plain``."""
    return _pattern(plain).fullmatch


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


# --- layouts -------------------------------------------------------------------------

LEARN_AFTER = 256  # general matches of a topic before its layout is learned
Layout = tuple[tuple[str, int], ...]  # (key, depth of its value) in order; -1: an identity member
Fullmatch = Callable[[str], "re.Match[str] | None"]
Twins = tuple[Fullmatch, Fullmatch]  # a layout's fullmatch, and its plain twin's

_PLAIN_KEY = re.compile(f"{_CHARS}*+")


def _depth(value: Any) -> int:
    """Containers nested inside ``value`` (0 for a scalar)."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def layout_of(text: str) -> Layout | None:
    """The top-level keys of an event and the depth of each value, as a layout's
    pattern can spell them; None where it cannot (a key with an escape, the four
    names out of the general pattern's order, a value deeper than ``DEPTH``)."""
    try:
        payload = json.loads(text)
    except ValueError:
        return None
    if type(payload) is not dict:
        return None
    keys = list(payload)
    try:
        at = [keys.index(name) for name in IDENTITY]
    except ValueError:
        return None
    if not (at[1] == at[0] + 1 and at[2] > at[1] and at[3] > at[2]):
        return None
    layout = []
    for key, value in payload.items():
        if key in IDENTITY:
            layout.append((key, -1))
            continue
        depth = _depth(value)
        if depth > DEPTH or _PLAIN_KEY.fullmatch(key) is None:
            return None
        layout.append((key, depth))
    return tuple(layout)


@lru_cache(maxsize=512)
def layout_matcher(layout: Layout, plain: bool = False) -> Fullmatch:
    """The ``fullmatch`` of the pattern that spells ``layout`` out: its groups are the
    general pattern's wherever it matches (see the module's docstring).  ``plain``: its
    plain twin."""
    value = _identity_values(plain)
    members = [
        f'"{name}":{value[name]}' if depth < 0 else f'"{re.escape(name)}":{_value(depth, plain)}'
        for name, depth in layout
    ]
    return re.compile(r"\{" + ",".join(members) + r"\}").fullmatch


class Layouts:
    """The layouts learned in one walk of the chain, by topic: ``quick`` holds each
    learned topic's ``fullmatch`` and its plain twin's, for the walk to try before the
    general pattern, and ``missed`` is told of every event the general pattern read
    instead."""

    def __init__(self, learn_after: int | None = None) -> None:
        self.quick: dict[str, Twins] = {}
        self.learn_after = max(1, LEARN_AFTER if learn_after is None else learn_after)
        self._misses: dict[str, int] = {}
        self._learned: dict[str, Layout] = {}

    def missed(self, topic: str, text: str, found: re.Match[str]) -> Twins | None:
        """``text``, of ``topic``, was read by the general pattern as ``found``: learn
        its layout when the topic has been missed ``learn_after`` times, then at each
        doubling (a topic whose events vary stops costing a decode each time).  Returns
        the topic's new ``fullmatch`` and its plain twin's when a layout was learned."""
        n = self._misses[topic] = self._misses.get(topic, 0) + 1
        if n < self.learn_after or n & (n - 1):
            return None
        layout = layout_of(text)
        if layout is None:
            return None
        before = self._learned.get(topic)
        if before is not None and [k for k, _ in before] == [k for k, _ in layout]:
            # The same keys, a value deeper than before: keep the deeper of each.
            layout = tuple((k, max(d, e)) for (k, d), (_, e) in zip(before, layout, strict=True))
        quick = layout_matcher(layout)
        check = quick(text)
        if check is None or check.groups() != found.groups():
            return None  # never seen: the layout is spelt from the text itself
        twins = self.quick[topic] = (quick, layout_matcher(layout, plain=True))
        self._learned[topic] = layout
        return twins
