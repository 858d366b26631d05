"""(c) ``Ledger.verify()`` throughput, beside the same rows read and chained.

The raw ceiling reads the very rows ``verify`` reads (the chain joined to the events,
the same nine columns, in position order) through one plain driver cursor, and chains
SHA-256 over each stored state: the least a verifier must do.  A note adds the chained
SHA-256 alone, over the same bytes already in memory.  Each side is timed as the best
of ``--repeat`` runs, the two sides run in turn (the machine may be shared).

By default the script builds its own ledger by bulk import (``--events``, default
100,000; the build is timed but is not the measure).  ``--ledger FILE`` measures an
existing SQLite ledger instead (``/work/bench-1m.db``, say): it is opened read-only and
never written, so others may read it at the same time (a ``postgresql://`` URL with
``?schema=`` works the same way).

    .venv/bin/python bench/bench_verify.py [--backend sqlite|postgres|both] [--quick]
        [--events N | --bodies N] [--renames M] [--ledger FILE|URL] [--repeat N]
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import common
from common import Result, Row
from ledger.application import Ledger
from ledger.infra.chain import CHAIN_TABLE, GENESIS
from ledger.queries.proofs import stored_events

FETCH = 10_000  # rows per fetchmany of the raw cursor
REPEAT = 3


def best_of(repeat: int, *fns: Callable[[], object]) -> list[float]:
    """The fastest of ``repeat`` runs of each function, in seconds, the runs taken in
    turn (one of each, then again), so that a load on the machine that comes and goes
    weighs on every side alike."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            best[i] = min(best[i], common.timed(fn)[1])
    return best


def same_rows_sql(ledger: Ledger) -> str:
    """The SELECT of every row ``verify`` reads, in the order it reads them."""
    d = ledger.db.dialect
    return (
        "SELECT c.position, c.notification_id, c.recorded_at, c.source_key, c.hash, "
        "e.originator_id, e.originator_version, e.topic, e.state "
        f"FROM {CHAIN_TABLE} c LEFT JOIN {d.events} e ON e.{d.notification_id} = c.notification_id "
        "ORDER BY c.position"
    )


def plain_cursor(ledger: Ledger) -> Any:
    """A cursor of the ledger's own driver connection that gives plain tuples."""
    cursor = ledger.db.cursor()
    if ledger.db.dialect.name == "sqlite":
        cursor.row_factory = None
    else:
        from psycopg.rows import tuple_row

        cursor.row_factory = tuple_row
    return cursor


def raw_read_and_chain(ledger: Ledger) -> tuple[int, str]:
    """The raw ceiling: the same rows through one plain cursor (tuples, ``FETCH`` at a
    time), SHA-256 chained over each stored state.  Returns (rows, last hash)."""
    cursor = plain_cursor(ledger)
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


def paged_chain(ledger: Ledger) -> str:
    """``bench_export.py``'s ceiling for ``verify``: (position, topic, state) read a page
    at a time through ``stored_events``, each state chained with SHA-256."""
    prev = GENESIS.encode()
    for _position, _topic, state in stored_events(ledger.db, ledger.count()):
        prev = hashlib.sha256(prev + state).hexdigest().encode()
    return prev.decode()


def in_memory_states(ledger: Ledger) -> list[bytes]:
    cursor = plain_cursor(ledger)
    try:
        cursor.execute(same_rows_sql(ledger))
        return [bytes(row[8]) for row in cursor.fetchall()]
    finally:
        cursor.close()


def measure_verify(
    ledger: Ledger, backend: str, rows: Sequence[Row] | None = None, *, repeat: int = REPEAT
) -> Result:
    """Time ``ledger.verify()`` beside the same rows read and chained (``rows``, the
    stored events as ``bench_import.py`` read them, are counted against both)."""
    verdict = ledger.verify()
    assert verdict.ok, f"the ledger does not verify: {verdict.first_problem}"
    n, _ = raw_read_and_chain(ledger)
    assert verdict.events == n, f"verified {verdict.events} of {n} events"
    assert rows is None or len(rows) == n, f"{len(rows or [])} events stored, {n} chained"
    ledger_s, read_s, paged_s = best_of(
        repeat, ledger.verify, lambda: raw_read_and_chain(ledger), lambda: paged_chain(ledger)
    )
    states = in_memory_states(ledger)
    (hash_s,) = best_of(repeat, lambda: common.chained_sha256(states))
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
            f"bench_export.py's raw (the states by position through stored_events, a page "
            f"at a time, chained): {common.rate(n, paged_s)} ({paged_s:.2f} s); "
            f"ratio {paged_s / ledger_s:.3f}",
        ],
        extra={"raw_hash_only_s": hash_s, "raw_paged_s": paged_s},
    )


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--events", type=int, help="events to build (default 100,000; quick 10,000)")
    p.add_argument("--renames", type=int, help="renames of each body (default 49; quick 9)")
    p.add_argument(
        "--ledger", help="an existing ledger, a SQLite file or a postgresql:// URL (read-only)"
    )
    p.add_argument("--bodies", type=int, help="bodies to build (instead of --events)")
    p.add_argument("--repeat", type=int, default=REPEAT, help="runs of each side (best taken)")
    args = p.parse_args()
    results: list[Result] = []
    setup: list[str] = []
    if args.ledger is not None:
        url = args.ledger
        if not url.startswith("postgresql"):
            if not Path(url).is_file():
                raise SystemExit(f"no such ledger: {url}")
            url = str(Path(url).resolve())
        with Ledger(url, actor="bench", read_only=True) as ledger:
            name = ledger.db.dialect.name.replace("postgresql", "postgres")
            setup.append(f"{name}: {args.ledger} read-only ({ledger.count():,} events)")
            results.append(measure_verify(ledger, name, repeat=args.repeat))
        common.report("verify throughput", results, as_json=args.json, setup=setup)
        return
    events = args.events or (10_000 if args.quick else 100_000)
    renames = args.renames if args.renames is not None else (9 if args.quick else 49)
    bodies = args.bodies or max(1, events // (1 + renames))
    for name in common.chosen_backends(args):
        with common.backend(name) as where:
            path = where.workdir / "import.json"
            n = common.write_import_file(path, bodies, renames)
            ledger = where.open()
            try:
                _, build_s = common.timed(lambda: ledger.import_files([path]))  # noqa: B023
                setup.append(f"{name}: built {n:,} events by import in {build_s:.1f} s")
                results.append(measure_verify(ledger, name, repeat=args.repeat))
            finally:
                ledger.close()
    common.report("verify throughput", results, as_json=args.json, setup=setup)


if __name__ == "__main__":
    main()
