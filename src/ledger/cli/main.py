"""``ledger``: the command-line entry point."""

from __future__ import annotations

from typing import Any

import click

from ledger import __version__
from ledger.cli import (
    bodies,
    checkpoints,
    committee,
    core,
    decisions,
    demo,
    export,
    funds,
    meeting,
    organisations,
    replay,
    serve,
    tor,
)
from ledger.cli.render import safe
from ledger.cli.session import Session


class Problem(click.ClickException):
    """One line for the user; whatever it quotes is shown safely (no raw escapes)."""

    def __init__(self, message: str) -> None:
        super().__init__(safe(message))


class UsageProblem(Problem):
    """A mistyped command line, shown as one line (exit status 2, as click's own)."""

    exit_code = 2


def _usage(exc: click.UsageError, ctx: click.Context | None) -> UsageProblem:
    command = exc.ctx.command_path if exc.ctx else (ctx.command_path if ctx else "ledger")
    return UsageProblem(f"{exc.format_message()} (see '{command} --help')")


class LedgerGroup(click.Group):
    """Turns every error a user can cause into one clear line and a non-zero exit."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        if any("\x00" in arg for arg in args):
            # No stored text can hold one, and PostgreSQL refuses it in a query.
            raise UsageProblem("an argument holds a NUL character (U+0000); type it without")
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            raise _usage(exc, None) from None

    def invoke(self, ctx: click.Context) -> Any:
        from pydantic import ValidationError as PydanticValidationError

        from ledger.domain.errors import LedgerError

        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _usage(exc, ctx) from None
        except Problem:
            raise
        except click.ClickException as exc:
            raise Problem(exc.format_message()) from None
        except LedgerError as exc:
            raise Problem(str(exc)) from None
        except PydanticValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            raise Problem(f"{where}: {message}" if where else message) from None
        except ValueError as exc:
            raise Problem(str(exc)) from None


@click.group(cls=LedgerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="LEDGER_DATABASE_URL",
    default="ledger.db",
    show_default=True,
    help="The ledger: a file path, sqlite:///file.db, or postgresql://user@host/db[?schema=s]; "
    "add ?mode=ro (&mode=ro) to open it read-only.",
)
@click.option(
    "--actor",
    envvar="LEDGER_ACTOR",
    default=None,
    help="Who is recording (default: LEDGER_ACTOR, else your user name).",
)
@click.version_option(__version__, prog_name="ledger")
@click.pass_context
def cli(ctx: click.Context, db: str, actor: str | None) -> None:
    """An event-sourced, tamper-evident decision ledger for public partnerships.

    Example:

    \b
        ledger demo
        ledger bodies --on 2024-07-04
        ledger verify
    """
    session = Session(db, actor)
    ctx.obj = session
    ctx.call_on_close(session.close)


for _module in (
    core,
    bodies,
    organisations,
    tor,
    committee,
    meeting,
    decisions,
    funds,
    checkpoints,
    replay,
    export,
    serve,
    demo,
):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ledger")


if __name__ == "__main__":  # pragma: no cover
    main()
