"""``ledger fund ...`` (record a fund's money), ``ledger funds`` (the funds and their
totals), ``ledger budget`` (the position on a date, or over time) and ``ledger
allocations`` (each allocation's balance, and the decisions behind it)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import click

from ledger.cli.options import authority_from, authority_options, json_option
from ledger.cli.params import DATE, MOMENT, MONEY
from ledger.cli.render import emit_json, report_receipt, say, table
from ledger.cli.session import Session, pass_session

effective_option = click.option(
    "--effective", type=DATE, required=True, help="When it took effect (YYYY-MM-DD)."
)
year_option = click.option("--year", required=True, help="The financial year, e.g. 2024/25.")
amount_option = click.option(
    "--amount", type=MONEY, required=True, help="The amount, e.g. 39661, 39,661 or £39,661.00."
)
allocation_argument = click.argument("allocation")
AUTHORITY = ("meeting", "item", "paper", "note", "decision")


@click.group()
def fund() -> None:
    """Record a fund's money: income, allocations, spend, returns and carry-forward."""


def _records(
    entry_type: str, *options: Callable[[Any], Any], name: str | None = None
) -> Callable[[Callable[..., dict[str, Any]]], click.Command]:
    """A ``ledger fund`` command that records one ``entry_type`` entry: FUND, the given
    arguments and options, --effective, the authority options and --json.  The
    function it decorates gives the help and turns the options into the entry's fields."""

    def make(fields_of: Callable[..., dict[str, Any]]) -> click.Command:
        @functools.wraps(fields_of)
        def command(
            session: Session, /, fund_id: str, effective: date, as_json: bool, **given: Any
        ) -> None:
            from ledger.domain.entries import COMMAND_ADAPTER

            authority = authority_from(**{k: given.pop(k) for k in AUTHORITY})
            entry = {"type": entry_type, "fund": fund_id, "effective": effective}
            entry |= {"authority": authority, **fields_of(**given)}
            command = {k: v for k, v in entry.items() if v is not None}
            report_receipt(
                session.ledger.execute([COMMAND_ADAPTER.validate_python(command)]), as_json
            )

        wrapped: Any = pass_session(command)
        for option in reversed([*options, effective_option, authority_options, json_option]):
            wrapped = option(wrapped)
        wrapped = click.argument("fund_id", metavar="FUND")(wrapped)
        made: click.Command = fund.command(name=name or fields_of.__name__.replace("_", "-"))(
            wrapped
        )
        return made

    return make


@_records(
    "create-fund",
    click.option("--name", required=True, help="The fund's name."),
    click.option("--body", required=True, help="The body that manages it, e.g. kcsp-wg."),
    click.option(
        "--funder", "funders", multiple=True, required=True, help="Who funds it (repeat)."
    ),
    click.option("--reference", default=None, help="E.g. the grant offer letter."),
    click.option(
        "--year-starts",
        type=click.IntRange(1, 12),
        default=4,
        show_default=True,
        help="The month its financial year starts (4: April to March).",
    ),
    click.option("--carry-forward", is_flag=True, help="The funder allows carry-forward."),
    click.option(
        "--grant-maker",
        default=None,
        help="The organisation that makes its grants, e.g. kcc (default: the body).",
    ),
)
def create(funders: tuple[str, ...], **given: Any) -> dict[str, Any]:
    """Create a fund managed by a body, in GBP.

    Example:

    \b
        ledger fund create kcsp-csf --name "Kent Community Safety Fund" --body kcsp-wg \\
            --funder "Kent Police and Crime Commissioner" --effective 2024-04-01
    """
    return {**given, "funders": list(funders)}


@_records(
    "receive-income",
    year_option,
    amount_option,
    click.option("--source", required=True, help="Who it came from."),
    click.option("--reference", default=None, help="E.g. the grant offer letter."),
)
def receive(**given: Any) -> dict[str, Any]:
    """Record income received for a financial year.

    Example:

    \b
        ledger fund receive kcsp-csf --year 2024/25 --amount £39,661.00 \\
            --source "Kent PCC" --effective 2024-04-01
    """
    return given


