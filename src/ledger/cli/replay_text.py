"""A replay step as text for a reader: the envelope, then each answer it changed, before
and after.  Everything taken from the record is made safe for a terminal (``safe``)
before any styling is added."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ledger.cli.render import safe

ARROW = " -> "
KEEP = 60  # characters of unchanged text kept either side of a change


def step_text(step: Any) -> str:
    """The lines of one step, ending with a blank line."""
    lines = _envelope(step)
    changes = step.changes
    for tor in changes.tor:
        lines += _tor(tor)
    for members in changes.members:
        lines += _members(members)
    lines += _quorum(changes.quorum)
    lines += [_decision(decision) for decision in changes.decisions]
    for budget in changes.budget:
        lines += _budget(budget)
    return "\n".join(lines) + "\n\n"


def _envelope(step: Any) -> list[str]:
    recorded = step.recorded_at[:19].replace("T", " ")
    head = f"#{step.position}  {safe(step.topic)}"
    if step.body:
        head += f"  {safe(step.body)}"
    lines = [
        click.style(f"{head}  effective {step.effective}", bold=True),
        f"    recorded {recorded} UTC by {safe(step.actor)}; link {step.hash[:16]}",
        f"    {safe(step.summary)}",
    ]
    if step.authority is not None:
        lines.append(f"    authority: {safe(step.authority.describe())}")
    if step.source_key:
        lines.append(f"    entry: {safe(step.source_key)}")
    if step.corrects is not None:
        c = step.corrects
        where = f"#{c.position}" if c.position is not None else c.event_id
        what = f" ({safe(c.topic)}): {safe(c.summary)}" if c.topic else " (not in the record)"
        lines.append(click.style(f"    {c.how} {where}{what}", fg="yellow"))
    return lines


# --- the terms of reference -------------------------------------------------------


def _marked(pieces: list[Any]) -> str:
    """A word diff as text: [-removed-]{+added+}, long unchanged stretches shortened."""
    out = []
    for i, piece in enumerate(pieces):
        text = safe(piece.text, lines=True)
        if piece.op == "=":
            head = text[:KEEP] if i else ""
            tail = text[-KEEP:] if i + 1 < len(pieces) else ""
            out.append(text if len(text) <= 2 * KEEP + 5 else f"{head} … {tail}")
        elif piece.op == "-":
            out.append(click.style(f"[-{text}-]", fg="red"))
        else:
            out.append(click.style(f"{{+{text}+}}", fg="green"))
    return "".join(out)


def _indented(text: str, indent: str) -> list[str]:
    return [indent + line for line in text.splitlines()] or [indent]


def _tor(change: Any) -> list[str]:
    lines = [f"  ToR of {safe(change.body)} in force on {change.on}"]
    if change.title_before != change.title_after:
        title = (
            f"{safe(change.title_before or '(none)')}{ARROW}{safe(change.title_after or '(none)')}"
        )
        lines.append(f"    title: {title}")
    for s in change.sections:
        label = f"    § {safe(s.number)} {safe(s.heading)} ({safe(s.section)}): {s.change}"
        if s.change == "added":
            words = sum(len(p.text.split()) for p in s.text_diff)
            lines.append(f"{label} ({words} words)")
        elif s.change == "repealed":
            lines.append(label)
        else:
            lines.append(label)
            if s.number_before:
                lines.append(f"      number: {safe(s.number_before)}{ARROW}{safe(s.number)}")
            if s.heading_diff:
                lines.append(f"      heading: {_marked(s.heading_diff)}")
            if s.text_diff:
                lines += _indented(_marked(s.text_diff), "      | ")
        if s.rules_before or s.rules_after:
            before = "; ".join(safe(r) for r in s.rules_before) or "(none)"
            after = "; ".join(safe(r) for r in s.rules_after) or "(none)"
            lines.append(f"      rules: {before}{ARROW}{after}")
    return lines


# --- membership ---------------------------------------------------------------------


def _seat(seat: Any) -> str:
    parts = [safe(seat.category), "voting" if seat.voting else "non-voting"]
    if seat.organisation and seat.organisation != seat.member:
        parts.insert(0, f"for {safe(seat.organisation)}")
    if seat.representative is not None:
        parts.append(f"represented by {safe(seat.representative.name)}")
    if seat.substitute is not None:
        parts.append(f"substitute {safe(seat.substitute.name)}")
    return ", ".join(parts)


def _person(person: Any) -> str:
    return safe(person.name) if person is not None else "(none)"


SEAT_FIELDS: dict[str, Callable[[Any], str]] = {
    "organisation": lambda s: safe(s.organisation or "(none)"),
    "category": lambda s: safe(s.category),
    "voting": lambda s: "voting" if s.voting else "non-voting",
    "counts for quorum": lambda s: {True: "yes", False: "no", None: "if it votes"}[
        s.counts_for_quorum
    ],
    "roles": lambda s: ", ".join(safe(r) for r in s.roles) or "(none)",
    "representative": lambda s: _person(s.representative),
    "substitute": lambda s: _person(s.substitute),
    "joined": lambda s: str(s.joined),
}


def _seat_change(before: Any, after: Any) -> str:
    """What differs between two records of one seat."""
    parts = []
    for name, show in SEAT_FIELDS.items():
        was, now = show(before), show(after)
        if was != now:
            parts.append(f"{name} {was}{ARROW}{now}")
    return "; ".join(parts) or "its record changed"


def _members(change: Any) -> list[str]:
    lines = [f"  members of {safe(change.body)} on {change.on}"]
    for s in change.seats:
        if s.change == "joined":
            lines.append(
                click.style(f"    + {safe(s.member)} joined: {_seat(s.after)}", fg="green")
            )
        elif s.change == "left":
            lines.append(click.style(f"    - {safe(s.member)} left ({_seat(s.before)})", fg="red"))
        else:
            lines.append(f"    ~ {safe(s.member)}: {_seat_change(s.before, s.after)}")
    for o in change.offices:
        term = f" until {o.after.term_end}" if o.after is not None and o.after.term_end else ""
        if o.change == "taken":
            lines.append(f"    {safe(o.office)} taken by {safe(o.after.holder.name)}{term}")
        elif o.change == "given-up":
            lines.append(f"    {safe(o.office)} given up by {safe(o.before.holder.name)}")
        else:
            was, now = safe(o.before.holder.name), safe(o.after.holder.name)
            lines.append(f"    {safe(o.office)}: {was}{ARROW}{now}{term}")
    return lines


# --- quorum, decisions, budget -----------------------------------------------------


def _quorate(result: Any) -> str:
    if result is None:
        return "not recorded"
    status = "" if result.status == "held" else f" ({safe(result.status)})"
    counted = f"{len(result.counted)} counted"
    if result.not_counted:
        counted += f", {len(result.not_counted)} not counted"
    if result.quorate is None:
        why = "no quorum rule in force" if result.rule is None else safe(result.note or "")
        return f"not judged{status}: {why}; {counted}"
    met = "; ".join(f"{safe(r.requirement)} {r.have}/{r.need}" for r in result.requirements)
    verdict = "quorate" if result.quorate else click.style("NOT quorate", fg="red")
    return f"{verdict}{status}: {met}; {counted}"


def _quorum(changes: list[Any]) -> list[str]:
    """One line per change, items whose change reads the same grouped on one line."""
    lines: list[str] = []
    by_meeting: dict[str, list[Any]] = {}
    for change in changes:
        by_meeting.setdefault(change.meeting, []).append(change)
    for meeting, found in by_meeting.items():
        lines.append(f"  quorum at {safe(meeting)} ({found[0].date})")
        grouped: dict[str, list[str]] = {}
        for change in found:
            was, now = _quorate(change.before), _quorate(change.after)
            text = f"{was}{ARROW}{now}" if was != now else f"{now} (who was there changed)"
            grouped.setdefault(text, []).append(
                "start" if change.item is None else f"item {safe(change.item)}"
            )
        for text, where in grouped.items():
            lines.append(f"    {', '.join(where)}: {text}")
    return lines


def _verdict(state: Any) -> str:
    if state is None:
        return "not recorded"
    if state.valid:
        return click.style("valid", fg="green")
    reasons = "; ".join(safe(f.message) for f in state.findings)
    if all(f.check == "pending" for f in state.findings):
        return f"pending: {reasons}"
    return click.style("INVALID", fg="red") + f": {reasons}"


def _decision(change: Any) -> str:
    was, now = _verdict(change.before), _verdict(change.after)
    line = f"  decision {safe(change.motion)}: {was}{ARROW}{now}"
    a, b = change.before, change.after
    if (
        a is not None
        and b is not None
        and (a.requirement, a.requirement_source)
        != (
            b.requirement,
            b.requirement_source,
        )
    ):
        line += (
            f"\n    requirement: {safe(a.requirement)} ({safe(a.requirement_source)}){ARROW}"
            f"{safe(b.requirement)} ({safe(b.requirement_source)})"
        )
    if a is not None and b is not None and a.arithmetic != b.arithmetic and b.arithmetic:
        line += f"\n    arithmetic: {safe(b.arithmetic)}"
    return line


MONEY = (
    "received",
    "reduced",
    "allocated",
    "spent",
    "returned",
    "carried_in",
    "carried_forward",
    "available",
)


def _money(before: Any, after: Any) -> str:
    parts = []
    for name in MONEY:
        a = getattr(before, name).text if before is not None else "£0.00"
        b = getattr(after, name).text if after is not None else "£0.00"
        if a != b:
            parts.append(f"{name.replace('_', ' ')} {a}{ARROW}{b}")
    return "; ".join(parts) or "unchanged"


def _budget(change: Any) -> list[str]:
    lines = [f"  budget of {safe(change.fund)} on {change.on}"]
    for year in change.years:
        lines.append(f"    {safe(year.year)}: {_money(year.before, year.after)}")
    for a in change.allocations:
        was = f"{a.before.awarded.text} awarded, {a.before.balance.text} left" if a.before else "-"
        now = f"{a.after.awarded.text} awarded, {a.after.balance.text} left" if a.after else "-"
        lines.append(f"    allocation {safe(a.allocation)}: {was}{ARROW}{now}")
    lines.append(f"    total: {_money(change.total_before, change.total_after)}")
    return lines
