"""Commands for bodies: list them as on a date, establish, rename, dissolve."""

from __future__ import annotations

from datetime import date, datetime

import click

from ledger.cli.options import authority_from, authority_options, json_option
from ledger.cli.params import DATE, MOMENT
from ledger.cli.render import emit_json, report_receipt, table
from ledger.cli.session import Session, pass_session
from ledger.documents import as_tree, bodies_document
from ledger.domain.body import BodyKind


@click.command(name="bodies")
@click.option("--on", "on", type=DATE, default=None, help="The date (default: today).")
@click.option("--known-at", type=MOMENT, default=None, help="Only what was recorded by then.")
@click.option("--all", "include_dissolved", is_flag=True, help="Include dissolved bodies.")
@json_option
@pass_session
def bodies_command(
    session: Session,
    on: date | None,
    known_at: datetime | None,
    include_dissolved: bool,
    as_json: bool,
) -> None:
    """List the bodies as they stood on a date, as a tree under their parents.

    Example:

    \b
        ledger bodies --on 2024-07-04
        ledger bodies --on 2025-08-01 --known-at 2025-06-30
    """
    day = on or date.today()
    found = session.ledger.bodies(day, known_at=known_at, include_dissolved=include_dissolved)
    tree = as_tree(found)
    if as_json:
        emit_json(bodies_document(tree))
        return
    rows = [
        {
            "body": "  " * depth + ("└ " if depth else "") + body.slug,
            "name": body.name,
            "kind": body.kind,
            "established": body.established,
            "dissolved": body.dissolved,
        }
        for depth, body in tree
    ]
    columns = ["body", "name", "kind", "established"] + (["dissolved"] if include_dissolved else [])
    title = f"Bodies on {day}" + (f", as known at {known_at.isoformat()}" if known_at else "")
    table(rows, columns, title=title, empty=f"no bodies on {day}")


@click.group()
def body() -> None:
    """Record the life of a body: establish, rename, dissolve."""


@body.command()
@click.argument("slug")
@click.option("--name", required=True, help="Its full name.")
@click.option("--kind", type=click.Choice([k.value for k in BodyKind]), required=True)
@click.option("--parent", default=None, help="The parent body's id.")
@click.option("--effective", type=DATE, required=True, help="Established on (YYYY-MM-DD).")
@authority_options
@json_option
@pass_session
def establish(
    session: Session,
    /,
    slug: str,
    name: str,
    kind: str,
    parent: str | None,
    effective: date,
    as_json: bool,
    **authority: str | None,
) -> None:
    """Establish a body.

    Example:

    \b
        ledger body establish kcsp-wg --name "KCSP Working Group" --kind working-group \\
            --parent kcsp --effective 2008-04-01
    """
    from ledger.domain.body import EstablishBody

    command = EstablishBody(
        body=slug,
        name=name,
        kind=BodyKind(kind),
        parent=parent,
        effective=effective,
        authority=authority_from(**authority),
    )
    report_receipt(session.ledger.execute([command]), as_json)


@body.command()
@click.argument("slug")
@click.argument("name")
@click.option("--effective", type=DATE, required=True, help="Renamed from (YYYY-MM-DD).")
@authority_options
@json_option
@pass_session
def rename(
    session: Session,
    /,
    slug: str,
    name: str,
    effective: date,
    as_json: bool,
    **authority: str | None,
) -> None:
    """Rename a body from a date; its history keeps the old name.

    Example:

    \b
        ledger body rename kcsp-dhr "DARDR Steering Group" --effective 2025-07-03
    """
    from ledger.domain.body import RenameBody

    command = RenameBody(
        body=slug, name=name, effective=effective, authority=authority_from(**authority)
    )
    report_receipt(session.ledger.execute([command]), as_json)


@body.command()
@click.argument("slug")
@click.option("--effective", type=DATE, required=True, help="Dissolved from (YYYY-MM-DD).")
@click.option("--reason", default=None, help="Why it was dissolved.")
@authority_options
@json_option
@pass_session
def dissolve(
    session: Session,
    /,
    slug: str,
    effective: date,
    reason: str | None,
    as_json: bool,
    **authority: str | None,
) -> None:
    """Dissolve a body from a date.

    Example:

    \b
        ledger body dissolve richmond-csp-exec --effective 2011-03-31
    """
    from ledger.domain.body import DissolveBody

    command = DissolveBody(
        body=slug, effective=effective, reason=reason, authority=authority_from(**authority)
    )
    report_receipt(session.ledger.execute([command]), as_json)


COMMANDS = [bodies_command, body]
