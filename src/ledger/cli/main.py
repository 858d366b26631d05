"""``ledger``: the command-line entry point.

Each top-level command's module is imported only when that command runs (or its own
help is asked for): ``ledger --help`` lists every command from the static table in
``ledger.cli.catalogue``, and ``ledger quorum`` loads ``ledger.cli.committee`` alone.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, MutableMapping
from typing import Any

import click

from ledger import __version__
from ledger.cli.catalogue import COMMANDS
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


class LazyCommands(MutableMapping[str, click.Command]):
    """The top-level commands by name, each module imported on first use of its command."""

    def __init__(self, table: dict[str, tuple[str, str]]):
        self._table = table
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            if name not in self._table:
                raise KeyError(name)
            module = importlib.import_module(f"ledger.cli.{self._table[name][0]}")
            for command in module.COMMANDS:
                self._loaded.setdefault(command.name, command)
            if name not in self._loaded:
                raise KeyError(name)
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self._loaded.pop(name, None)
        self._table = {k: v for k, v in self._table.items() if k != name}

    def __iter__(self) -> Iterator[str]:
        yield from self._table
        yield from (name for name in self._loaded if name not in self._table)

    def __len__(self) -> int:
        return len(set(self._table) | set(self._loaded))

    def short_help(self, name: str) -> str | None:
        """The command's short help from the table (None: not in it, ask the command)."""
        entry = self._table.get(name)
        return entry[1] if entry else None


class LedgerGroup(click.Group):
    """Turns every error a user can cause into one clear line and a non-zero exit."""

    commands: MutableMapping[str, click.Command]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their short help, without importing their modules."""
        if not isinstance(self.commands, LazyCommands):
            super().format_commands(ctx, formatter)
            return
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            text = self.commands.short_help(name)
            if text is None:
                command = self.commands[name]
                if command.hidden:
                    continue
                rows.append((name, command.get_short_help_str(limit)))
            else:
                # Shortened to the width as click shortens the command's own help.
                rows.append((name, click.Command(name, help=text).get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

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
        except ValueError as exc:
            # A pydantic error can only come from a command that has imported pydantic:
            # looked up here, never imported for a command that does not need it.
            pydantic = sys.modules.get("pydantic")
            if pydantic is not None and isinstance(exc, pydantic.ValidationError):
                error = exc.errors()[0]
                where = ".".join(str(p) for p in error["loc"])
                message = str(error["msg"]).removeprefix("Value error, ")
                raise Problem(f"{where}: {message}" if where else message) from None
            raise Problem(str(exc)) from None


@click.group(
    cls=LedgerGroup,
    commands=LazyCommands(COMMANDS),
    context_settings={"help_option_names": ["-h", "--help"]},
)
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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ledger")


if __name__ == "__main__":  # pragma: no cover
    main()
