"""``ledger demo``: build the example ledger from examples/ and take a guided tour."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from ledger.cli.render import heading, say
from ledger.cli.session import Session
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


def _run(url: str, args: list[str], *, refused: bool = False) -> None:
    """Run one command of the tour through the same group the user called; one the tour
    shows being refused prints its one line, as the command line would."""
    group = click.get_current_context().find_root().command
    click.echo()
    click.echo(click.style("$ ledger " + shlex.join(args), fg="cyan"))
    try:
        group.main(["--db", url, *args], prog_name="ledger", standalone_mode=False)
    except click.ClickException as exc:
        if not refused:
            raise
        click.echo(f"Error: {exc.format_message()}")
    else:
        if refused:
            raise ValidationError(f"the demo expected 'ledger {shlex.join(args)}' to be refused")


def _say(text: str) -> None:
    click.echo()
    click.echo(click.wrap_text(text, width=92))


def build(url: str) -> dict[str, str]:
    """Record every step of examples/demo/demo.yaml; returns the moments it marked."""
    import yaml

    from ledger.application import Ledger
    from ledger.domain.events import Authority

    folder = examples_dir()
    steps = yaml.load((folder / "demo.yaml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    marks: dict[str, str] = {}
    with Ledger(url, actor="ledger-demo") as ledger:
        ledger.set_meta("origin", DEMO_MARK)
        for step in steps:
            if "mark" in step:
                marks[step["mark"]] = ledger.log()[-1].recorded_at
            elif "import" in step:
                receipt = ledger.import_files([folder / step["import"]])
                say(f"imported {step['import']}: {receipt.recorded} events")
            else:
                from datetime import date

                result = ledger.import_tor_document(
                    step["body"],
                    (folder / step["tor-import"]).read_text(encoding="utf-8"),
                    date.fromisoformat(step["effective"]),
                    Authority(**step["authority"]) if "authority" in step else None,
                )
                count = result.receipt.recorded
                say(f"imported {step['tor-import']} as {step['body']}'s ToR: {count} events")
    return marks


@click.command()
@click.pass_obj
def demo(session: Session) -> None:
    """Build a fresh demo ledger from the seed documents and show what it can answer.

    It builds in ./ledger.db unless --db says otherwise, and never overwrites a
    ledger that holds anything but an earlier demo.

    Example:

    \b
        ledger demo
        ledger --db /tmp/demo.db demo
    """
    url = session.url or "ledger.db"
    ledger = session.ledger
    shown = ledger.config.safe_url  # the URL as given, any password masked
    if not ledger.is_empty() and ledger.meta("origin") != DEMO_MARK:
        raise ValidationError(
            f"{ledger.config.describe()} holds a ledger that is not a demo; "
            "give another --db for the demo"
        )
    ledger.wipe()
    session.close()
    marks = build(url)
    before_review = marks["before-2024-review"]
    before_minutes = marks["before-minutes-approved"]

    heading("\nA guided tour of the demo ledger")
    _say("Which bodies existed when the KCSP approved the 2024 terms of reference review?")
    _run(url, ["bodies", "--on", "2024-07-04"])
    _say("What did the Working Group's terms of reference say about quorum on that day?")
    _run(url, ["tor", "show", "kcsp-wg", "--on", "2024-07-04", "--section", "quorum"])
    _say("What did the 4 July 2024 review change? A redline, section by section:")
    _run(url, ["tor", "diff", "kcsp-wg", "2024-07-03", "2024-07-04"])
    _say(
        "On whose authority? The KCSP's decision at item 5 on 4 July 2024 (the paper's "
        "recommendation 4.1): was it validly made, and what did it authorise?"
    )
    _run(url, ["decision", "kcsp-2024-07-04-5a"])
    _say(
        "What did the ledger know about the membership section in force on 4 July 2024, "
        "before the review was recorded? (--known-at reads only what had been recorded then.)"
    )
    _run(
        url,
        [
            "tor",
            "show",
            "kcsp-wg",
            "--on",
            "2024-07-04",
            "--section",
            "membership",
            "--known-at",
            before_review,
        ],
    )
    _say("Richmond's 2008 terms of reference, read from the document itself:")
    _run(
        url,
        ["tor", "show", "richmond-csp", "--on", "2008-03-01", "--section", "frequency-of-meetings"],
    )
    _say(
        "Who sat on the Working Group when the review took effect? Seats, not people: KCC's "
        "teams sit in seats of their own; the 2023 ToR's CCGs and CRC seats passed to successors."
    )
    _run(url, ["members", "kcsp-wg", "--on", "2024-07-04"])
    _say("Its meetings, and whether each was quorate at the start:")
    _run(url, ["meetings", "kcsp-wg"])
    _say(
        "13 June was quorate at the start but not at item 3: KFRS had left (so the approved "
        "minutes say) and Probation withdrew for an interest. KCC counts once, as one authority."
    )
    _run(url, ["quorum", "kcsp-wg-2024-06-13", "--item", "3"])
    _say(
        "So the recorded vote on the fund at item 3, with Probation withdrawn for its interest, "
        "was not validly made: inquorate, and a vote cast by someone no longer in the room."
    )
    _run(url, ["decision", "kcsp-wg-2024-06-13-3a"])
    _say("Before the minutes corrected the attendance, the ledger held it valid:")
    _run(url, ["decision", "kcsp-wg-2024-06-13-3a", "--known-at", before_minutes])
    _say("12 September: three responsible authorities, however many KCC officers came.")
    _run(url, ["quorum", "kcsp-wg-2024-09-12"])
    _say("Richmond's May 2008 meeting elected its Vice-Chair by ballot: a decision like any other.")
    _run(url, ["decision", "richmond-csp-2008-05-20-1b"])
    _say("The Chair and Vice-Chair hold office from then, on those decisions; one substitute each.")
    _run(url, ["members", "richmond-csp", "--on", "2008-06-01"])
    _say(
        "Its ToR asks for ten meetings a year, one in public; 2008 fell short. It sets no quorum, "
        "so `ledger quorum` answers 'not evaluated' for its meetings."
    )
    _run(url, ["compliance", "richmond-csp", "--year", "2008"])
    _say("Every decision in the ledger that was not validly made:")
    _run(url, ["decisions", "--invalid"])
    _say(
        "The Kent Community Safety Fund, which the Working Group manages for the KCSP: two PCC "
        "grants, 2023/24's allocated, spent and its underspend returned; 2024/25's allocated "
        "on the June decision that was not validly made, so each of those allocations is flagged."
    )
    _run(url, ["budget", "kcsp-csf", "--on", "2024-12-12"])
    _say(
        "In December the Working Group agreed £2,500 more for a scams project. The fund holds "
        "£1,840.50 for 2024/25: the ledger refuses money that does not exist, and records nothing."
    )
    _run(
        url,
        [
            "fund",
            "allocate",
            "kcsp-csf",
            "kcsp-csf-2024-04",
            "--year",
            "2024/25",
            "--recipient",
            "Kent Trading Standards",
            "--title",
            "Scams prevention (illustrative)",
            "--amount",
            "£2,500",
            "--effective",
            "2024-12-12",
            "--decision",
            "kcsp-wg-2024-12-12-3a",
        ],
        refused=True,
    )
    _say("The position over time, quarter by quarter:")
    _run(
        url,
        ["budget", "kcsp-csf", "--from", "2023-04-01", "--to", "2025-03-31", "--every", "quarter"],
    )
    _say(
        "Richmond's substance misuse money, commissioned through the PCT: the PCT's Director of "
        "Public Health declared a conflict of interest and took no part, so the decision stands."
    )
    _run(url, ["decision", "richmond-csp-2008-06-17-2a"])
    _run(url, ["budget", "richmond-substance-misuse", "--on", "2008-06-30"])
    _say("The DHR Steering Group became the DARDR Steering Group in 2025; its history keeps both.")
    _run(url, ["log", "--body", "kcsp-dhr"])
    _say("The audit chain, recomputed from every stored event:")
    _run(url, ["verify"])
    click.echo()
    say(f"Next: ledger --db {shown} --help")
    say(f"      ledger --db {shown} serve                  # the same answers in a browser")
    say(f"      ledger --db {shown} replay --body kcsp-wg  # every event and what it changed")
    say(f"      ledger --db {shown} export --format html --body kcsp-wg --out wg.html")


COMMANDS = [demo]
