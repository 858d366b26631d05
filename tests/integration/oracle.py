"""What every replay-oracle test shares: the stored events, and the questions to ask."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ledger.application import Ledger
from ledger.domain.events import LedgerEvent
from ledger.infra.chain import CHAIN_TABLE
from ledger.infra.mapper import decode_event


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
