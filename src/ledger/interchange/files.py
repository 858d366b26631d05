"""Reading a file a user hands the ledger, within limits, into plain data.

A file is read only if it is a regular file (never a FIFO, a device such as
/dev/zero, or a directory) of at most ``MAX_FILE_BYTES``.  YAML is composed first and
its node graph measured before anything is built: a handful of anchors and aliases
can stand for billions of nodes (an "alias bomb"), so the nodes an alias expands to
are counted as if written out, and so is the nesting depth.  JSON is held to the same
depth.  Each limit has its own message, naming the file.

A list of entries in JSON is read as a stream (``iter_list``, by ``ijson``'s C parser):
one item at a time, so a file of a million entries never stands in memory whole.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from ledger.domain.errors import ValidationError

MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_ALIAS_EXPANSION = 1_000_000  # values that aliases add, beyond those written
MAX_DEPTH = 64  # lists and mappings inside one another


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates stay text for pydantic to validate, so an
    impossible date like 2024-02-30 is reported against its entry and field."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def check_file(path: Path, *, limit: int | None = None) -> None:
    """Raise ValidationError unless ``path`` is a regular file within ``limit`` bytes
    (default ``MAX_FILE_BYTES``)."""
    limit = MAX_FILE_BYTES if limit is None else limit
    name = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ValidationError(f"{name}: no such file") from None
    except OSError as exc:
        raise ValidationError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValidationError(f"{name}: not a regular file (give the path of a file)")
    if info.st_size > limit:
        raise ValidationError(
            f"{name}: {info.st_size:,} bytes is larger than the {limit:,} bytes a file may be"
        )


def read_text(path: Path, *, limit: int | None = None) -> str:
    """The file's text, if it is a regular UTF-8 file within ``limit`` bytes
    (default ``MAX_FILE_BYTES``)."""
    limit = MAX_FILE_BYTES if limit is None else limit
    name = str(path)
    check_file(path, limit=limit)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ValidationError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:  # it grew while we looked
        raise ValidationError(f"{name}: larger than the {limit:,} bytes a file may be")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{name}: not UTF-8 text (byte {exc.start + 1} cannot be read)"
        ) from None


def _measure(node: yaml.Node, name: str) -> None:
    """Refuse a YAML graph too deep, or one whose aliases add too many values."""
    sizes: dict[int, int] = {}

    def size(current: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise ValidationError(f"{name}: nested more than {MAX_DEPTH} levels deep")
        known = sizes.get(id(current))
        if known is not None:
            return known  # an alias: the same node again, counted again in full below
        if isinstance(current, yaml.SequenceNode):
            total = 1 + sum(size(child, depth + 1) for child in current.value)
        elif isinstance(current, yaml.MappingNode):
            total = 1 + sum(
                size(key, depth + 1) + size(value, depth + 1) for key, value in current.value
            )
        else:
            total = 1
        sizes[id(current)] = total
        # Every node written is counted once in ``sizes``; what a subtree counts beyond
        # that was added by aliases.
        if total - len(sizes) > MAX_ALIAS_EXPANSION:
            raise ValidationError(
                f"{name}: its aliases expand to more than {MAX_ALIAS_EXPANSION:,} values; "
                "write the repeated parts out, or use fewer aliases"
            )
        return total

    size(node, 0)


def _depth(value: Any, name: str, start: int = 0) -> None:
    stack = [(value, start)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValidationError(f"{name}: nested more than {MAX_DEPTH} levels deep")
        if isinstance(current, dict):
            stack.extend((v, depth + 1) for v in current.values())
        elif isinstance(current, list):
            stack.extend((v, depth + 1) for v in current)


def _refuse_next_line(text: str, name: str) -> None:
    """Refuse a YAML text holding NEL (U+0085).  It is a control character no value
    may hold, but YAML reads it as a line break, so a value holding one would reach the
    checks as another value (a name of NEL and spaces, as one space) and be recorded;
    every other such character YAML refuses itself, and JSON keeps in the value."""
    at = text.find("\x85")
    if at >= 0:
        line = text.count("\n", 0, at) + 1
        raise ValidationError(
            f"{name}: line {line}: contains a control character (U+0085), which YAML "
            "reads as a line break; text may hold tabs and newlines but no other "
            "control characters"
        )


def load_data(path: Path) -> Any:
    """The file's YAML or JSON (by its suffix) as plain data, within the limits."""
    name = str(path)
    text = read_text(path)
    is_json = path.suffix.lower() == ".json"
    try:
        if is_json:
            data = json.loads(text)
            _depth(data, name)
            return data
        _refuse_next_line(text, name)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _measure(node, name)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        detail = " ".join(str(exc).split())
        raise ValidationError(
            f"{name}: not valid {'JSON' if is_json else 'YAML'}: {detail}"
        ) from None
    except RecursionError:
        raise ValidationError(f"{name}: nested more than {MAX_DEPTH} levels deep") from None


