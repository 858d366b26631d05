"""A write whose checks take longer than the server lets a transaction sit idle."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.domain import body as body_module
from ledger.domain import registry
from ledger.domain.body import EstablishBody, RenameBody
from ledger.infra import urls


def test_a_write_that_checks_for_longer_than_the_idle_transaction_timeout_lands(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server ends a transaction idle for one second; each rename's check takes
    # a quarter of one, so the whole check phase outlasts it several times over.
    monkeypatch.setattr(urls, "IDLE_IN_TRANSACTION_SECONDS", "1")
    slow_rename = body_module.rename_body

    def deliberate(ctx: Any, cmd: RenameBody) -> Any:
        time.sleep(0.25)
        return slow_rename(ctx, cmd)

    monkeypatch.setitem(registry.HANDLERS, RenameBody, deliberate)
    with Ledger(ledger_url, actor="clerk") as ledger:
        ledger.execute(
            [EstablishBody(body="wg", name="WG", kind="working-group", effective=date(2020, 1, 1))]
        )
        renames = [
            RenameBody(body="wg", name=f"WG {n}", effective=date(2021, 1, n)) for n in range(1, 9)
        ]
        receipt = ledger.execute(renames)
        assert receipt.recorded == 8
        assert ledger.verify().ok
        assert ledger.bodies(date(2021, 2, 1))[0].name == "WG 8"


def test_a_write_whose_chaining_outlasts_the_idle_transaction_timeout_lands(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large import hashes its chain inside the one transaction that inserts its
    events: on a busy machine that takes longer than the pool lets a transaction sit
    idle between statements, and the write still lands (the write session allows it)."""
    from ledger.infra import postgres_recorder, sqlite_recorder

    monkeypatch.setattr(urls, "IDLE_IN_TRANSACTION_SECONDS", "1")
    for module in (postgres_recorder, sqlite_recorder):
        hashed = module.build_links

        def busy(*args: Any, _hashed: Any = hashed) -> Any:
            time.sleep(1.5)
            return _hashed(*args)

        monkeypatch.setattr(module, "build_links", busy)
    with Ledger(ledger_url) as ledger:
        ledger.execute(
            [EstablishBody(body="wg", name="WG", kind="working-group", effective=date(2021, 1, 1))]
        )
        assert ledger.count() == 1
        assert ledger.verify().ok
