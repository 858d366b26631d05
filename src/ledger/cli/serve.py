"""``ledger serve``: the record as read-only web pages, for people who do not use a
command line (clerks, members, scrutiny councillors, the public)."""

from __future__ import annotations

from datetime import date

import click

from ledger.cli.render import say
from ledger.cli.session import Session, pass_session


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="The port."
)
@click.option(
    "--root-path",
    default="",
    metavar="PATH",
    help="The path a reverse proxy serves the pages under, e.g. /ledger (default: none).",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 32),
    default=2,
    show_default=True,
    help="Worker threads, each with its own read-only connection to the ledger.",
)
@click.option(
    "--verify-every",
    type=click.IntRange(0, 86_400),
    default=300,
    show_default=True,
    metavar="SECONDS",
    help="The audit page verifies the whole chain again after this long, or when the "
    "record grows (0: on every visit).",
)
@pass_session
def serve(
    session: Session, /, host: str, port: int, root_path: str, threads: int, verify_every: int
) -> None:
    """Serve the record as read-only web pages: bodies, terms of reference on any date
    (with a date slider and redlines), members, meetings and quorum, decisions, the
    forward plan, funds, and the audit page with the exports to download.

    The ledger is opened read-only (SQLite mode=ro; PostgreSQL in READ ONLY
    transactions) and every page answers GET only: nothing served can change the
    record.  Every page is also JSON: add .json to its path.

    Example:

    \b
        ledger demo && ledger serve
        ledger --db "postgresql://kent_reader@db/partnerships?schema=kent" serve \\
            --host 0.0.0.0 --port 8080 --root-path /ledger
    """
    import uvicorn

    from ledger.application import Ledger
    from ledger.web.app import create_app

    if root_path and (not root_path.startswith("/") or root_path.endswith("/")):
        raise click.BadParameter("give it as /path, without a trailing /", param_hint="--root-path")
    # Open it once now, so that a ledger that cannot be read is one line, not a page.
    with Ledger(session.url, read_only=True) as ledger:
        ledger.bodies(date.today())
        where, count = ledger.describe(), ledger.count()
    say(f"serving {where}, read-only ({count} events), at http://{host}:{port}{root_path}/")
    say("press Ctrl+C to stop")
    uvicorn.run(
        create_app(session.url or "", threads=threads, verify_every=verify_every),
        host=host,
        port=port,
        root_path=root_path,
        server_header=False,
        log_level="info",
    )


COMMANDS = [serve]
