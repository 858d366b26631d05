"""What every replay-oracle test shares: the stored events, and the questions to ask."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ledger.application import Ledger
from ledger.domain.events import LedgerEvent
from ledger.infra.chain import CHAIN_TABLE
from ledger.infra.mapper import decode_event
from tests.conftest import drop_pg_schema, new_pg_url


def all_events(ledger: Ledger) -> list[LedgerEvent]:
    """Every stored event, decoded, in the ledger's order."""
    d = ledger.db.dialect
    rows = ledger.db.query(
        f"SELECT e.topic, e.state FROM {CHAIN_TABLE} c JOIN {d.events} e "
        f"ON e.{d.notification_id} = c.notification_id ORDER BY c.position"
    )
    return [decode_event(r["topic"], bytes(r["state"])) for r in rows]


def edge_days(events: list[LedgerEvent]) -> list[date]:
    """Every effective date and the day before it: where answers change."""
    return sorted({e.effective for e in events} | {e.effective - timedelta(days=1) for e in events})


def edge_moments(events: list[LedgerEvent]) -> list[datetime | None]:
    """Now (None), every recorded time, and a microsecond before each."""
    recorded = sorted({e.timestamp for e in events})
    return [None, *recorded, *(t - timedelta(microseconds=1) for t in recorded)]


def on_sqlite(run: Callable[[str, Any], None], data: Any) -> None:
    """Run one generated history against a fresh SQLite file, removed afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        run(str(Path(folder) / "oracle.db"), data)


def on_postgres(run: Callable[[str, Any], None], data: Any) -> None:
    """Run one generated history against a fresh PostgreSQL schema, dropped afterwards."""
    url = new_pg_url()
    try:
        run(url, data)
    finally:
        drop_pg_schema(url)
