"""The ledger a command works on, opened only when the command needs it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ledger.application import Ledger


class Session:
    """Opens the ledger only when a command needs it (``--help`` stays instant)."""

    def __init__(self, url: str | None, actor: str | None):
        self.url = url
        self.actor = actor
        self._ledger: Ledger | None = None

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            from ledger.application import Ledger

            self._ledger = Ledger(self.url, actor=self.actor)
        return self._ledger

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None


pass_session = click.make_pass_decorator(Session)
