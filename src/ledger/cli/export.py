"""``ledger export`` (the record in files others can read and check) and ``ledger
verifier`` (the stand-alone checker an auditor runs with nothing but Python)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from ledger.cli.params import DATE
from ledger.cli.render import say, stages
from ledger.cli.session import Session, pass_session
from ledger.interchange.export import FORMATS

FORMAT_HELP = {
    "jsonl": "the verifiable trail (checked by verify.py; needs --key)",
    "popolo": "one Popolo JSON object: persons, organizations, posts, memberships, events, "
    "motions, vote_events",
}


@click.command()
@click.option(
    "--format",
    "kind",
    type=click.Choice(list(FORMATS)),
    default="jsonl",
    show_default=True,
    help="; ".join(f"{k}: {v}" for k, v in FORMAT_HELP.items() if k in FORMATS) + ".",
)
@click.option("--out", type=click.Path(path_type=Path), required=True)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="jsonl: the signing key for the checkpoint that ends the export.",
)
@click.option("--body", default=None, help="Only this body's record.")
@click.option("--from", "first", type=DATE, default=None, help="From this effective date.")
@click.option("--to", "last", type=DATE, default=None, help="Up to this effective date.")
@pass_session
def export(
    session: Session,
    /,
    kind: str,
    out: Path,
    key: Path | None,
    body: str | None,
    first: date | None,
    last: date | None,
) -> None:
    """Write the record to files that others can read and check on their own.

    The jsonl trail holds every event's canonical bytes and leaf hash, and ends with a
    checkpoint of the log's Merkle tree signed with --key (recorded in the ledger too).
    With --body, --from or --to it holds those events only, each with its inclusion
    proof, and still verifies alone against the checkpoint.

    Example:

    \b
        ledger export --format jsonl --out kcsp-wg.jsonl --key kent.key --body kcsp-wg
        ledger verifier --out verify.py && python3 verify.py kcsp-wg.jsonl
    """
    with stages() as start:
        written = session.ledger.export(
            kind, out, key=key, body=body, first=first, last=last, progress=start
        )
    if written.tree_size is not None:
        say(f"wrote {out}: the {kind} trail against the checkpoint of {written.tree_size} events")
        say(f"root {written.root}")
        return
    counts = ", ".join(f"{n} {what}" for what, n in written.counts.items())
    say(f"wrote {len(written.files)} {kind} file(s) to {out}: {counts}")


@click.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write it to this file (default: print it).",
)
def verifier(out: Path | None) -> None:
    """Print verify.py: one file, Python's standard library only, that checks an export
    (every line's hash, the inclusion proofs or the whole tree, the checkpoint and, when
    the cryptography package is there, its signature).

    Example:

    \b
        ledger verifier --out verify.py
        python3 verify.py kcsp-wg.jsonl --key kent-csp+282e132f+ASwy...
    """
    from ledger.application import verifier_source

    text = verifier_source()
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    say(f"wrote {out}: run it as python3 {out.name} EXPORT.jsonl [--checkpoint FILE] [--key KEY]")


COMMANDS = [export, verifier]
