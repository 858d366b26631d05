"""``ledger meeting``: record a meeting as a clerk does, item by item."""

from __future__ import annotations

from datetime import date, datetime

import click

from ledger.cli.options import authority_from, authority_options, json_option
from ledger.cli.params import DATE, MOMENT
from ledger.cli.render import emit_json, report_receipt, say, table
from ledger.cli.session import Session, pass_session


@click.group()
def meeting() -> None:
    """Record meetings: schedule, agenda, attendance, interests, outcome, minutes; and
    show one as recorded."""


VERDICT = {True: "QUORATE", False: "NOT QUORATE", None: "not evaluated"}


@meeting.command()
@click.argument("meeting_id", metavar="MEETING")
@click.option("--known-at", type=MOMENT, default=None, help="Only what was recorded by then.")
@json_option
@pass_session
def show(session: Session, /, meeting_id: str, known_at: datetime | None, as_json: bool) -> None:
    """Show a meeting as recorded: its agenda, who attended (and for which items), the
    interests declared, and whether it was quorate at the start and at each item.

    Example:

    \b
        ledger meeting show kcsp-wg-2024-09-12
    """
    report = session.ledger.meeting(meeting_id, known_at=known_at)
    if as_json:
        emit_json(report)
        return
    title = f": {report.title}" if report.title else ""
    say(f"{report.meeting}{title} ({report.body}, {report.date}, {report.status})")
    if report.reason:
        say(f"reason: {report.reason}")
    if report.minutes_approved_at:
        say(f"minutes approved at {report.minutes_approved_at}")
    say(f"at the start: {VERDICT[report.quorum.quorate]}")
    for line in report.quorum.requirements:
        if not line.met:
            say(f"  [ ] {line.requirement}: {line.have} of {line.need} ({line.missing})")
    items = [
        {
            "item": i.item,
            "title": i.title,
            "classification": i.classification,
            "quorate": VERDICT[i.quorum.quorate],
        }
        for i in report.items
    ]
    table(items, ["item", "title", "classification", "quorate"], title="Agenda", empty="no items")
    rows = [
        {
            "person": a.person,
            "name": a.name,
            "status": a.status,
            "member": a.member or "",
            "for": a.substitute_for or "",
            "from_item": a.from_item or "",
            "to_item": a.to_item or "",
        }
        for a in report.attendance
    ]
    table(rows, list(rows[0]) if rows else [], title="Attendance", empty="no attendance recorded")
    for i in report.interests:
        withdrew = ", withdrew" if i.withdrew else ""
        say(f"interest: {i.person} at item {i.item}: {i.interest}{withdrew}")


@meeting.command()
@click.argument("body")
@click.option("--date", "day", type=DATE, required=True, help="The meeting's date.")
@click.option("--title", default=None, help="e.g. 'Annual meeting'.")
@click.option("--public", is_flag=True, help="Held in public.")
@authority_options
@json_option
@pass_session
def schedule(
    session: Session,
    /,
    body: str,
    day: date,
    title: str | None,
    public: bool,
    as_json: bool,
    **authority: str | None,
) -> None:
    """Schedule a meeting; its id is BODY-YYYY-MM-DD.

    Example:

    \b
        ledger meeting schedule kcsp-wg --date 2025-03-13
    """
    from ledger.domain.meeting import ScheduleMeeting

    command = ScheduleMeeting(
        body=body, effective=day, title=title, public=public, authority=authority_from(**authority)
    )
    report_receipt(session.ledger.execute([command]), as_json)
    say(f"meeting id: {command.meeting}")


@meeting.command()
@click.argument("meeting_id", metavar="MEETING")
@click.argument("outcome", type=click.Choice(["held", "cancelled", "dissolved"]))
@click.option("--reason", default=None, help="Why it was cancelled or dissolved.")
@json_option
@pass_session
def outcome(
    session: Session, /, meeting_id: str, outcome: str, reason: str | None, as_json: bool
) -> None:
    """Record that a meeting was held, cancelled, or dissolved for want of a quorum.

    Example:

    \b
        ledger meeting outcome kcsp-wg-2024-09-12 held
    """
    from ledger.domain.meeting import MeetingOutcome

    command = MeetingOutcome.model_validate(
        {"meeting": meeting_id, "outcome": outcome, "reason": reason}
    )
    report_receipt(session.ledger.execute([command]), as_json)


