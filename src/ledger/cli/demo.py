"""``ledger demo``: build the example ledger from examples/ and take a guided tour."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from ledger.cli.main import Session
from ledger.cli.render import heading
from ledger.domain.errors import ValidationError

DEMO_MARK = "demo"


def examples_dir() -> Path:
    """The demo files: packaged with the wheel, or examples/ in a source checkout."""
    packaged = Path(__file__).resolve().parents[1] / "_examples" / "demo"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "examples" / "demo"
    if checkout.is_dir():
        return checkout
    raise ValidationError("the demo files are missing from this installation")


def _run(url: str, args: list[str]) -> None:
    from ledger.cli.main import cli

    click.echo()
    click.echo(click.style("$ ledger " + shlex.join(args), fg="cyan"))
    cli.main(["--db", url, *args], prog_name="ledger", standalone_mode=False)


def _say(text: str) -> None:
    click.echo()
    click.echo(click.wrap_text(text, width=92))


@click.command()
@click.pass_obj
def demo(session: Session) -> None:
    """Build a fresh demo ledger from the seed documents and show what it can answer.

    It builds in ./ledger.db unless --db says otherwise, and never overwrites a
    ledger that holds anything but an earlier demo.

    Example:

        ledger demo
        ledger --db /tmp/demo.db demo
    """
    from ledger.application import Ledger
    from ledger.importing import import_files

    url = session.url or "ledger.db"
    ledger = session.ledger
    if not ledger.is_empty() and ledger.meta("origin") != DEMO_MARK:
        raise ValidationError(
            f"{ledger.config.describe()} holds a ledger that is not a demo; "
            "give another --db for the demo"
        )
    ledger.wipe()
    session.close()
    ledger = Ledger(url, actor="ledger-demo")
    try:
        ledger.set_meta("origin", DEMO_MARK)
        files = sorted(examples_dir().glob("*.yaml"))
        stages: list[tuple[str, str]] = []
        for path in files:
            receipt = import_files(ledger, [path])
            stages.append((path.name, ledger.log()[-1].recorded_at if receipt.recorded else ""))
            click.echo(f"imported {path.name}: {receipt.recorded} events")
    finally:
        ledger.close()
    known_before_2025 = stages[0][1]

    heading("\nA guided tour of the demo ledger")
    _say("Which bodies existed when the KCSP approved the 2024 terms of reference review?")
    _run(url, ["bodies", "--on", "2024-07-04"])
    _say("The DHR Steering Group became the DARDR Steering Group in 2025; its history keeps both.")
    _run(url, ["bodies", "--on", "2025-08-01"])
    _say(
        "What did the ledger believe about August 2025 before the 2025 changes were "
        "recorded? (--known-at reads only what had been recorded by that moment.)"
    )
    _run(url, ["bodies", "--on", "2025-08-01", "--known-at", known_before_2025])
    _say("Every event in order, with its recorded time, effective date and hash:")
    _run(url, ["log", "--body", "kcsp-dhr"])
    _say("The audit chain, recomputed from every stored event:")
    _run(url, ["verify"])
    _say(f"Try: ledger --db {url} log   |   ledger --db {url} body --help")


COMMANDS = [demo]
