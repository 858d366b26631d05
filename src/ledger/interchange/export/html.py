"""``ledger export --format html``: one readable, self-contained report per body and period.

With ``--body`` the output is that body's report, one file.  Without, it is a directory
of reports, ``<body>.html`` each, and ``index.html`` linking them.  Each report holds the
terms of reference in force with their versions and redlines in the period, the members
at its start and end and each change, the meetings with attendance and the quorum at
every item, the decisions with their validity findings and the forward plan, the
budget of the body's funds, and the audit status with how to check it.

Rendered by Jinja2 with autoescaping on for every template, so no text from the record
can become markup; one ``<style>`` element and no script, font, image or link outside the
file (ADR 0018).  Reports are rendered piece by piece into a temporary file beside the
target and renamed into place when every report is written, so a failed export leaves
no file behind.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from ledger.domain.body import BodyState
from ledger.domain.errors import ValidationError
from ledger.interchange.export import Selection, StageProgress, Written
from ledger.interchange.export.html_format import FILTERS, neutralise
from ledger.interchange.export.html_sections import (
    AuditPart,
    ReportSource,
    Snapshot,
    audit_part,
    fund_parts,
    meeting_parts,
    members_part,
    snapshot,
    tor_part,
)

INDEX = "index.html"
SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def environment() -> Environment:
    """The templates (package data beside this module), autoescaped, strict about names."""
    env = Environment(
        loader=PackageLoader("ledger.interchange.export", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=neutralise,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


@dataclass(frozen=True)
class Target:
    """One body's report and the file it goes to."""

    body: BodyState
    name: str  # the file name, in a directory export


def write(
    source: ReportSource, out: Path, selection: Selection, progress: StageProgress
) -> Written:
    """Write the report of ``selection.body`` to the file ``out``, or, for every body,
    a directory ``out`` of reports and an index."""
    snap = snapshot(source, selection)
    every = source.bodies(snap.on, known_at=snap.recorded_at, include_dissolved=True)
    if selection.body is not None:
        return _one(source, out, selection.body, every, snap, progress)
    return _all(source, out, every, snap, progress)


def _one(
    source: ReportSource,
    out: Path,
    slug: str,
    every: list[BodyState],
    snap: Snapshot,
    progress: StageProgress,
) -> Written:
    if out.is_dir():
        raise ValidationError(f"--out {out} is a directory: with --body, name the report's file")
    _require_parent(out)
    body = next((b for b in every if b.slug == slug), None) or _unborn(source, slug, snap)
    env = environment()
    audit = audit_part(source, snap, progress)
    advance = progress("writing the HTML report", 1) if progress is not None else None
    counts: dict[str, int] = {"reports": 1, "meetings": 0, "decisions": 0}
    with _placed([out]) as (temporary,):
        _render_report(env, source, body, every, snap, audit, {}, counts, temporary)
    if advance is not None:
        advance(1)
    return Written("html", [str(out)], counts)


def _all(
    source: ReportSource,
    out: Path,
    every: list[BodyState],
    snap: Snapshot,
    progress: StageProgress,
) -> Written:
    if out.exists() and not out.is_dir():
        raise ValidationError(f"--out {out} is a file: without --body it is a directory of reports")
    _require_parent(out)
    targets = file_names(every)
    env = environment()
    audit = audit_part(source, snap, progress)
    made = not out.exists()
    out.mkdir(exist_ok=True)
    try:
        return _write_all(env, source, out, every, targets, snap, audit, progress)
    except BaseException:
        if made and not any(out.iterdir()):
            out.rmdir()  # a failed export leaves nothing behind, not even its folder
        raise