@meeting.command()
@click.argument("meeting_id", metavar="MEETING")
@click.argument("number")
@click.argument("title")
@click.option("--paper", default=None, help="The paper considered.")
@click.option(
    "--classification",
    default="for-information",
    type=click.Choice(["for-decision", "for-information", "for-noting", "for-discussion"]),
    help="As on the agenda.",
)
@click.option("--financial", is_flag=True, help="A decision about money.")
@json_option
@pass_session
def item(
    session: Session,
    /,
    meeting_id: str,
    number: str,
    title: str,
    paper: str | None,
    classification: str,
    financial: bool,
    as_json: bool,
) -> None:
    """Add an agenda item.

    Example:

    \b
        ledger meeting item kcsp-wg-2025-03-13 4 "Community Safety Fund allocations" \\
            --classification for-decision
    """
    from ledger.domain.meeting import AddAgendaItem, Classification

    command = AddAgendaItem(
        meeting=meeting_id,
        item=number,
        title=title,
        paper=paper,
        classification=Classification(classification),
        financial=financial,
    )
    report_receipt(session.ledger.execute([command]), as_json)


@meeting.command()
@click.argument("meeting_id", metavar="MEETING")
@click.argument("person")
@click.argument(
    "status",
    type=click.Choice(["present", "substitute", "in-attendance", "apologies", "absent", "unknown"]),
)
@click.option("--name", required=True, help="The person's name.")
@click.option("--member", default=None, help="The seat they sit in (default: theirs).")
@click.option(
    "--for", "substitute_for", default=None, help="The member a substitute stands in for."
)
@click.option("--from-item", default=None, help="Arrived for this item.")
@click.option("--to-item", default=None, help="Left after this item.")
@authority_options
@json_option
@pass_session
def attend(
    session: Session,
    /,
    meeting_id: str,
    person: str,
    status: str,
    name: str,
    member: str | None,
    substitute_for: str | None,
    from_item: str | None,
    to_item: str | None,
    as_json: bool,
    **authority: str | None,
) -> None:
    """Record (or correct) one person's attendance at a meeting.

    Example:

    \b
        ledger meeting attend kcsp-wg-2024-09-12 s-brinson substitute \\
            --for kcc-community-safety --name "Ms S Brinson"
    """
    from ledger.domain.meeting import RecordAttendance, Status

    command = RecordAttendance(
        meeting=meeting_id,
        person=person,
        name=name,
        status=Status(status),
        member=member,
        substitute_for=substitute_for,
        from_item=from_item,
        to_item=to_item,
        authority=authority_from(**authority),
    )
    report_receipt(session.ledger.execute([command]), as_json)


@meeting.command()
@click.argument("meeting_id", metavar="MEETING")
@click.argument("person")
@click.argument("number")
@click.option("--interest", required=True, help="The interest declared.")
@click.option("--withdrew", is_flag=True, help="They withdrew from the item.")
@json_option
@pass_session
def interest(
    session: Session,
    /,
    meeting_id: str,
    person: str,
    number: str,
    interest: str,
    withdrew: bool,
    as_json: bool,
) -> None:
    """Record a declaration of interest in an agenda item.

    Example:

    \b
        ledger meeting interest kcsp-wg-2024-06-13 s-peerbux 3 --interest "trustee" --withdrew
    """
    from ledger.domain.meeting import DeclareInterest

    command = DeclareInterest(
        meeting=meeting_id, person=person, item=number, interest=interest, withdrew=withdrew
    )
    report_receipt(session.ledger.execute([command]), as_json)


@meeting.command(name="approve-minutes")
@click.argument("meeting_id", metavar="MEETING")
@click.option("--at", "approved_at", required=True, help="The meeting that approved them.")
@json_option
@pass_session
def approve_minutes(session: Session, /, meeting_id: str, approved_at: str, as_json: bool) -> None:
    """Record that a meeting's minutes were approved at a later meeting.

    Example:

    \b
        ledger meeting approve-minutes kcsp-wg-2024-09-12 --at kcsp-wg-2024-12-12
    """
    from ledger.domain.meeting import ApproveMinutes

    command = ApproveMinutes(meeting=meeting_id, approved_at=approved_at)
    report_receipt(session.ledger.execute([command]), as_json)


COMMANDS = [meeting]
