"""``ledger replay``: step through the record for scrutiny, the chain verified as it goes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime
from itertools import chain
from typing import Any

import click

from ledger.cli.options import json_option
from ledger.cli.params import DATE, FROM_BOUND, TO_BOUND
from ledger.cli.render import json_line, progress
from ledger.cli.replay_text import step_text
from ledger.cli.session import Session, pass_session


class _Relay:
    """The progress callback handed to the replay, pointed at a bar only while one shows."""

    def __init__(self) -> None:
        self.target: Callable[[int], None] | None = None

    def __call__(self, n: int) -> None:
        if self.target is not None:
            self.target(n)


class _Outcome:
    """How the replay ended: None while it has not broken."""

    failure: str | None = None


def _steps_as(
    replay: Any, render: Callable[[Any], str], outcome: _Outcome, *, ending: bool
) -> Iterator[str]:
    """Each step rendered; then, if ``ending``, a last paragraph saying how it ended.  A
    broken chain ends the steps (its line is kept in ``outcome``), never the output."""
    from ledger.domain.errors import IntegrityFailure

    shown = 0
    try:
        for step in replay:
            shown += 1
            yield render(step)
    except IntegrityFailure as exc:
        outcome.failure = str(exc)
    if not ending:
        return
    if outcome.failure is not None:
        yield click.style(outcome.failure, fg="red", bold=True) + "\n"
        return
    if not shown:
        yield "no events in the range\n"
    yield (
        f"intact: {replay.verified} links verified from position 1 "
        f"({shown} event(s) shown); last {replay.verified}:{replay.verified_hash}\n"
    )


@click.command()
@click.option("--body", default=None, help="Only this body's events (every link is still checked).")
@click.option(
    "--from",
    "first",
    type=FROM_BOUND,
    default=None,
    help="From this chain position, or the first event recorded at or after this moment.",
)
@click.option(
    "--to",
    "last",
    type=TO_BOUND,
    default=None,
    help="Up to this chain position, or the last event recorded at or before this moment "
    "(a date alone: the end of that day, UTC).",
)
@click.option("--effective-from", type=DATE, default=None, help="Effective on or after.")
@click.option("--effective-to", type=DATE, default=None, help="Effective on or before.")
@json_option
@pass_session
def replay(
    session: Session,
    /,
    body: str | None,
    first: int | datetime | None,
    last: int | datetime | None,
    effective_from: date | None,
    effective_to: date | None,
    as_json: bool,
) -> None:
    """Step through the record in the ledger's order: each event's envelope (position,
    recorded, effective, actor, authority, what it corrects) and what it changed in the
    terms of reference (a word diff), the membership, the quorum of each meeting and
    item, the validity of each decision and the budget, before and after.

    Every link of the audit chain is recomputed from position 1 as the replay goes; at
    the first that does not hold it stops, after what came before, with one line naming
    the position (exit status 1).  With --json, one JSON object per event per line.

    Example:

    \b
        ledger replay --body kcsp-wg --effective-from 2024-07-01
        ledger replay --from 40 --to 60
        ledger replay --from 2026-01-01T09:00 --json > steps.jsonl
    """
    relay = _Relay()
    steps = session.ledger.replay(
        body=body,
        first=first,
        last=last,
        effective_from=effective_from,
        effective_to=effective_to,
        progress=relay,
    )
    outcome = _Outcome()
    if as_json:
        with progress("replaying", steps.last) as advance:
            relay.target = advance
            for line in _steps_as(steps, json_line, outcome, ending=False):
                click.echo(line)
    elif sys.stdout.isatty():
        pages = _steps_as(steps, step_text, outcome, ending=True)
        # The links before the first step are read with a bar on the terminal; then the
        # pager takes the screen, and the steps are worked out as it asks for them.
        with progress("replaying", steps.last) as advance:
            relay.target = advance
            opening = next(pages, "")
        relay.target = None
        click.echo_via_pager(chain([opening], pages))
    else:
        with progress("replaying", steps.last) as advance:
            relay.target = advance
            for text in _steps_as(steps, step_text, outcome, ending=True):
                click.echo(text, nl=False)
    if outcome.failure is not None:
        raise click.ClickException(outcome.failure)


COMMANDS = [replay]
