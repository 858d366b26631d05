"""Each read model's tracking row says how far it has applied the log, and proves it.

The row keeps the hash of the link it stopped at, so a position moved back (or on) by
hand no longer matches the chain and is refused, naming ``ledger projections rebuild``,
instead of applying events twice or skipping them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.domain.body import EstablishBody
from ledger.domain.errors import StorageError
from tests.conftest import drop_pg_schema, new_pg_url
from tests.integration.raw import Raw

GROUPS = [
    EstablishBody(body=f"g{n}", name=f"Group {n}", kind="working-group", effective=date(2020, 1, 1))
    for n in range(6)
]


@pytest.mark.parametrize("change", ["position - 3", "position + 1", "0"])
def test_a_tracking_position_changed_by_hand_is_refused_until_rebuilt(
    ledger_url: str, change: str
) -> None:
    with Ledger(ledger_url) as ledger:
        ledger.execute(GROUPS[:3])
        ledger.execute(GROUPS[3:])
    raw = Raw(ledger_url)
    try:
        raw.run(f"UPDATE ledger_projections SET position = {change} WHERE name = 'bodies'")
    finally:
        raw.close()

    with Ledger(ledger_url) as ledger:
        with pytest.raises(StorageError, match=r"read model 'bodies' is recorded at position"):
            ledger.bodies(date(2021, 1, 1))
        with pytest.raises(StorageError, match=r"nothing was recorded"):
            ledger.execute(
                [EstablishBody(body="late", name="L", kind="board", effective=date(2021, 1, 1))]
            )
        assert ledger.count() == 6

        assert ledger.rebuild_projections() == 6
        assert len(ledger.bodies(date(2021, 1, 1))) == 6
        assert ledger.verify_read_models().ok


def test_a_ledger_from_before_the_tracking_hash_opens_and_carries_on(ledger_url: str) -> None:
    with Ledger(ledger_url) as ledger:
        ledger.execute(GROUPS[:3])
    raw = Raw(ledger_url)
    try:
        raw.run("ALTER TABLE ledger_projections DROP COLUMN hash")
    finally:
        raw.close()

    with Ledger(ledger_url) as ledger:
        assert len(ledger.bodies(date(2021, 1, 1))) == 3
        ledger.execute(GROUPS[3:])
        assert len(ledger.bodies(date(2021, 1, 1))) == 6
        assert set(ledger.projection_positions().values()) == {6}
        assert ledger.verify_read_models().ok


@pytest.mark.postgres
def test_read_models_reset_by_another_session_during_a_write_refuse_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The catch-up after a write's save trusts the tracking rows its check read under the
    write lock.  On PostgreSQL a rebuild by the writer role (which empties the read models
    and sets their rows back to the start) does not take that lock: one that lands between
    the check and the save refuses the write, with nothing recorded, rather than leaving
    the read models holding the write's events alone."""
    # (On SQLite the write lock's transaction is the only write transaction there is.)
    ledger_url = new_pg_url()
    try:
        _reset_during_a_write(ledger_url, monkeypatch)
    finally:
        drop_pg_schema(ledger_url)


def _reset_during_a_write(ledger_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Ledger(ledger_url) as ledger:
        ledger.execute(GROUPS[:3])
        store: Any = ledger._store
        append = store.append

        def reset_then_append(events: Any) -> Any:
            raw = Raw(ledger_url)
            try:
                raw.run("UPDATE ledger_projections SET position = 0")
            finally:
                raw.close()
            return append(events)

        monkeypatch.setattr(store, "append", reset_then_append)
        with pytest.raises(StorageError, match=r"nothing was recorded"):
            ledger.execute(GROUPS[3:4])
        monkeypatch.undo()
        assert ledger.count() == 3
        raw = Raw(ledger_url)
        try:
            raw.run("UPDATE ledger_projections SET position = 3")
        finally:
            raw.close()
        ledger.execute(GROUPS[3:])
        assert len(ledger.bodies(date(2021, 1, 1))) == 6
        assert ledger.verify_read_models().ok


def test_a_write_whose_catch_up_takes_several_batches_moves_every_read_model_on(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A big write's read models catch up in batches inside its one transaction; each
    # batch moves the tracking rows on from where the one before left them.
    from ledger.domain.body import RenameBody
    from ledger.projections import runner

    monkeypatch.setattr(runner, "BATCH", 2)
    renames = [
        RenameBody(body=f"g{n}", name=f"Group {n} (renamed)", effective=date(2021, 1, 1))
        for n in range(6)
    ]
    with Ledger(ledger_url) as ledger:
        ledger.execute(GROUPS[:5])
        ledger.execute([GROUPS[5], *renames])
        assert set(ledger.projection_positions().values()) == {12}
        names = {b.name for b in ledger.bodies(date(2021, 6, 1))}
        assert names == {f"Group {n} (renamed)" for n in range(6)}
        assert ledger.verify_read_models().ok
