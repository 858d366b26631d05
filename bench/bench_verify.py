"""(c) ``Ledger.verify()`` throughput, beside the same rows read and chained.

The raw ceiling reads the very rows ``verify`` reads (the chain joined to the events,
the same nine columns, in position order) through one plain driver cursor, and chains
SHA-256 over each stored state: the least a verifier must do.  A note adds the chained
SHA-256 alone, over the same bytes already in memory.  Each side is timed as the best
of ``--repeat`` runs.

By default the script builds its own ledger by bulk import (``--events``, default
100,000; the build is timed but is not the measure).  ``--ledger FILE`` measures an
existing SQLite ledger instead (``/work/bench-1m.db``, say): it is opened read-only and
never written, so others may read it at the same time.

    .venv/bin/python bench/bench_verify.py [--backend sqlite|postgres|both] [--quick]
        [--events N] [--ledger FILE] [--repeat N]
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import common
from common import Result
from ledger.application import Ledger
from ledger.infra.chain import CHAIN_TABLE, GENESIS

FETCH = 10_000  # rows per fetchmany of the raw cursor


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs, in seconds."""
    return min(common.timed(fn)[1] for _ in range(repeat))


def same_rows_sql(ledger: Ledger) -> str:
    """The SELECT of every row ``verify`` reads, in the order it reads them."""
    d = ledger.db.dialect
    return (
        "SELECT c.position, c.notification_id, c.recorded_at, c.source_key, c.hash, "
        "e.originator_id, e.originator_version, e.topic, e.state "
        f"FROM {CHAIN_TABLE} c LEFT JOIN {d.events} e ON e.{d.notification_id} = c.notification_id "
        "ORDER BY c.position"
    )


def raw_read_and_chain(ledger: Ledger) -> tuple[int, str]:
    """The raw ceiling: the same rows through one plain cursor (tuples, ``FETCH`` at a
    time), SHA-256 chained over each stored state.  Returns (rows, last hash)."""
    cursor = ledger.db.cursor()
    if ledger.db.dialect.name == "sqlite":
        cursor.row_factory = None  # plain tuples
    else:
        from psycopg.rows import tuple_row

        cursor.row_factory = tuple_row
    sha256, prev, n = hashlib.sha256, GENESIS.encode(), 0
    try:
        cursor.execute(same_rows_sql(ledger))
        while batch := cursor.fetchmany(FETCH):
            for row in batch:
                prev = sha256(prev + row[8]).hexdigest().encode()
            n += len(batch)
    finally:
        cursor.close()
    return n, prev.decode()


def in_memory_states(ledger: Ledger) -> list[bytes]:
    cursor = ledger.db.cursor()
    try:
        cursor.execute(same_rows_sql(ledger))
        return [bytes(row[8]) for row in cursor.fetchall()]
    finally:
        cursor.close()


def measure_verify(ledger: Ledger, backend: str, repeat: int) -> Result:
    """Time ``ledger.verify()`` beside the same rows read and chained."""
    verdict = ledger.verify()
    assert verdict.ok, f"the ledger does not verify: {verdict.first_problem}"
    n, _ = raw_read_and_chain(ledger)
    assert verdict.events == n, f"verified {verdict.events} of {n} events"
    ledger_s = best_of(repeat, ledger.verify)
    read_s = best_of(repeat, lambda: raw_read_and_chain(ledger))
    states = in_memory_states(ledger)
    hash_s = best_of(repeat, lambda: common.chained_sha256(states))
    return Result(
        backend=backend,
        measure="verify",
        events=n,
        ledger_s=ledger_s,
        raw_s=read_s,
        raw_what=(
            f"the same rows (chain joined to events, 9 columns) read through one cursor, "
            f"SHA-256 chained over each state (best of {repeat})"
        ),
        notes=[
            f"seconds: ledger {ledger_s:.2f} s, raw {read_s:.2f} s",
            f"chained SHA-256 alone, bytes in memory: {common.rate(n, hash_s)} ({hash_s:.2f} s)",
        ],
        extra={"raw_hash_only_s": hash_s},
    )


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--events", type=int, help="events to build (default 100,000; quick 10,000)")
    p.add_argument("--renames", type=int, help="renames of each body (default 49; quick 9)")
    p.add_argument("--ledger", type=Path, help="an existing SQLite ledger (opened read-only)")
    p.add_argument("--repeat", type=int, default=3, help="runs of each side (best taken)")
    args = p.parse_args()
    results: list[Result] = []
    setup: list[str] = []
    if args.ledger is not None:
        if not args.ledger.is_file():
            raise SystemExit(f"no such ledger: {args.ledger}")
        with Ledger(str(args.ledger.resolve()), actor="bench", read_only=True) as ledger:
            setup.append(f"sqlite: {args.ledger} read-only ({ledger.count():,} events)")
            results.append(measure_verify(ledger, "sqlite", args.repeat))
        common.report("verify throughput", results, as_json=args.json, setup=setup)
        return
    events = args.events or (10_000 if args.quick else 100_000)
    renames = args.renames if args.renames is not None else (9 if args.quick else 49)
    bodies = max(1, events // (1 + renames))
    for name in common.chosen_backends(args):
        with common.backend(name) as where:
            path = where.workdir / "import.json"
            n = common.write_import_file(path, bodies, renames)
            ledger = where.open()
            try:
                _, build_s = common.timed(lambda: ledger.import_files([path]))  # noqa: B023
                setup.append(f"{name}: built {n:,} events by import in {build_s:.1f} s")
                results.append(measure_verify(ledger, name, args.repeat))
            finally:
                ledger.close()
    common.report("verify throughput", results, as_json=args.json, setup=setup)


if __name__ == "__main__":
    main()