@_records(
    "reduce-income",
    year_option,
    amount_option,
    click.option("--reason", required=True, help="Why it was reduced."),
    click.option("--clawback", is_flag=True, help="The funder clawed it back."),
)
def reduce(**given: Any) -> dict[str, Any]:
    """Record income reduced, or clawed back, for a financial year.

    Example:

    \b
        ledger fund reduce kcsp-csf --year 2024/25 --amount 2,000 \\
            --reason "grant reduced in year" --effective 2024-10-01
    """
    return given


@_records(
    "allocate-funds",
    allocation_argument,
    year_option,
    click.option("--recipient", required=True, help="The organisation that receives it."),
    click.option("--title", required=True, help="The project's title."),
    amount_option,
    click.option(
        "--recipient-organisation",
        default=None,
        help="The registered organisation that receives it, e.g. kent-police.",
    ),
)
def allocate(**given: Any) -> dict[str, Any]:
    """Allocate money to a project, on the authority of a decision (--decision).

    Example:

    \b
        ledger fund allocate kcsp-csf kcsp-csf-2024-01 --year 2024/25 \\
            --recipient "Kent Police" --recipient-organisation kent-police \\
            --title "Op Liberty" --amount 12,500 \\
            --effective 2024-06-13 --decision kcsp-wg-2024-06-13-3a
    """
    return given


@_records(
    "vary-allocation",
    allocation_argument,
    click.option("--amount", type=MONEY, required=True, help="The allocation's new amount."),
    click.option("--reason", default=None, help="Why it was varied."),
)
def vary(**given: Any) -> dict[str, Any]:
    """Vary an allocation up or down to a new amount, on the authority of a decision.

    Example:

    \b
        ledger fund vary kcsp-csf kcsp-csf-2024-01 --amount 10,000 \\
            --effective 2024-12-12 --decision kcsp-wg-2024-12-12-4a
    """
    return given


@_records(
    "withdraw-allocation",
    allocation_argument,
    click.option("--reason", default=None, help="Why it was withdrawn."),
)
def withdraw(**given: Any) -> dict[str, Any]:
    """Withdraw an allocation: what is unspent goes back to the year's available money.

    Example:

    \b
        ledger fund withdraw kcsp-csf kcsp-csf-2024-02 --reason "project cancelled" \\
            --effective 2024-09-30
    """
    return given


@_records(
    "record-spend",
    allocation_argument,
    amount_option,
    click.option("--claim", is_flag=True, help="A claim, not a payment."),
    click.option("--reference", default=None, help="E.g. the invoice or claim."),
)
def spend(claim: bool, **given: Any) -> dict[str, Any]:
    """Record a payment (or a claim) against an allocation.

    Example:

    \b
        ledger fund spend kcsp-csf kcsp-csf-2024-01 --amount 6,250 \\
            --reference "INV-0042" --effective 2024-09-30
    """
    return {**given, "kind": "claim" if claim else "payment"}


@_records(
    "return-underspend",
    year_option,
    amount_option,
    click.option("--reason", default=None, help="Why it is returned."),
    name="return",
)
def return_underspend(**given: Any) -> dict[str, Any]:
    """Return a year's underspend to the funder.

    Example:

    \b
        ledger fund return kcsp-csf --year 2024/25 --amount 1,840.50 --effective 2025-04-30
    """
    return given


@_records(
    "vire-funds",
    click.option("--from", "from_allocation", required=True, help="The allocation it leaves."),
    click.option("--to", "to_allocation", required=True, help="The allocation it goes to."),
    amount_option,
)
def vire(**given: Any) -> dict[str, Any]:
    """Move money from one allocation to another (a virement), on a decision's authority.

    Example:

    \b
        ledger fund vire kcsp-csf --from kcsp-csf-2024-01 --to kcsp-csf-2024-03 \\
            --amount 2,500 --effective 2024-12-12 --decision kcsp-wg-2024-12-12-4b
    """
    return given


