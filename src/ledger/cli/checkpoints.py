"""``ledger key generate``, ``ledger checkpoint`` and ``ledger checkpoints``: the signed
statements of the log's size and Merkle root that anyone can check it against later."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.cli.options import json_option
from ledger.cli.render import emit_json, say, table
from ledger.cli.session import Session, pass_session
from ledger.documents import checkpoints_document


@click.group()
def key() -> None:
    """The Ed25519 key that signs the ledger's checkpoints."""


@key.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The file to write the signing key to (created readable by you alone).",
)
@click.option("--name", default="ledger", show_default=True, help="The key's name.")
def generate(out: Path, name: str) -> None:
    """Make a new signing key, write it to a file only you can read, and print the
    verifier key to publish beside your checkpoints.

    Example:

    \\b
        ledger key generate --out ~/.ledger/kent.key --name kent-csp
    """
    from ledger.application import generate_key

    verifier_key = generate_key(out, name)
    say(f"wrote the signing key to {out} (mode 600: keep it safe, never publish it)")
    say(f"verifier key: {verifier_key}")


@click.command()
@click.option(
    "--key",
    "key_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The signing key (ledger key generate).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the checkpoint to this file.",
)
@click.option(
    "--origin",
    default=None,
    help="The log's name on the checkpoint's first line (set once; default: one made up "
    "for this ledger).",
)
@pass_session
def checkpoint(session: Session, /, key_file: Path, out: Path | None, origin: str | None) -> None:
    """Sign a checkpoint of the log (its size and Merkle root, in the C2SP tlog-checkpoint
    format), record it in the ledger, and print it to publish.

    Example:

    \\b
        ledger checkpoint --key ~/.ledger/kent.key --out checkpoint.txt
    """
    note = session.ledger.checkpoint(key_file, origin)
    if out is not None:
        out.write_text(note, encoding="utf-8")
    click.echo(note, nl=False)


@click.command()
@json_option
@pass_session
def checkpoints(session: Session, /, as_json: bool) -> None:
    """Every checkpoint the ledger has signed and recorded, oldest first.

    Example:

    \\b
        ledger checkpoints --json
    """
    found = session.ledger.checkpoints()
    if as_json:
        emit_json(checkpoints_document(found))
        return
    rows = [
        {
            "recorded": c.timestamp.isoformat()[:19].replace("T", " "),
            "origin": c.origin,
            "size": c.size,
            "root": c.root[:16],
            "key": c.verifier_key.split("+")[0],
        }
        for c in found
    ]
    table(rows, list(rows[0]) if rows else [], title="Checkpoints", empty="no checkpoints")


COMMANDS = [key, checkpoint, checkpoints]
