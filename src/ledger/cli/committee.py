"""Membership, meetings and quorum: who sits, who came, and could they decide."""

from __future__ import annotations

from datetime import date, datetime

import click

from ledger.cli.options import authority_from, authority_options, json_option
from ledger.cli.params import DATE, MOMENT, YEAR
from ledger.cli.render import emit_json, report_receipt, say, table
from ledger.cli.session import Session, pass_session


def _yes(value: bool | None) -> str:
    return {True: "yes", False: "NO", None: "-"}[value]


@click.command()
@click.argument("body")
@click.option("--on", "on", type=DATE, default=None, help="The date (default: today).")
@click.option("--known-at", type=MOMENT, default=None, help="Only what was recorded by then.")
@json_option
@pass_session
def members(
    session: Session, /, body: str, on: date | None, known_at: datetime | None, as_json: bool
) -> None:
    """Show who sat on a body on a date: seats, representatives, substitutes, offices.

    Example:

    \b
        ledger members richmond-csp --on 2008-06-01
    """
    report = session.ledger.members(body, on or date.today(), known_at=known_at)
    if as_json:
        emit_json(report)
        return
    with_roles = any(m.roles for m in report.members)
    rows = [
        {
            "member": m.member,
            "organisation": m.organisation_name or m.organisation,
            "category": m.category,
            **({"roles": ", ".join(m.roles)} if with_roles else {}),
            "voting": "yes" if m.votes else "no (ToR)" if m.voting else "no",
            "quorum": "yes" if m.counts else "no",
            "representative": m.representative,
            "substitute": m.substitute,
            "office": ", ".join(m.offices),
            "since": m.joined,
        }
        for m in report.members
    ]
    table(
        rows,
        list(rows[0]) if rows else [],
        title=f"Members of {body} on {report.on}",
        empty=f"no members of {body} on {report.on}",
    )
    cited = [(f"{o} ({report.offices[o]})", c) for o, c in report.office_decisions.items()]
    cited += [(m.member, m.decision) for m in report.members if m.decision is not None]
    for what, check in cited:
        say(f"{'' if check.valid else '! '}{what}: {check.describe()}")


@click.command()
@click.argument("body")
@click.option("--from", "first", type=DATE, default=None, help="Meetings on or after.")
@click.option("--to", "last", type=DATE, default=None, help="Meetings on or before.")
@click.option("--known-at", type=MOMENT, default=None, help="Only what was recorded by then.")
@json_option
@pass_session
def meetings(
    session: Session,
    /,
    body: str,
    first: date | None,
    last: date | None,
    known_at: datetime | None,
    as_json: bool,
) -> None:
    """List a body's meetings with their ids and whether each was quorate at the start.

    Example:

    \b
        ledger meetings kcsp-wg --from 2024-01-01
    """
    found = session.ledger.meetings(body, first=first, last=last, known_at=known_at)
    if as_json:
        emit_json(found)
        return
    rows = [
        {
            "id": m.id,
            "date": m.date,
            "status": m.status,
            "public": "yes" if m.public else "",
            "items": m.items,
            "present": m.present,
            "quorate": _yes(m.quorate),
            "minutes approved at": m.minutes_approved_at,
        }
        for m in found
    ]
    table(rows, list(rows[0]) if rows else [], title=f"Meetings of {body}", empty="no meetings")