@_records(
    "carry-forward",
    click.option("--year", required=True, help="The year the money leaves, e.g. 2024/25."),
    amount_option,
)
def carry_forward(**given: Any) -> dict[str, Any]:
    """Carry a year's unallocated money into the next, where the funder allows it.

    Example:

    \b
        ledger fund carry-forward kcsp-csf --year 2024/25 --amount 1,840.50 \\
            --effective 2025-03-31
    """
    return given


# --- reading ------------------------------------------------------------------------

MONEY_COLUMNS = ["received", "reduced", "allocated", "spent", "returned"]


def _money_row(label: str, year: Any) -> dict[str, Any]:
    row = {"year": label, **{m: getattr(year, m).text for m in MONEY_COLUMNS}}
    row["carried_in"] = year.carried_in.text
    row["carried_forward"] = year.carried_forward.text
    row["available"] = year.available.text
    return row


def _authority(a: Any) -> str:
    return ", ".join(c.decision + ("" if c.valid else " (NOT GOOD)") for c in a.decisions)


@click.command()
@click.argument("body", required=False)
@click.option("--on", "on", type=DATE, default=None, help="Totals on this date (default: today).")
@click.option("--known-at", type=MOMENT, default=None, help="Only what was recorded by then.")
@json_option
@pass_session
def funds(
    session: Session, /, body: str | None, on: date | None, known_at: datetime | None, as_json: bool
) -> None:
    """The funds (of one managing body, or all), each with its totals on a date.

    Example:

    \b
        ledger funds kcsp-wg --on 2025-03-31
    """
    found = session.ledger.funds(body, on, known_at=known_at)
    if as_json:
        emit_json(found)
        return
    rows = [
        {
            "fund": f.fund.fund,
            "name": f.fund.name,
            "body": f.fund.body,
            "funders": "; ".join(f.fund.funders),
            "received": f.total.received.text,
            "allocated": f.total.allocated.text,
            "spent": f.total.spent.text,
            "available": f.total.available.text,
        }
        for f in found
    ]
    title = f"Funds on {found[0].on}" if found else None
    table(rows, list(rows[0]) if rows else [], title=title, empty="no funds")