def _write_all(
    env: Environment,
    source: ReportSource,
    out: Path,
    every: list[BodyState],
    targets: list[Target],
    snap: Snapshot,
    audit: AuditPart,
    progress: StageProgress,
) -> Written:
    files = {t.body.slug: t.name for t in targets}
    advance = progress("writing the HTML reports", len(targets) + 1) if progress else None
    counts: dict[str, int] = {"reports": 0, "meetings": 0, "decisions": 0}
    rows: list[dict[str, Any]] = []
    paths = [out / t.name for t in targets] + [out / INDEX]
    with _placed(paths) as temporaries:
        for target, temporary in zip(targets, temporaries[:-1], strict=True):
            before = dict(counts)
            _render_report(env, source, target.body, every, snap, audit, files, counts, temporary)
            counts["reports"] += 1
            rows.append(
                {
                    "body": target.body,
                    "file": target.name,
                    "meetings": counts["meetings"] - before["meetings"],
                    "decisions": counts["decisions"] - before["decisions"],
                }
            )
            if advance is not None:
                advance(1)
        names = {b.slug: b.name for b in every}
        _stream(
            env.get_template("index.html.j2").generate(
                rows=rows, names=names, snap=snap, audit=audit
            ),
            temporaries[-1],
        )
    if advance is not None:
        advance(1)
    return Written("html", [str(p) for p in paths], counts)


def _render_report(
    env: Environment,
    source: ReportSource,
    body: BodyState,
    every: list[BodyState],
    snap: Snapshot,
    audit: AuditPart,
    files: dict[str, str],
    counts: dict[str, int],
    path: Path,
) -> None:
    """Read one body's sections and stream its report to ``path``."""
    known = snap.recorded_at
    slug = body.slug
    decisions = source.decisions(slug, snap.first, snap.last, known_at=known)
    summaries = source.meetings(slug, first=snap.first, last=snap.last, known_at=known)
    counts["meetings"] += len(summaries)
    counts["decisions"] += len(decisions)
    names = {b.slug: b.name for b in every}
    context = {
        "body": body,
        "names": names,
        "snap": snap,
        "tor": tor_part(source, slug, snap),
        "members": members_part(source, slug, snap),
        "meetings": summaries,
        "meeting_parts": meeting_parts(source, summaries, decisions, snap),
        "decisions": decisions,
        "plan": source.forward_plan(slug, snap.on, known_at=known),
        "funds": fund_parts(source, slug, snap),
        "audit": audit,
        # In a directory of reports: the index and each body's file, for links.
        "in_directory": bool(files),
        "files": files,
        "children": [b for b in every if b.parent == slug],
    }
    _stream(env.get_template("report.html.j2").generate(**context), path)


def _stream(pieces: Iterable[str], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for piece in pieces:
            handle.write(piece)


def file_names(bodies: list[BodyState]) -> list[Target]:
    """``<slug>.html`` for each body; a slug that is not a safe file name (something an
    earlier release stored), or that would be the index, gets a numbered name."""
    taken = {INDEX}
    targets = []
    for number, body in enumerate(bodies, start=1):
        name = f"{body.slug}.html" if SAFE_NAME.fullmatch(body.slug) else f"body-{number}.html"
        while name in taken:
            name = f"{name.removesuffix('.html')}-{number}.html"
        taken.add(name)
        targets.append(Target(body, name))
    return targets


def _unborn(source: ReportSource, slug: str, snap: Snapshot) -> BodyState:
    """A body not yet established on the report's day: as it will stand."""
    for body in source.bodies(date.max, known_at=snap.recorded_at, include_dissolved=True):
        if body.slug == slug:
            return body
    raise ValidationError(f"{slug} is not a body this ledger records")


def _require_parent(out: Path) -> None:
    parent = out.absolute().parent
    if not parent.is_dir():
        raise ValidationError(f"--out {out}: the folder {parent} does not exist")


@contextmanager
def _placed(paths: list[Path]) -> Iterator[list[Path]]:
    """Temporary files beside ``paths``, renamed onto them when the block ends well and
    removed when it does not: the export is written whole or not at all."""
    temporaries = [p.with_name(f".{p.name}.{os.getpid()}.tmp") for p in paths]
    try:
        yield temporaries
    except BaseException:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, path in zip(temporaries, paths, strict=True):
        os.replace(temporary, path)
