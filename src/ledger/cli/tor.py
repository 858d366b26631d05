"""``ledger tor``: what the terms of reference said, redlines, history, amendments."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from msgspec import Struct

from ledger.cli.options import authority_from, authority_options, json_option
from ledger.cli.params import DATE, MOMENT
from ledger.cli.render import emit_json, report_receipt, safe, say, table
from ledger.cli.session import Session, pass_session


@click.group()
def tor() -> None:
    """Terms of reference: as in force on a date, as known at a moment, and how they changed."""


def _rules_lines(rules: list) -> list[str]:  # type: ignore[type-arg]
    lines = []
    for rule in rules:
        checked = "" if getattr(rule, "kind", "") == "text" else " [machine-checked]"
        lines.append(f"Rule: {rule.describe()}{checked}")
    return lines


def render_text(report, markdown: bool) -> str:  # type: ignore[no-untyped-def]
    out: list[str] = []
    head = report.title or f"Terms of reference of {report.body}"
    known = f", as known at {report.known_at}" if report.known_at else ", as known now"
    out.append(f"# {head}" if markdown else head.upper() if not report.title else head)
    out.append(
        f"{'*' if markdown else ''}{report.body}: in force on {report.on}{known}; "
        f"adopted {report.adopted_on}{'*' if markdown else ''}"
    )
    out.append("")
    for s in report.sections:
        heading = f"{s.number}. {s.heading}"
        out.append(f"## {heading}" if markdown else heading)
        if s.changed_on != report.adopted_on:
            note = f"as amended from {s.changed_on}"
            out.append(f"_{note}_" if markdown else f"  ({note})")
        if s.text:
            out.append("")
            out.extend(
                s.text.splitlines() if markdown else ["  " + line for line in s.text.splitlines()]
            )
        for line in _rules_lines(s.rules):
            out.append(f"> {line}" if markdown else f"  {line}")
        out.append("")
    out.append("## Provenance" if markdown else "Provenance:")
    for p in report.provenance:
        authority = f" - {p.authority}" if p.authority else ""
        out.append(f"- #{p.position} effective {p.effective}: {p.summary}{authority}")
        if p.decision is not None:
            out.append(f"  {'' if p.decision.valid else '! '}{p.decision.describe()}")
    if report.pending:
        out.append("")
        out.append(
            "## Pending changes" if markdown else "Pending changes (known, not yet in force):"
        )
        for c in report.pending:
            out.append(f"- section {c.section} {c.change} from {c.effective}")
    return "\n".join(out).rstrip() + "\n"


@tor.command()
@click.argument("body")
@click.option("--on", "on", type=DATE, default=None, help="The date (default: today).")
@click.option("--known-at", type=MOMENT, default=None, help="Only what was recorded by then.")
@click.option("--section", default=None, help="Only this section (by id).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text")
@json_option
@pass_session
def show(
    session: Session,
    /,
    body: str,
    on: date | None,
    known_at: datetime | None,
    section: str | None,
    fmt: str,
    as_json: bool,
) -> None:
    """Print the terms of reference in force on a date (every change effective by then).

    Example:

    \b
        ledger tor show kcsp-wg --on 2024-07-04
        ledger tor show kcsp-wg --on 2024-07-04 --section membership --format markdown
    """
    report = session.ledger.tor(body, on or date.today(), known_at=known_at, section=section)
    if as_json or fmt == "json":
        emit_json(report)
        return
    say(render_text(report, markdown=fmt == "markdown"), nl=False)


CONTEXT = 2  # unchanged lines shown around each change


class Piece(Struct, frozen=True):
    """A run of text in a redline: '=' kept, '-' removed, '+' added."""

    op: str
    text: str


def diff_lines(pieces: Sequence[Any]) -> list[tuple[str, list[Piece]]]:
    """Split a redline into lines, each marked ' ' kept, '-' removed, '+' added, '~' edited."""
    lines: list[list[Piece]] = [[]]
    for piece in pieces:
        for index, part in enumerate(piece.text.split("\n")):
            if index:
                lines.append([])
            if part:
                lines[-1].append(Piece(piece.op, part))
    if lines and not lines[-1]:
        lines.pop()
    marked_lines = []
    for line in lines:
        ops = {p.op for p in line}
        kind = " " if ops <= {"="} else next(iter(ops)) if len(ops) == 1 else "~"
        marked_lines.append((kind, line))
    return marked_lines


def _styled(pieces: Sequence[Any]) -> str:
    colour = sys.stdout.isatty()
    out = []
    for piece in pieces:
        text = safe(piece.text, lines=True)
        if piece.op == "=":
            out.append(text)
        elif piece.op == "-":
            out.append(click.style(text, fg="red", strikethrough=True) if colour else f"[-{text}-]")
        else:
            out.append(click.style(text, fg="green", underline=True) if colour else f"{{+{text}+}}")
    return "".join(out)


@tor.command()
@click.argument("body")
@click.argument("date_from", type=DATE)
@click.argument("date_to", type=DATE)
@click.option("--known-at", type=MOMENT, default=None, help="Only what was recorded by then.")
@json_option
@pass_session
def diff(
    session: Session,
    /,
    body: str,
    date_from: date,
    date_to: date,
    known_at: datetime | None,
    as_json: bool,
) -> None:
    """Show a per-section redline between the ToR in force on two dates.

    Removed words are shown [-like this-], added words {+like this+}.

    Example:

    \b
        ledger tor diff kcsp-wg 2024-07-03 2024-07-04
    """
    red = session.ledger.tor_diff(body, date_from, date_to, known_at=known_at)
    if as_json:
        emit_json(red)
        return
    say(f"{body}: terms of reference on {red.date_from} -> {red.date_to}")
    if not red.changes:
        say("no changes")
        return
    for change in red.changes:
        click.echo()
        renumbered = f" (was {safe(change.number_before)})" if change.number_before else ""
        heading = _styled(change.heading_diff) if change.heading_diff else safe(change.heading)
        # _styled has made the record's text safe and may have added colour of our own.
        click.echo(
            f"{change.change.upper()}: {safe(change.number)}. {heading}{renumbered}"
            f"  [{safe(change.section)}]"
        )
        lines = diff_lines(change.text_diff)
        changed = [i for i, (kind, _) in enumerate(lines) if kind != " "]
        near = {j for i in changed for j in range(i - CONTEXT, i + CONTEXT + 1)}
        skipping = False
        for index, (kind, line) in enumerate(lines):
            if index in near or change.change != "changed":
                click.echo(f"  {kind} {_styled(line)}")
                skipping = False
            elif not skipping:
                say("    ...")
                skipping = True
        for rule in change.rules_before:
            say(f"  - rule: {rule}")
        for rule in change.rules_after:
            say(f"  + rule: {rule}")
    if red.made_by:
        say("\nMade by:")
        for p in red.made_by:
            say(
                f"- #{p.position} effective {p.effective}: {p.summary}"
                + (f" - {p.authority}" if p.authority else "")
            )
            if p.decision is not None:
                say(f"  {'' if p.decision.valid else '! '}{p.decision.describe()}")


@tor.command()
@click.argument("body")
@click.option("--section", default=None, help="Only changes touching this section.")
@json_option
@pass_session
def history(session: Session, /, body: str, section: str | None, as_json: bool) -> None:
    """Every change to a body's ToR: effective date, recorded time, authority, status.

    Example:

    \b
        ledger tor history kcsp-wg --section membership
    """
    entries = session.ledger.tor_history(body, section)
    if as_json:
        emit_json(entries)
        return
    rows = [
        {
            "pos": e.position,
            "effective": e.effective,
            "recorded": e.recorded_at[:19].replace("T", " "),
            "what": e.summary,
            "authority": e.authority,
            "decision": (
                ""
                if e.decision is None
                else "valid"
                if e.decision.valid
                else "NOT GOOD AUTHORITY: " + "; ".join(e.decision.problems)
            ),
            "status": e.status,
        }
        for e in entries
    ]
    table(
        rows,
        ["pos", "effective", "recorded", "what", "authority", "decision", "status"],
        title=f"History of {body}'s terms of reference"
        + (f", section {section}" if section else ""),
    )


def _text_option(text: str | None, text_file: Path | None) -> str | None:
    if text is not None and text_file is not None:
        raise click.UsageError("give --text or --text-file, not both")
    if text_file is not None:
        return text_file.read_text(encoding="utf-8").strip("\n")
    return text


@tor.command()
@click.argument("body")
@click.argument("section")
@click.option("--effective", type=DATE, required=True, help="In force from (YYYY-MM-DD).")
@click.option("--text", default=None, help="The section's new text.")
@click.option(
    "--text-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None
)
@click.option("--heading", default=None, help="The section's new heading.")
@click.option("--number", default=None, help="The section's new number.")
@authority_options
@json_option
@pass_session
def amend(
    session: Session,
    /,
    body: str,
    section: str,
    effective: date,
    text: str | None,
    text_file: Path | None,
    heading: str | None,
    number: str | None,
    as_json: bool,
    **authority: str | None,
) -> None:
    """Amend one section: substitute its text, heading or number from a date.

    Example:

    \b
        ledger tor amend kcsp-wg meetings --effective 2025-07-03 \\
            --text "The group will meet quarterly." --meeting kcsp-2025-07-03 --item 6
    """
    from ledger.domain.tor import AmendSection

    command = AmendSection(
        body=body,
        section=section,
        effective=effective,
        text=_text_option(text, text_file),
        heading=heading,
        number=number,
        authority=authority_from(**authority),
    )
    report_receipt(session.ledger.execute([command]), as_json)


@tor.command()
@click.argument("body")
@click.argument("section")
@click.option("--effective", type=DATE, required=True, help="Repealed from (YYYY-MM-DD).")
@authority_options
@json_option
@pass_session
def repeal(
    session: Session,
    /,
    body: str,
    section: str,
    effective: date,
    as_json: bool,
    **authority: str | None,
) -> None:
    """Repeal one section from a date.

    Example:

    \b
        ledger tor repeal richmond-csp diversity --effective 2011-04-01
    """
    from ledger.domain.tor import RepealSection

    command = RepealSection(
        body=body, section=section, effective=effective, authority=authority_from(**authority)
    )
    report_receipt(session.ledger.execute([command]), as_json)


def _planned(command: object) -> str:
    from ledger.domain.tor import AdoptTor, InsertSection

    if isinstance(command, AdoptTor):
        return f"adopt the whole document ({len(command.sections)} sections)"
    if isinstance(command, InsertSection):
        return f"insert section {command.section.number} {command.section.id}"
    kind = getattr(command, "type", "").replace("-section", "")
    return f"{kind} section {getattr(command, 'section', '')}"


@tor.command(name="import")
@click.argument("body")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--effective", type=DATE, required=True, help="In force from (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Show what was parsed and would be recorded.")
@authority_options
@json_option
@pass_session
def import_document(
    session: Session,
    /,
    body: str,
    file: Path,
    effective: date,
    dry_run: bool,
    as_json: bool,
    **authority: str | None,
) -> None:
    """Read a text or Markdown ToR with numbered headings; adopt it, or record the amendments.

    If the body has no ToR in force on the effective date the document is adopted
    whole; otherwise only the sections that differ are recorded (amended, inserted or
    repealed).  Importing the same document again records nothing.

    Example:

    \b
        ledger tor import richmond-csp richmond-csp-tor-2008.txt --effective 2008-03-01
    """
    text = session.ledger.read_document(file)
    result = session.ledger.import_tor_document(
        body, text, effective, authority_from(**authority), dry_run=dry_run
    )
    if as_json:
        emit_json(result)
        return
    rows = [
        {"number": s.number, "id": s.id, "heading": s.heading, "lines": len(s.text.splitlines())}
        for s in result.parsed.sections
    ]
    table(
        rows,
        ["number", "id", "heading", "lines"],
        title=f"Parsed {file.name}: {result.parsed.title or ''}",
    )
    if not result.commands:
        say(f"the document matches {body}'s ToR in force on {effective}; nothing to record")
        return
    for command in result.commands:
        say(f"- {_planned(command)}")
    report_receipt(result.receipt, False)


COMMANDS = [tor]