@click.command()
@click.argument("fund_id", metavar="FUND")
@click.option("--on", "on", type=DATE, default=None, help="The date (default: today).")
@click.option("--known-at", type=MOMENT, default=None, help="Only what was recorded by then.")
@click.option("--year", default=None, help="One financial year only, e.g. 2024/25.")
@click.option("--from", "first", type=DATE, default=None, help="Over time: from this date.")
@click.option("--to", "last", type=DATE, default=None, help="Over time: to this date.")
@click.option(
    "--every",
    type=click.Choice(["day", "week", "month", "quarter"]),
    default=None,
    help="Over time: a position every day, week, month (the default) or quarter.",
)
@json_option
@pass_session
def budget(
    session: Session,
    /,
    fund_id: str,
    on: date | None,
    known_at: datetime | None,
    year: str | None,
    first: date | None,
    last: date | None,
    every: str | None,
    as_json: bool,
) -> None:
    """The budget position of a fund on a date: received, allocated, spent, returned,
    carried forward and available, per financial year and in total, with each
    allocation's balance; with --from and --to, the position over time.

    Example:

    \b
        ledger budget kcsp-csf --on 2024-11-30 --year 2024/25
        ledger budget kcsp-csf --from 2024-04-01 --to 2025-03-31 --every month
    """
    if first is not None or last is not None or every is not None:
        if on is not None:
            raise click.UsageError("--on does not go with --from, --to and --every")
        if first is None or last is None:
            raise click.UsageError("--from and --to go together")
        _series(session, fund_id, first, last, every or "month", known_at, year, as_json)
        return
    report = session.ledger.budget(fund_id, on or date.today(), known_at=known_at, year=year)
    if as_json:
        emit_json(report)
        return
    f = report.fund
    say(f"{f.fund}: {f.name}, managed by {f.body}; funded by {'; '.join(f.funders)}")
    rules = "carry-forward allowed" if f.carry_forward else "no carry-forward"
    say(f"{f.currency}; years run {f.years_run}; {rules}")
    if f.reference:
        say(f"reference: {f.reference}")
    known = f", as known at {known_at.isoformat()}" if known_at else ""
    rows = [_money_row(y.year, y) for y in report.years]
    if len(report.years) != 1:
        rows.append(_money_row(report.total.year, report.total))
    if rows:
        table(rows, list(rows[0]), title=f"Budget on {report.on}{known}")
    else:
        say(f"nothing recorded in {f.fund} by {report.on}{known}")
    allocations = [
        {
            "allocation": a.allocation,
            "year": a.year,
            "recipient": a.recipient,
            "title": a.title,
            "awarded": a.awarded.text,
            "spent": a.spent.text,
            "balance": a.balance.text,
            "decision": _authority(a),
        }
        for a in report.allocations
    ]
    if allocations:
        table(allocations, list(allocations[0]), title="Allocations")
    _flags(report.allocations)
    for n in report.notes:
        say(
            f"note: {n.year}: the stated total of {n.what} ({n.date}) is {n.stated.text}, "
            f"the rows add up to {n.counted.text}: a difference of {n.difference.text}, "
            "accepted as stated"
        )


def _flags(allocations: list[Any]) -> None:
    for a in allocations:
        for check in a.decisions:
            if not check.valid:
                say(f"  x {a.allocation}: {check.describe()}")


def _series(
    session: Session,
    fund_id: str,
    first: date,
    last: date,
    every: str,
    known_at: datetime | None,
    year: str | None,
    as_json: bool,
) -> None:
    series = session.ledger.budget_series(
        fund_id, first, last, every=every, known_at=known_at, year=year
    )
    if as_json:
        emit_json(series)
        return
    rows = [{**_money_row(p.on, p.position), "on": p.on} for p in series.points]
    columns = ["on", *MONEY_COLUMNS, "carried_in", "carried_forward", "available"]
    what = year or "all years"
    table(rows, columns, title=f"{fund_id}, {what}, every {every}", empty="no dates")


@click.command()
@click.argument("fund_id", metavar="FUND")
@click.option("--on", "on", type=DATE, default=None, help="The date (default: today).")
@click.option("--known-at", type=MOMENT, default=None, help="Only what was recorded by then.")
@click.option("--year", default=None, help="One financial year only, e.g. 2024/25.")
@click.option("--recipient", default=None, help="Recipients whose name holds this text.")
@json_option
@pass_session
def allocations(
    session: Session,
    /,
    fund_id: str,
    on: date | None,
    known_at: datetime | None,
    year: str | None,
    recipient: str | None,
    as_json: bool,
) -> None:
    """A fund's allocations on a date, each with its balance and the decisions behind it.

    Example:

    \b
        ledger allocations kcsp-csf --year 2024/25 --recipient police
    """
    found = session.ledger.allocations(
        fund_id, on, known_at=known_at, year=year, recipient=recipient
    )
    if as_json:
        emit_json(found)
        return
    rows = [
        {
            "allocation": a.allocation,
            "year": a.year,
            "recipient": a.recipient,
            "title": a.title,
            "made": a.made,
            "awarded": a.awarded.text,
            "spent": a.spent.text,
            "balance": a.balance.text,
            "withdrawn": a.withdrawn or "",
            "decision": _authority(a),
        }
        for a in found
    ]
    table(rows, list(rows[0]) if rows else [], title="Allocations", empty="no allocations")
    _flags(found)


COMMANDS = [fund, funds, budget, allocations]