@click.command()
@click.argument("meeting")
@click.option("--item", default=None, help="An agenda item number (default: the start).")
@click.option("--known-at", type=MOMENT, default=None, help="Only what was recorded by then.")
@json_option
@pass_session
def quorum(
    session: Session, /, meeting: str, item: str | None, known_at: datetime | None, as_json: bool
) -> None:
    """Was a meeting (or one agenda item) quorate under the rules in force that day, and why.

    Example:

    \b
        ledger quorum kcsp-wg-2024-06-13 --item 3
    """
    result = session.ledger.quorum(meeting, item=item, known_at=known_at)
    if as_json:
        emit_json(result)
        return
    where = f"item {item}" if item else "the start"
    verdict = {True: "QUORATE", False: "NOT QUORATE", None: "not evaluated"}[result.quorate]
    say(f"{meeting} ({result.status}) at {where}: {verdict}")
    if result.rule:
        say(f"rule in force on {result.date} (section {result.rule_section}): {result.rule}")
    if result.voting_rule:
        say(f"voting (section {result.voting_section}): {result.voting_rule}")
    if result.note:
        say(result.note)
    for r in result.requirements:
        missing = f" ({r.missing})" if r.missing else ""
        say(f"  [{'x' if r.met else ' '}] {r.requirement}: {r.have} of {r.need} needed{missing}")
    if result.counted:
        say("counted:")
        for c in result.counted:
            voting = "" if c.votes else ", non-voting"
            say(f"  + {c.name} - {c.member} ({c.category}), {c.capacity}{voting}")
    if result.not_counted:
        say("not counted:")
        for n in result.not_counted:
            say(f"  - {n.name}: {n.reason}")


@click.command()
@click.argument("body")
@click.option("--year", type=YEAR, required=True, help="The calendar year (1-9999).")
@click.option("--known-at", type=MOMENT, default=None, help="Only what was recorded by then.")
@json_option
@pass_session
def compliance(
    session: Session, /, body: str, year: int, known_at: datetime | None, as_json: bool
) -> None:
    """Compare the meetings held in a year with the ToR's meeting frequency.

    Example:

    \b
        ledger compliance richmond-csp --year 2008
    """
    report = session.ledger.compliance(body, year, known_at=known_at)
    if as_json:
        emit_json({**vars(report), "compliant": report.compliant})
        return
    say(f"{body} in {year}: {len(report.held)} meeting(s) held")
    if report.note:
        say(report.note)
    rows = [
        {
            "period": c.period,
            "rule": c.rule,
            "held": c.held,
            "required": c.required,
            "met": "yes" if c.met else "NO",
            "section": c.section,
        }
        for c in report.checks
    ]
    if rows:
        table(rows, list(rows[0]))
        say("compliant" if report.compliant else "NOT compliant")


# --- recording ----------------------------------------------------------------------


@click.group()
def member() -> None:
    """Record membership: members join and leave, representatives and substitutes, offices."""


@member.command(name="add")
@click.argument("body")
@click.argument("member_id", metavar="MEMBER")
@click.option("--organisation", default=None, help="The organisation's id.")
@click.option("--category", required=True, help="e.g. responsible-authority, invitee, co-opted.")
@click.option("--non-voting", is_flag=True, help="The member does not vote.")
@click.option(
    "--quorum/--not-quorum",
    "counts_for_quorum",
    default=None,
    help="The member counts towards quorum even if non-voting, or never (default: if it votes).",
)
@click.option(
    "--role",
    "roles",
    multiple=True,
    help="A role the seat holds that a quorum rule may ask for, e.g. elected-member (repeatable).",
)
@click.option("--representative", default=None, help="Person id of the representative.")
@click.option("--name", default=None, help="The representative's name.")
@click.option("--effective", type=DATE, required=True, help="Member from (YYYY-MM-DD).")
@authority_options
@json_option
@pass_session
def member_add(
    session: Session,
    /,
    body: str,
    member_id: str,
    organisation: str | None,
    category: str,
    non_voting: bool,
    counts_for_quorum: bool | None,
    roles: tuple[str, ...],
    representative: str | None,
    name: str | None,
    effective: date,
    as_json: bool,
    **authority: str | None,
) -> None:
    """Add a member (an organisation's seat, or an individual) to a body.

    Example:

    \b
        ledger member add kcsp-wg kent-police --organisation kent-police \\
            --category responsible-authority --effective 2023-07-12
        ledger member add sg cllr-able --category co-opted --role elected-member \\
            --effective 2024-05-01
    """
    from ledger.domain.membership import AddMember

    command = AddMember(
        body=body,
        member=member_id,
        organisation=organisation,
        category=category,
        voting=not non_voting,
        counts_for_quorum=counts_for_quorum,
        roles=list(roles),
        representative=representative,
        representative_name=name,
        effective=effective,
        authority=authority_from(**authority),
    )
    report_receipt(session.ledger.execute([command]), as_json)


