"""Commands over the record itself: init, import, log, verify, schema, corrections."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from ledger.cli.options import authority_from, authority_options, json_option
from ledger.cli.params import DATE, LIMIT
from ledger.cli.render import (
    emit_json,
    emit_json_array,
    heading,
    progress,
    report_receipt,
    say,
    table,
)
from ledger.cli.session import Session, pass_session
from ledger.documents import head_document, verify_document


@click.command()
@click.option(
    "--roles",
    "prefix",
    metavar="PREFIX",
    default=None,
    help="PostgreSQL: also create PREFIX_owner, PREFIX_writer and PREFIX_reader for this "
    "ledger's schema (run as a superuser).",
)
@click.option(
    "--print-sql",
    is_flag=True,
    help="With --roles: print the SQL that creates the roles, and open no database.",
)
@click.pass_context
def init(ctx: click.Context, prefix: str | None, print_sql: bool) -> None:
    """Create an empty ledger (or open an existing one) and print where it is.

    Example:

    \b
        ledger --db postgresql://postgres@127.0.0.1/ledger init
        ledger --db 'postgresql://postgres@127.0.0.1/ledger?schema=kent' init --roles kent
    """
    session = ctx.find_object(Session)
    assert session is not None
    if print_sql:
        if prefix is None:
            raise click.UsageError("--print-sql goes with --roles PREFIX", ctx)
        from ledger.application import roles_sql

        click.echo(roles_sql(session.url, prefix), nl=False)
        return
    ledger = session.ledger
    count = ledger.init()
    mode = " (read-only)" if ledger.read_only else ""
    say(f"ledger ready: {ledger.describe()}{mode} ({count} events)")
    if prefix is not None:
        names = ledger.create_roles(prefix)
        say(f"roles: {names.owner} owns and migrates, {names.writer} records, {names.reader} reads")
        say(f"a reader connects as {ledger.config.url_for(names.reader)}")


@click.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and report; record nothing.")
@json_option
@pass_session
def import_(session: Session, files: tuple[Path, ...], dry_run: bool, as_json: bool) -> None:
    """Import YAML or JSON files of entries, all or nothing; re-importing records nothing new.

    Example:

    \b
        ledger import examples/demo/01-bodies.yaml --dry-run
    """
    with progress("importing", None) as advance:
        stage = (lambda label, total: advance) if advance else None
        receipt = session.ledger.import_files(files, dry_run=dry_run, progress=stage)
    report_receipt(receipt, as_json, "imported")


@click.command()
@click.option("--body", default=None, help="Only events about this body.")
@click.option("--from", "from_", type=DATE, default=None, help="Effective on or after.")
@click.option("--to", type=DATE, default=None, help="Effective on or before.")
@click.option("--limit", type=LIMIT, default=None, help="At most this many events.")
@json_option
@pass_session
def log(
    session: Session,
    body: str | None,
    from_: date | None,
    to: date | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """List events in the ledger's order: position, recorded, effective, what, who, hash.

    Example:

    \b
        ledger log --body kcsp-dhr --from 2025-01-01
    """
    if as_json:  # streamed: the log may hold a million events
        emit_json_array(
            session.ledger.log_stream(body=body, effective_from=from_, effective_to=to, limit=limit)
        )
        return
    entries = session.ledger.log(body=body, effective_from=from_, effective_to=to, limit=limit)
    rows = [
        {
            "pos": e.position,
            "recorded": e.recorded_at[:19].replace("T", " "),
            "effective": e.effective,
            "type": e.topic.rsplit("/", 1)[0],
            "body": e.body,
            "actor": e.actor,
            "what": e.summary + (" [correction]" if e.corrects else ""),
            "hash": e.hash[:12],
        }
        for e in entries
    ]
    table(rows, list(rows[0]) if rows else [], empty="no events")


@click.command()
@click.argument(
    "export_file",
    metavar="[EXPORT]",
    required=False,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--checkpoint",
    "published",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="With EXPORT: the published checkpoint to check it against.",
)
@click.option(
    "--expect",
    default=None,
    metavar="POSITION:HASH",
    help="A published head to check against (detects truncation and rewriting).",
)
@click.option(
    "--read-models",
    is_flag=True,
    help="Also rebuild every read model from the log in scratch tables and compare "
    "them row by row with the live ones.",
)
@click.option(
    "--since",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    metavar="CHECKPOINT",
    help="A signed checkpoint: prove by a consistency proof that the log extends it.",
)
@click.option(
    "--key",
    "verifier_key",
    default=None,
    metavar="NAME+ID+KEY",
    help="With --since: the verifier key the checkpoint must be signed by "
    "(default: the one this ledger signed it with).",
)
@json_option
@pass_session
def verify(
    session: Session,
    export_file: Path | None,
    published: Path | None,
    expect: str | None,
    read_models: bool,
    since: Path | None,
    verifier_key: str | None,
    as_json: bool,
) -> None:
    """Recompute the audit chain over every stored event; exit 1 at the first fault.

    Example:

    \b
        ledger verify --expect 42:9f86d081884c7d65...
        ledger verify --read-models
        ledger verify --since checkpoint-2024-12.txt
        ledger verify kcsp-wg.jsonl --key kent-csp+282e132f+ASwy...

    With EXPORT (a jsonl export), check that file instead, exactly as verify.py does.
    """
    if export_file is not None:
        _verify_export(export_file, published, verifier_key, as_json)
        return
    ledger = session.ledger
    with progress("verifying", ledger.count()) as advance:
        report = ledger.verify(expect=expect, progress=advance)
    problem = report.first_problem
    models = None
    if read_models and problem is None:
        with progress("rebuilding read models", None) as advance:
            models = ledger.verify_read_models(progress=(lambda label, total: advance))
    difference = models.first_difference if models else None
    extends = None
    if since is not None and problem is None:
        try:
            note = since.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise click.ClickException(f"{since} is not a checkpoint (not UTF-8 text)") from None
        extends = ledger.verify_since(note, verifier_key)
    if as_json:
        emit_json(verify_document(report, models, extends))
    elif report.ok:
        say(f"intact: {report.events} events verified")
        say(f"head {report.head_position}:{report.head_hash}")
        if models is not None and models.ok:
            say(
                f"read models intact: {models.rows} rows in {models.tables} tables match a "
                f"rebuild from the log at position {models.position}"
            )
        if extends is not None:
            say(
                f"extends the checkpoint of {extends.checkpoint_size} events "
                f"({extends.origin}): consistency proof of {len(extends.consistency_proof)} "
                f"hashes to today's {extends.size} checked; signature {extends.signature}"
            )
    else:
        say(f"last good link {report.head_position}:{report.head_hash}")
    if problem is not None:
        raise click.ClickException(f"NOT INTACT at {problem}")
    if difference is not None:
        raise click.ClickException(
            f"READ MODELS NOT INTACT: {difference} (the log is intact: "
            "`ledger projections rebuild` makes them again from it)"
        )


def _verify_export(path: Path, published: Path | None, key: str | None, as_json: bool) -> None:
    from ledger.application import verify_export

    try:
        checkpoint = published.read_text(encoding="utf-8") if published else None
    except UnicodeDecodeError:
        raise click.ClickException(f"{published} is not a checkpoint (not UTF-8 text)") from None
    report = verify_export(path, checkpoint, key)
    if as_json:
        emit_json({"ok": True, **report.__dict__})
        return
    kind = "each event's inclusion proof" if report.partial else "the whole log's Merkle root"
    say(
        f"verified: {report.events} events of {report.origin} ({kind}) against the "
        f"checkpoint of {report.tree_size} events, root {report.root}"
    )
    say(f"signature: {report.signature}")


@click.command()
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write to a file.")
def schema(out: Path | None) -> None:
    """Print the JSON Schema of import files (generated from the command models).

    Example:

    \b
        ledger schema --out docs/import-schema.json
    """
    from ledger.application import import_schema

    text = json.dumps(import_schema(), indent=2, ensure_ascii=False) + "\n"
    if out:
        out.write_text(text, encoding="utf-8")
        say(f"wrote {out}")
    else:
        say(text, nl=False)


@click.group()
def projections() -> None:
    """Read models kept from the log."""


@projections.command()
@pass_session
def rebuild(session: Session) -> None:
    """Drop every read model and rebuild it from the event log alone.

    Example:

    \b
        ledger projections rebuild
    """
    ledger = session.ledger
    with progress("rebuilding", ledger.count()) as advance:
        read = ledger.rebuild_projections(advance)
    say(f"rebuilt read models from {read} events")


@projections.command(name="catch-up")
@pass_session
def catch_up(session: Session) -> None:
    """Bring every read model up to the head of the log (needs a user who may write).

    Reads do this themselves; a ledger opened read-only cannot, and says how far
    behind its read models are.

    Example:

    \b
        ledger projections catch-up
    """
    ledger = session.ledger
    with progress("catching up", None) as advance:
        applied = ledger.catch_up_projections(advance)
    click.echo(f"applied {applied} event(s); the read models are at the head of the log")


@projections.command()
@pass_session
def status(session: Session) -> None:
    """Show how far each read model has applied the log.

    Example:

    \b
        ledger projections status
    """
    ledger = session.ledger
    positions = ledger.projection_positions()
    head = ledger.head()[0]
    rows = [
        {"projection": name, "position": pos, "behind": head - pos}
        for name, pos in sorted(positions.items())
    ]
    table(rows, ["projection", "position", "behind"])


@click.command()
@click.argument("event")
@click.option("--effective", type=DATE, default=None, help="The right effective date.")
@click.option(
    "--set",
    "changes",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Another field's right value (repeatable); VALUE is read as JSON if it parses.",
)
@click.option("--reason", required=True, help="Why the original was wrong.")
@authority_options
@json_option
@pass_session
def correct(
    session: Session,
    /,
    event: str,
    effective: date | None,
    changes: tuple[str, ...],
    reason: str,
    as_json: bool,
    **authority: str | None,
) -> None:
    """Correct an earlier event (by #position, event id or key); the original stays on record.

    Example:

    \b
        ledger correct '#3' --effective 2025-07-03 --reason "minuted date was 3 July"
    """
    from ledger.domain.corrections import CorrectEvent

    parsed = {}
    for change in changes:
        name, sep, value = change.partition("=")
        if not sep:
            raise click.BadParameter(f"'{change}' is not FIELD=VALUE", param_hint="--set")
        try:
            parsed[name] = json.loads(value)
        except json.JSONDecodeError:
            parsed[name] = value
    command = CorrectEvent(
        event=event,
        effective=effective,
        changes=parsed,
        reason=reason,
        authority=authority_from(**authority),
    )
    report_receipt(session.ledger.execute([command]), as_json)


@click.command()
@click.argument("event")
@click.option("--reason", required=True, help="Why the event was recorded in error.")
@authority_options
@json_option
@pass_session
def retract(
    session: Session, /, event: str, reason: str, as_json: bool, **authority: str | None
) -> None:
    """Retract an event recorded in error; it stays in the log, marked as retracted.

    Example:

    \b
        ledger retract '#7' --reason "entered against the wrong body"
    """
    from ledger.domain.corrections import RetractEvent

    command = RetractEvent(event=event, reason=reason, authority=authority_from(**authority))
    report_receipt(session.ledger.execute([command]), as_json)


@click.command()
@json_option
@pass_session
def head(session: Session, as_json: bool) -> None:
    """Print the head of the audit chain (POSITION:HASH), to publish in the minutes.

    Example:

    \b
        ledger head
    """
    position, digest = session.ledger.head()
    if as_json:
        emit_json(head_document((position, digest)))
    else:
        heading(f"{position}:{digest}")


COMMANDS = [init, import_, log, verify, schema, projections, correct, retract, head]