class _Bounded:
    """A binary file read through ``read(n)``, refused once more than ``limit`` bytes
    have come (a file that grows while it is read)."""

    def __init__(self, handle: BinaryIO, name: str, limit: int):
        self.handle, self.name, self.limit, self.taken = handle, name, limit, 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.taken += len(data)
        if self.taken > self.limit:
            raise ValidationError(
                f"{self.name}: larger than the {self.limit:,} bytes a file may be"
            )
        return data


def _json_error(name: str, exc: Exception) -> ValidationError:
    detail = exc.args[0] if exc.args else str(exc)
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    return ValidationError(f"{name}: not valid JSON: {' '.join(str(detail).split())}")


def _first_byte(path: Path, name: str) -> bytes:
    """The first byte of the file that is not JSON whitespace (b"" for none)."""
    try:
        with open(path, "rb") as handle:
            while block := handle.read(65536):
                rest = block.lstrip(b" \t\r\n")
                if rest:
                    return rest[:1]
    except OSError as exc:
        raise ValidationError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    return b""


def _json_stream(path: Path, name: str, prefix: str, builder: str) -> Iterator[Any]:
    """ijson's ``items`` or ``parse`` of the file at ``prefix``, its errors as ours."""
    import ijson  # type: ignore[import-untyped]

    try:
        with open(path, "rb") as handle:
            source = _Bounded(handle, name, MAX_FILE_BYTES)
            if builder == "items":
                yield from ijson.items(source, prefix, use_float=True)
            else:
                yield from ijson.parse(source, use_float=True)
    except ijson.JSONError as exc:
        raise _json_error(name, exc) from None
    except OSError as exc:
        raise ValidationError(f"{name}: cannot be read ({exc.strerror or exc})") from None


def _wrapped_list(path: Path, name: str, key: str) -> bool:
    """Whether the top-level mapping has ``key`` holding a list (read up to there)."""
    for prefix, event, _ in _json_stream(path, name, "", "parse"):
        if prefix == key and event != "map_key":
            return bool(event == "start_array")
        if prefix == "" and event == "end_map":
            return False
    return False


def _json_items(path: Path, name: str, key: str, noun: str) -> Iterator[Any]:
    first = _first_byte(path, name)
    if first == b"[":
        prefix = "item"
    elif first == b"{" and _wrapped_list(path, name, key):
        prefix = f"{key}.item"
    else:
        # A scalar, a mapping without the list, or not JSON at all: the parser says
        # which, or the shape is wrong.
        for _ in _json_stream(path, name, "", "parse"):
            pass
        raise ValidationError(f"{name}: expected a list of {noun} at the top level")
    for item in _json_stream(path, name, prefix, "items"):
        _depth(item, name, start=1)
        yield item


def iter_list(path: Path, *, key: str, noun: str) -> Iterator[Any]:
    """The items of the file's top-level list (or of the list under ``key`` in a
    top-level mapping), one at a time, within the limits; ``noun`` names them.

    JSON is streamed; YAML, written by hand and so never large, is read whole first,
    since its aliases must be measured before anything is built."""
    name = str(path)
    check_file(path)
    if path.suffix.lower() == ".json":
        yield from _json_items(path, name, key, noun)
        return
    data = load_data(path)
    if isinstance(data, dict) and key in data:
        data = data[key]
    if not isinstance(data, list):
        raise ValidationError(f"{name}: expected a list of {noun} at the top level")
    yield from data
