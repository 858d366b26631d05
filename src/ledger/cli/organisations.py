"""Commands for organisations: list them as on a date, register, rename, identify, close."""

from __future__ import annotations

from datetime import date, datetime

import click

from ledger.cli.options import authority_from, authority_options, json_option
from ledger.cli.params import DATE, MOMENT
from ledger.cli.render import emit_json, report_receipt, table
from ledger.cli.session import Session, pass_session
from ledger.domain.organisation import OrganisationSector


@click.command(name="organisations")
@click.option("--on", "on", type=DATE, default=None, help="The date (default: today).")
@click.option("--known-at", type=MOMENT, default=None, help="Only what was recorded by then.")
@click.option("--all", "include_closed", is_flag=True, help="Include closed organisations.")
@json_option
@pass_session
def organisations_command(
    session: Session,
    on: date | None,
    known_at: datetime | None,
    include_closed: bool,
    as_json: bool,
) -> None:
    """List the organisations as they stood on a date, under the names they had then.

    Example:

    \b
        ledger organisations --on 2021-06-25
        ledger organisations --on 2022-07-01 --all
        ledger organisations --on 2024-07-04 --known-at 2024-01-01 --json
    """
    day = on or date.today()
    found = session.ledger.organisations(day, known_at=known_at, include_closed=include_closed)
    if as_json:
        emit_json(found)
        return
    rows = [
        {
            "id": org.slug,
            "name": org.name,
            "short_name": org.short_name,
            "sector": org.sector,
            "registered": org.registered,
            "identifier": org.identifier,
            "closed": org.closed,
            "successor": org.successor,
        }
        for org in found
    ]
    columns = ["id", "name", "short_name", "sector", "identifier", "registered"]
    if include_closed:
        columns += ["closed", "successor"]
    title = f"Organisations on {day}" + (
        f", as known at {known_at.isoformat()}" if known_at else ""
    )
    table(rows, columns, title=title, empty=f"no organisations on {day}")


@click.group()
def organisation() -> None:
    """Record the life of an organisation: register, rename, identify, close."""


@organisation.command()
@click.argument("slug")
@click.option("--name", required=True, help="Its full name.")
@click.option("--sector", type=click.Choice([s.value for s in OrganisationSector]), required=True)
@click.option("--short-name", default=None, help="Its short name, e.g. KFRS.")
@click.option("--identifier", default=None, help="Its org-id.guide identifier, e.g. GB-LAE-KEN.")
@click.option("--effective", type=DATE, required=True, help="Registered from (YYYY-MM-DD).")
@authority_options
@json_option
@pass_session
def register(
    session: Session,
    /,
    slug: str,
    name: str,
    sector: str,
    short_name: str | None,
    identifier: str | None,
    effective: date,
    as_json: bool,
    **authority: str | None,
) -> None:
    """Register an organisation (with its org-id.guide identifier, if it has one).

    Example:

    \b
        ledger organisation register kcc --name "Kent County Council" \\
            --sector local-authority --short-name KCC --identifier GB-LAE-KEN \\
            --effective 1889-04-01
    """
    from ledger.domain.organisation import RegisterOrganisation

    command = RegisterOrganisation(
        organisation=slug,
        name=name,
        sector=OrganisationSector(sector),
        short_name=short_name,
        identifier=identifier,
        effective=effective,
        authority=authority_from(**authority),
    )
    report_receipt(session.ledger.execute([command]), as_json)


@organisation.command()
@click.argument("slug")
@click.argument("name")
@click.option("--short-name", default=None, help="Its short name from then (default: none).")
@click.option("--effective", type=DATE, required=True, help="Renamed from (YYYY-MM-DD).")
@authority_options
@json_option
@pass_session
def rename(
    session: Session,
    /,
    slug: str,
    name: str,
    short_name: str | None,
    effective: date,
    as_json: bool,
    **authority: str | None,
) -> None:
    """Rename an organisation from a date; its history keeps the old name.

    Example:

    \b
        ledger organisation rename probation "The Probation Service" --effective 2021-06-26
    """
    from ledger.domain.organisation import RenameOrganisation

    command = RenameOrganisation(
        organisation=slug,
        name=name,
        short_name=short_name,
        effective=effective,
        authority=authority_from(**authority),
    )
    report_receipt(session.ledger.execute([command]), as_json)


@organisation.command(name="set-identifier")
@click.argument("slug")
@click.argument("identifier")
@click.option("--effective", type=DATE, required=True, help="Held from (YYYY-MM-DD).")
@authority_options
@json_option
@pass_session
def set_identifier(
    session: Session,
    /,
    slug: str,
    identifier: str,
    effective: date,
    as_json: bool,
    **authority: str | None,
) -> None:
    """Record the org-id.guide identifier an organisation holds from a date.

    Give the day it was registered if it has always held it: an export names an
    organisation by the identifier it held on the day of the grant.

    Example:

    \b
        ledger organisation set-identifier richmond-council GB-LAE-RIC --effective 1965-04-01
    """
    from ledger.domain.organisation import SetOrganisationIdentifier

    command = SetOrganisationIdentifier(
        organisation=slug,
        identifier=identifier,
        effective=effective,
        authority=authority_from(**authority),
    )
    report_receipt(session.ledger.execute([command]), as_json)


@organisation.command()
@click.argument("slug")
@click.option("--effective", type=DATE, required=True, help="Closed from (YYYY-MM-DD).")
@click.option("--successor", default=None, help="The id of the organisation that took over.")
@click.option("--reason", default=None, help="Why it closed.")
@authority_options
@json_option
@pass_session
def close(
    session: Session,
    /,
    slug: str,
    effective: date,
    successor: str | None,
    reason: str | None,
    as_json: bool,
    **authority: str | None,
) -> None:
    """Close an organisation from a date, naming its successor if it has one.

    Example:

    \b
        ledger organisation close kent-ccgs --effective 2022-07-01 \\
            --successor nhs-kent-medway-icb --reason "Health and Care Act 2022"
    """
    from ledger.domain.organisation import CloseOrganisation

    command = CloseOrganisation(
        organisation=slug,
        successor=successor,
        reason=reason,
        effective=effective,
        authority=authority_from(**authority),
    )
    report_receipt(session.ledger.execute([command]), as_json)


COMMANDS = [organisations_command, organisation]