@member.command(name="end")
@click.argument("body")
@click.argument("member_id", metavar="MEMBER")
@click.option("--effective", type=DATE, required=True, help="Left from (YYYY-MM-DD).")
@authority_options
@json_option
@pass_session
def member_end(
    session: Session,
    /,
    body: str,
    member_id: str,
    effective: date,
    as_json: bool,
    **authority: str | None,
) -> None:
    """End a membership from a date.

    Example:

    \b
        ledger member end kcsp kent-opcc --effective 2026-03-31
    """
    from ledger.domain.membership import EndMember

    command = EndMember(
        body=body, member=member_id, effective=effective, authority=authority_from(**authority)
    )
    report_receipt(session.ledger.execute([command]), as_json)


def _person_command(kind: str):  # type: ignore[no-untyped-def]
    @click.argument("body")
    @click.argument("member_id", metavar="MEMBER")
    @click.argument("person")
    @click.option("--name", required=True, help="The person's name.")
    @click.option("--role", default=None, help="Their job title or role.")
    @click.option("--effective", type=DATE, required=True, help="From (YYYY-MM-DD).")
    @authority_options
    @json_option
    @pass_session
    def command(
        session: Session,
        /,
        body: str,
        member_id: str,
        person: str,
        name: str,
        role: str | None,
        effective: date,
        as_json: bool,
        **authority: str | None,
    ) -> None:
        from ledger.domain.membership import AppointRepresentative, NameSubstitute

        cls = AppointRepresentative if kind == "representative" else NameSubstitute
        cmd = cls(
            body=body,
            member=member_id,
            person=person,
            name=name,
            role=role,
            effective=effective,
            authority=authority_from(**authority),
        )
        report_receipt(session.ledger.execute([cmd]), as_json)

    return command


member.command(
    name="represent",
    help="Appoint the person who represents a member (replacing any earlier one).\n\n"
    "Example:\n\n\b\n    ledger member represent richmond-csp lfb d-commander "
    '--name "Divisional Commander" --effective 2008-03-01',
)(_person_command("representative"))
member.command(
    name="substitute",
    help="Name a member's substitute (one per member; replacing any earlier one).\n\n"
    "Example:\n\n\b\n    ledger member substitute richmond-csp lfb s-officer "
    '--name "Station Officer" --effective 2008-05-20',
)(_person_command("substitute"))


@member.command(name="elect")
@click.argument("body")
@click.argument("office")
@click.argument("person")
@click.option("--name", required=True, help="The person's name.")
@click.option("--until", "term_end", type=DATE, default=None, help="Last day of the term.")
@click.option("--effective", type=DATE, required=True, help="Elected from (YYYY-MM-DD).")
@authority_options
@json_option
@pass_session
def member_elect(
    session: Session,
    /,
    body: str,
    office: str,
    person: str,
    name: str,
    term_end: date | None,
    effective: date,
    as_json: bool,
    **authority: str | None,
) -> None:
    """Elect a chair, vice-chair or other office holder for a term.

    Example:

    \b
        ledger member elect richmond-csp chair lbrut-cabinet \\
            --name "Cabinet Member for Communities, LBRuT" --effective 2009-05-19
    """
    from ledger.domain.membership import ElectOfficeHolder

    command = ElectOfficeHolder(
        body=body,
        office=office,
        person=person,
        name=name,
        term_end=term_end,
        effective=effective,
        authority=authority_from(**authority),
    )
    report_receipt(session.ledger.execute([command]), as_json)


COMMANDS = [members, meetings, quorum, compliance, member]
