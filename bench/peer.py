"""The peer: bare ``eventsourcing`` 9.5, used as a new user would, on the same backend.

An ``Application`` with an ``Aggregate`` (a body: established, then renamed), the same
events as the ledger's benches (same fields, each padded so its stored topic + state is
as long as the ledger's stored event of that kind, on average), the same durability
(SQLite: eventsourcing's own datastore, as the ledger's, WAL and the default
synchronous; PostgreSQL: the server's defaults), and no chain, no read models.

Two ways of saving are measured:
- ``one_per_save``: each command gets its aggregate from the repository (as a service
  handling one request would), calls one method and saves: one event, one transaction;
- ``batched``: an importer keeping its aggregates in memory, saving every 1,000 new
  events in one ``save(...)`` call (one transaction each).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from common import PG_DATABASE, PG_SERVER, Backend, Row, _pg

BATCH = 1000


@dataclass(frozen=True)
class Op:
    """One command of the workload: establish ``body`` (``name``), or rename it."""

    establish: bool
    body: str
    name: str
    effective: str  # ISO date


class Body(Aggregate):
    @staticmethod
    def create_id(slug: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE_URL, f"peer-body:{slug}")

    @event("Established")
    def __init__(self, slug: str, name: str, kind: str, effective: str, pad: str) -> None:
        self.slug = slug
        self.name = name
        self.kind = kind
        self.effective = effective

    @event("Renamed")
    def rename(self, name: str, effective: str, pad: str) -> None:
        self.name = name
        self.effective = effective


class PeerApp(Application[UUID]):
    name = "Peer"


def sizes_by_kind(rows: Sequence[Row]) -> dict[bool, int]:
    """The ledger's mean stored bytes (topic + state) of establish and of rename events."""
    out: dict[bool, int] = {}
    for establish in (True, False):
        picked = [len(t) + len(s) for t, s in rows if ("established" in t) == establish]
        out[establish] = round(sum(picked) / len(picked)) if picked else 0
    return out


class Peer:
    """A fresh peer application on ``where``'s backend (its own file or schema)."""

    def __init__(self, where: Backend, target_sizes: dict[bool, int]):
        self.kind = where.name
        self.schema: str | None = None
        if where.name == "sqlite":
            self.path = where.workdir / f"peer-{secrets.token_hex(4)}.db"
            env = {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.path),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        else:
            self.schema = f"bench_peer_{secrets.token_hex(6)}"
            with _pg(PG_DATABASE) as conn:
                conn.execute(f'CREATE SCHEMA "{self.schema}"')
            env = {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": PG_DATABASE,
                "POSTGRES_HOST": PG_SERVER.rsplit("@", 1)[1].split(":")[0],
                "POSTGRES_PORT": PG_SERVER.rsplit(":", 1)[1],
                "POSTGRES_USER": "postgres",
                "POSTGRES_PASSWORD": "",
                "POSTGRES_SCHEMA": self.schema,
            }
        self.app = PeerApp(env=env)
        self.pads = self._pads(target_sizes)

    def _pads(self, target: dict[bool, int]) -> dict[bool, str]:
        """Padding that makes each kind of event as long as the ledger's, stored."""
        probe = Body("b000000", "Body 0", "working-group", "2000-01-01", "")
        probe.rename(name="Body 0 (revision 1)", effective="2000-01-02", pad="")
        mapper = self.app.mapper
        pads = {}
        for establish, domain_event in zip((True, False), probe.collect_events(), strict=True):
            stored = mapper.to_stored_event(domain_event)
            size = len(stored.topic) + len(stored.state)
            pads[establish] = "x" * max(0, target[establish] - size)
        return pads

    def stored_size(self) -> float:
        """The mean stored bytes (topic + state) the peer wrote."""
        recorder: Any = self.app.recorder
        events = recorder.select_notifications(start=None, limit=1_000_000)
        return sum(len(n.topic) + len(n.state) for n in events) / max(1, len(events))

    def durability(self) -> str:
        if self.kind == "sqlite":
            datastore: Any = self.app.recorder
            with datastore.datastore.transaction(commit=False) as c:
                c.execute("PRAGMA journal_mode")
                mode = c.fetchone()[0]
                c.execute("PRAGMA synchronous")
                sync = c.fetchone()[0]
            return f"journal_mode={mode} synchronous={sync}"
        with _pg(PG_DATABASE) as conn:
            sync = conn.execute("SHOW synchronous_commit").fetchone()[0]
        return f"synchronous_commit={sync}"

    def one_per_save(self, ops: Sequence[Op]) -> float:
        """Seconds to run each op as its own command: get, change, save."""
        start = time.perf_counter()
        for op in ops:
            if op.establish:
                body = Body(op.body, op.name, "working-group", op.effective, self.pads[True])
            else:
                body = self.app.repository.get(Body.create_id(op.body))
                body.rename(name=op.name, effective=op.effective, pad=self.pads[False])
            self.app.save(body)
        return time.perf_counter() - start

    def batched(self, ops: Sequence[Op]) -> float:
        """Seconds to run the ops with aggregates kept in memory, saving every 1,000 events."""
        start = time.perf_counter()
        bodies: dict[str, Body] = {}
        pending: list[Body] = []
        count = 0
        for op in ops:
            if op.establish:
                body = Body(op.body, op.name, "working-group", op.effective, self.pads[True])
                bodies[op.body] = body
            else:
                body = bodies[op.body]
                body.rename(name=op.name, effective=op.effective, pad=self.pads[False])
            pending.append(body)
            count += 1
            if count == BATCH:
                self.app.save(*pending)
                pending, count = [], 0
        if pending:
            self.app.save(*pending)
        return time.perf_counter() - start

    def close(self) -> None:
        self.app.close()
        if self.schema:
            with _pg(PG_DATABASE) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


@contextmanager
def peer(where: Backend, rows: Sequence[Row]) -> Iterator[Peer]:
    """A fresh peer whose events are padded to the sizes of the ledger's ``rows``."""
    p = Peer(where, sizes_by_kind(rows))
    try:
        yield p
    finally:
        p.close()


def measure(
    where: Backend, rows: Sequence[Row], ops: Sequence[Op], one_by_one: int | None = None
) -> dict[str, Any]:
    """Both peer rates (each on a fresh peer store), with what it stored: ``ops`` in
    batches, and the first ``one_by_one`` of them (all if None) one per save."""
    out: dict[str, Any] = {}
    singles = ops if one_by_one is None else ops[:one_by_one]
    with peer(where, rows) as p:
        out["one_per_save_s"] = p.one_per_save(singles)
        out["one_per_save_events"] = len(singles)
        out["durability"] = p.durability()
    with peer(where, rows) as p:
        out["batched_s"] = p.batched(ops)
        out["batched_events"] = len(ops)
        out["bytes_per_event"] = p.stored_size()
    return out


def summary(out: dict[str, Any]) -> tuple[float, float]:
    """The peer's (one-per-save, batched) rates in events per second."""
    return (
        out["one_per_save_events"] / out["one_per_save_s"],
        out["batched_events"] / out["batched_s"],
    )


def import_ops(bodies: int, renames: int) -> list[Op]:
    """The ops of ``common.write_import_file(path, bodies, renames)``, in file order."""
    start = date(2000, 1, 1)
    return [
        Op(
            j == 0,
            f"b{i:06d}",
            f"Body {i} (revision {j})" if j else f"Body {i}",
            (start + timedelta(days=j)).isoformat(),
        )
        for j in range(renames + 1)
        for i in range(bodies)
    ]
