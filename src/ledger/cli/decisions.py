"""``ledger motion`` (record motions and how they were decided), ``ledger decision`` (was
it validly made, and why) and ``ledger decisions`` (a body's decisions, valid or not)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import click

from ledger.cli.options import json_option
from ledger.cli.params import DATE, MOMENT
from ledger.cli.render import emit_json, report_receipt, say, table
from ledger.cli.session import Session, pass_session

REQUIRES = ["simple-majority", "two-thirds", "unanimous", "consensus"]


@click.group()
def motion() -> None:
    """Record motions at agenda items and how each was decided."""


def _requirement(requires: str | None, of: str | None) -> dict[str, Any] | None:
    if requires is None:
        if of is not None:
            raise click.BadParameter("--of goes with --requires", param_hint="--of")
        return None
    rule: dict[str, Any] = {"method": requires}
    if "/" in requires:
        top, _, bottom = requires.partition("/")
        if not (top.isdigit() and bottom.isdigit()):
            raise click.BadParameter(
                f"'{requires}' is not a fraction such as 2/3", param_hint="--requires"
            )
        rule = {"method": "fraction", "numerator": int(top), "denominator": int(bottom)}
    if of is not None:
        rule["of"] = of
    return rule


@motion.command()
@click.argument("motion_id", metavar="MOTION")
@click.option("--meeting", required=True, help="The meeting id.")
@click.option("--item", required=True, help="The agenda item number.")
@click.option("--text", required=True, help="The motion as moved.")
@click.option("--mover", required=True, help="Who moved it (a person id).")
@click.option("--seconder", default=None, help="Who seconded it.")
@click.option("--amends", default=None, help="The motion this amendment amends.")
@click.option("--key-decision", is_flag=True, help="A key decision.")
@click.option(
    "--requires",
    default=None,
    help=f"The majority needed, if not the ToR's: {', '.join(REQUIRES)}, or a fraction N/D.",
)
@click.option(
    "--of",
    type=click.Choice(["present-and-voting", "membership"]),
    default=None,
    help="What the majority is of (default: those present and voting).",
)
@click.option("--election", "office", default=None, help="An election to this office, e.g. chair.")
@click.option(
    "--candidate", "candidates", multiple=True, help="A candidate nominated (with --election)."
)
@click.option("--term-end", type=DATE, default=None, help="Last day of the elected term.")
@json_option
@pass_session
def propose(
    session: Session,
    /,
    motion_id: str,
    meeting: str,
    item: str,
    text: str,
    mover: str,
    seconder: str | None,
    amends: str | None,
    key_decision: bool,
    requires: str | None,
    of: str | None,
    office: str | None,
    candidates: tuple[str, ...],
    term_end: date | None,
    as_json: bool,
) -> None:
    """Record a motion moved (and seconded) at an agenda item, or an election.

    Example:

    \b
        ledger motion propose wg-2024-03-14-5a --meeting wg-2024-03-14 --item 5 \\
            --text "To fund the bid" --mover k-jones --seconder h-green --requires 2/3
        ledger motion propose rcsp-2008-05-20-1a --meeting richmond-csp-2008-05-20 --item 1 \
            --text "Election of Chair" --mover mps-borough-commander \
            --election chair --candidate lbrut-cabinet-member --term-end 2009-05-31
    """
    from ledger.domain.decision import ProposeMotion

    if (office is None) != (not candidates):
        raise click.UsageError("--election and --candidate go together")
    if term_end is not None and office is None:
        raise click.UsageError("--term-end goes with --election")
    election = (
        {"office": office, "candidates": list(candidates), "term_end": term_end}
        if office is not None
        else None
    )

    command = ProposeMotion.model_validate(
        {
            "motion": motion_id,
            "meeting": meeting,
            "item": item,
            "text": text,
            "mover": mover,
            "seconder": seconder,
            "amends": amends,
            "key_decision": key_decision,
            "requirement": _requirement(requires, of),
            "election": election,
        }
    )
    report_receipt(session.ledger.execute([command]), as_json)


def _pair(value: str, option: str) -> tuple[str, str]:
    person, sep, choice = value.partition("=")
    if not sep or not person or not choice:
        raise click.BadParameter(f"'{value}' is not PERSON=OPTION", param_hint=option)
    return person, choice


@motion.command()
@click.argument("motion_id", metavar="MOTION")
@click.argument(
    "outcome",
    type=click.Choice(["carried", "lost", "agreed", "noted", "deferred", "withdrawn"]),
)
@click.option(
    "--by",
    "method",
    type=click.Choice(["consensus", "show-of-hands", "recorded-vote", "ballot", "chair-decision"]),
    default=None,
    help="How it was decided.",
)
@click.option("--yes", type=click.IntRange(0, 100_000), default=None, help="Votes for.")
@click.option("--no", type=click.IntRange(0, 100_000), default=None, help="Votes against.")
@click.option("--abstain", type=click.IntRange(0, 100_000), default=None, help="Abstentions.")
@click.option(
    "--vote",
    "votes",
    multiple=True,
    help=(
        "PERSON=yes|no|abstain|absent|not-voting[@SEAT], once per person (recorded vote); "
        "in a contested election PERSON=yes:CANDIDATE."
    ),
)
@click.option("--elected", default=None, help="In an election: who was elected.")
@click.option(
    "--tally",
    "tallies",
    multiple=True,
    help="CANDIDATE=VOTES: a candidate's votes in a contested election (show of hands, ballot).",
)
@click.option("--published", type=DATE, default=None, help="When the decision was published.")
@click.option("--casting", default=None, help="PERSON=yes|no: a casting vote on a tie.")
@click.option("--presiding", default=None, help="Who was in the chair.")
@click.option("--resolution", default=None, help="The resolution's text.")
@click.option("--takes-effect", type=DATE, default=None, help="When the decision takes effect.")
@click.option("--reasons", default=None, help="The reasons for the decision.")
@click.option("--alternatives", default=None, help="Alternatives considered.")
@click.option("--interests", default=None, help="Interests declared, as minuted.")
@click.option("--dispensation", "dispensations", multiple=True, help="A person granted one.")
@json_option
@pass_session
def decide(
    session: Session,
    /,
    motion_id: str,
    outcome: str,
    method: str | None,
    yes: int | None,
    no: int | None,
    abstain: int | None,
    votes: tuple[str, ...],
    casting: str | None,
    presiding: str | None,
    resolution: str | None,
    takes_effect: date | None,
    reasons: str | None,
    alternatives: str | None,
    interests: str | None,
    dispensations: tuple[str, ...],
    elected: str | None,
    tallies: tuple[str, ...],
    published: date | None,
    as_json: bool,
) -> None:
    """Record how a motion was decided, and its outcome (once: correct it to change it).

    Example:

    \b
        ledger motion decide wg-2024-03-14-5a carried --by show-of-hands \\
            --yes 3 --no 1 --resolution "The bid is funded from the Fund."
        ledger motion decide rcsp-2008-05-20-1a carried --by ballot \
            --tally lbrut-cabinet-member=6 --tally mps-borough-commander=2 \
            --elected lbrut-cabinet-member
    """
    from ledger.domain.decision import DecideMotion

    counts = None
    if yes is not None or no is not None or abstain is not None:
        counts = {"yes": yes or 0, "no": no or 0, "abstain": abstain or 0}
    listed = []
    for value in votes:
        person, choice = _pair(value, "--vote")
        option, _, seat = choice.partition("@")
        option, _, candidate = option.partition(":")
        listed.append(
            {
                "person": person,
                "option": option.replace("-", " "),
                "seat": seat or None,
                "candidate": candidate or None,
            }
        )
    counted = []
    for value in tallies:
        candidate, number = _pair(value, "--tally")
        if not number.isdigit():
            raise click.BadParameter(f"'{value}' is not CANDIDATE=VOTES", param_hint="--tally")
        counted.append({"candidate": candidate, "votes": int(number)})
    cast = None
    if casting is not None:
        person, choice = _pair(casting, "--casting")
        cast = {"person": person, "option": choice}
    command = DecideMotion.model_validate(
        {
            "motion": motion_id,
            "outcome": outcome,
            "method": method,
            "counts": counts,
            "votes": listed,
            "casting": cast,
            "presiding": presiding,
            "resolution": resolution,
            "takes_effect": takes_effect,
            "reasons": reasons,
            "alternatives": alternatives,
            "interests": interests,
            "dispensations": list(dispensations),
            "elected": elected,
            "tallies": counted,
            "published": published,
        }
    )
    report_receipt(session.ledger.execute([command]), as_json)


@click.command()
@click.argument("motion_id", metavar="ID")
@click.option("--known-at", type=MOMENT, default=None, help="Only what was recorded by then.")
@json_option
@pass_session
def decision(session: Session, /, motion_id: str, known_at: datetime | None, as_json: bool) -> None:
    """Was a decision validly made under the rules in force that day, and why.

    Example:

    \b
        ledger decision wg-2024-03-14-5a --known-at 2024-04-01
    """
    report = session.ledger.decision(motion_id, known_at=known_at)
    if as_json:
        emit_json(report)
        return
    verdict = "VALID" if report.valid else "NOT VALIDLY MADE"
    outcome = report.outcome or "no outcome recorded"
    how = f" by {report.method}" if report.method else ""
    say(f"{report.motion} ({outcome}{how}): {verdict}")
    say(f"at {report.meeting} ({report.date}) item {report.item}: {report.item_title}")
    say(f"motion: {report.text}")
    seconded = f", seconded by {report.seconder}" if report.seconder else ""
    say(f"moved by {report.mover}{seconded}")
    if report.amends:
        say(f"amends {report.amends}")
    if report.election is not None:
        say(
            f"election of {report.election['office']}: candidates "
            + ", ".join(report.election["candidates"])
        )
        if report.tallies:
            say("votes: " + ", ".join(f"{c} {n}" for c, n in report.tallies.items()))
        if report.elected:
            say(f"elected: {report.elected}")
    source = {"motion": "stated on the motion", "common-law": "the common-law default"}
    where = source.get(report.requirement_source, f"section {report.requirement_source}")
    say(f"requirement ({where}): {report.requirement}")
    if report.arithmetic:
        say(f"counted: {report.arithmetic}")
    if report.resolution:
        say(f"resolved: {report.resolution}")
    if report.takes_effect:
        say(f"takes effect: {report.takes_effect}")
    if report.published:
        say(f"published: {report.published}")
    for line in report.authorised:
        say(f"authorised {line}")
    for finding in report.findings:
        people = f" [{', '.join(finding.people)}]" if finding.people else ""
        say(f"  x {finding.check} (rule: {finding.rule}){people}: {finding.message}")


@click.command()
@click.argument("body", required=False)
@click.option("--from", "first", type=DATE, default=None, help="From this meeting date.")
@click.option("--to", "last", type=DATE, default=None, help="Up to this meeting date.")
@click.option("--known-at", type=MOMENT, default=None, help="Only what was recorded by then.")
@click.option("--invalid", is_flag=True, help="Only decisions not validly made.")
@click.option(
    "--pending",
    is_flag=True,
    help="The forward plan: decisions taking effect later or still open to call-in.",
)
@click.option(
    "--on",
    "on",
    type=DATE,
    default=None,
    help="With --pending: pending on this date (default: today).",
)
@json_option
@pass_session
def decisions(
    session: Session,
    /,
    body: str | None,
    first: date | None,
    last: date | None,
    known_at: datetime | None,
    invalid: bool,
    pending: bool,
    on: date | None,
    as_json: bool,
) -> None:
    """Decisions (of one body, or all), each with its outcome and whether validly made;
    with --pending, the forward plan of those not yet in effect or open to call-in.

    Example:

    \b
        ledger decisions wg --from 2024-01-01 --to 2024-12-31 --invalid
        ledger decisions wg --pending --on 2024-12-23
    """
    if pending:
        given = [o for o, v in (("--from", first), ("--to", last), ("--invalid", invalid)) if v]
        if given:
            raise click.UsageError(f"--pending does not go with {', '.join(given)}")
        _forward_plan(session, body, on, known_at, as_json)
        return
    if on is not None:
        raise click.UsageError("--on goes with --pending (for a list, use --from and --to)")
    found = session.ledger.decisions(body, first, last, known_at=known_at, invalid_only=invalid)
    if as_json:
        emit_json(found)
        return
    rows = [
        {
            "motion": d.motion,
            **({} if body else {"body": d.body}),
            "date": d.date,
            "item": d.item,
            "outcome": d.outcome or "",
            "method": d.method or "",
            "valid": (
                "pending"
                if d.outcome is None
                else "valid"
                if d.valid
                else f"INVALID ({len(d.findings)})"
            ),
            "what": d.text,
        }
        for d in found
    ]
    table(rows, list(rows[0]) if rows else [], title="Decisions", empty="no decisions")


def _forward_plan(
    session: Session, body: str | None, on: date | None, known_at: datetime | None, as_json: bool
) -> None:
    plan = session.ledger.forward_plan(body, on, known_at=known_at)
    if as_json:
        emit_json(plan)
        return
    rows = [
        {
            "motion": d.motion,
            "date": d.date,
            "item": d.item,
            "outcome": d.outcome,
            "takes_effect": d.takes_effect or "",
            "call_in_ends": "awaiting publication"
            if d.awaiting_publication
            else d.call_in_ends or "",
            "why": d.why,
            "valid": "valid" if d.valid else f"INVALID ({len(d.findings)})",
        }
        for d in plan
    ]
    title = f"Forward plan on {on.isoformat()}" if on else "Forward plan"
    table(rows, list(rows[0]) if rows else [], title=title, empty="no decisions pending")


COMMANDS = [motion, decision, decisions]
