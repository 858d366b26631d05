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
    "csv": "a directory of CSV files, one per answer, with columns.csv describing them",
    "html": "a readable report per body (with --body, --out is the file; else a folder)",
    "popolo": "one Popolo JSON object: persons, organizations, posts, memberships, events, "
    "motions, vote_events",
    "grants": "every allocation as a 360Giving grant (JSON package and CSV)",
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
@click.option(
    "--with-verifier",
    is_flag=True,
    help="jsonl: write verify.py beside the export, so it travels with its checker.",
)
@click.option(
    "--prefix",
    default=None,
    help="grants: the publisher's 360Giving prefix, e.g. 360G-kentcsp "
    "(default: 360G- and the top body's id).",
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
    with_verifier: bool,
    prefix: str | None,
    body: str | None,
    first: date | None,
    last: date | None,
) -> None:
    """Write the record to files that others can read and check on their own.

    The jsonl trail holds every event's canonical bytes and leaf hash, and ends with a
    checkpoint of the log's Merkle tree signed with --key (recorded in the ledger too).
    With --body, --from or --to it holds those events only, each with its inclusion
    proof, and still verifies alone against the checkpoint.

    csv writes a directory of files, one per answer, described in its columns.csv.
    html writes a printable report of one body (--out is the file), or, without
    --body, a folder of them with an index.html.
    grants writes every allocation of the funds (a body's, with --body; awarded between
    --from and --to) as 360Giving grants: OUT/grants.json and OUT/grants.csv, or, for an
    OUT ending .json, that file and the .csv beside it.

    Example:

    \b
        ledger export --format jsonl --out kcsp-wg.jsonl --key kent.key --body kcsp-wg
        ledger verifier --out verify.py && python3 verify.py kcsp-wg.jsonl
        ledger export --format csv --out kent-csv
        ledger export --format html --body kcsp-wg --from 2024-01-01 --out wg-2024.html
        ledger export --format grants --out grants/ --body kcsp-wg --prefix 360G-kentcsp
    """
    if with_verifier and kind != "jsonl":
        raise click.UsageError("--with-verifier goes with --format jsonl")
    with stages() as start:
        written = session.ledger.export(
            kind, out, key=key, body=body, first=first, last=last, progress=start, prefix=prefix
        )
    if written.tree_size is not None:
        say(f"wrote {out}: the {kind} trail against the checkpoint of {written.tree_size} events")
        say(f"root {written.root}")
        if with_verifier:
            from ledger.application import verifier_source

            beside = out.parent / "verify.py"
            beside.write_text(verifier_source(), encoding="utf-8")
            say(f"wrote {beside}: python3 {beside} {out}")
        return
    counts = ", ".join(f"{what.replace('_', ' ')} {n}" for what, n in written.counts.items())
    say(f"wrote {kind} to {out} ({len(written.files)} file(s)): {counts}")


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
