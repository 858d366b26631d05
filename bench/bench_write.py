"""(a) One event per command: N separate ``Ledger.execute([command])`` calls.

Half the commands establish bodies, the other half rename them.  The raw ceiling
inserts the very (topic, state) bytes the ledger stored, read back from its events
table, into a plain table, one transaction per insert, with the same durability.

    .venv/bin/python bench/bench_write.py [--backend sqlite|postgres|both] [--quick]
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

import common
from common import Backend, RawStore, Result
from ledger.domain.body import BodyKind, EstablishBody, RenameBody
from ledger.domain.commands import Command

START = date(2020, 1, 1)


def commands(n: int) -> list[Command]:
    """``n`` commands: establish ``n // 2`` bodies (at least one), then rename them in turn."""
    bodies = max(1, n // 2)
    out: list[Command] = [
        EstablishBody(
            body=f"b{i:06d}",
            name=f"Body {i}",
            kind=BodyKind.WORKING_GROUP,
            effective=START,
        )
        for i in range(bodies)
    ]
    out += [
        RenameBody(
            body=f"b{i % bodies:06d}",
            name=f"Body {i % bodies} renamed {i // bodies + 1}",
            effective=START + timedelta(days=i // bodies + 1),
        )
        for i in range(n - bodies)
    ]
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(where: Backend, n: int, setup: list[str]) -> Result:
    todo = commands(n)
    ledger = where.open()
    try:
        setup.append(f"{where.name}: {common.durability(ledger)}")
        # Warm up (creates the projection tables, prepares statements); not counted.
        ledger.execute(
            [EstablishBody(body="warmup", name="Warm-up", kind=BodyKind.OTHER, effective=START)]
        )
        latencies = []
        start = time.perf_counter()
        for command in todo:
            began = time.perf_counter()
            ledger.execute([command])
            latencies.append(time.perf_counter() - began)
        ledger_s = time.perf_counter() - start
        rows = common.stored_rows(ledger)[1:]
    finally:
        ledger.close()
    assert len(rows) == n, f"expected {n} stored events, found {len(rows)}"
    raw = RawStore(where)
    try:
        raw_s = raw.insert_each(rows)
    finally:
        raw.close()
    mean_bytes = sum(len(t) + len(s) for t, s in rows) / n
    return Result(
        backend=where.name,
        measure="one-per-command",
        events=n,
        ledger_s=ledger_s,
        raw_s=raw_s,
        raw_what="single-row INSERT of the same bytes, one transaction each",
        notes=[
            f"execute latency ms: mean {1000 * ledger_s / n:.2f}  "
            f"p50 {1000 * statistics.median(latencies):.2f}  "
            f"p99 {1000 * percentile(latencies, 0.99):.2f}  "
            f"(raw insert mean {1000 * raw_s / n:.3f})",
            f"stored bytes per event (topic + state): {mean_bytes:.0f}",
        ],
        extra={
            "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * percentile(latencies, 0.99),
            "bytes_per_event": mean_bytes,
        },
    )


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--commands", type=int, help="commands to execute (default 2000; quick 200)")
    args = p.parse_args()
    n = args.commands or (200 if args.quick else 2000)
    results: list[Result] = []
    setup: list[str] = []
    for name in common.chosen_backends(args):
        with common.backend(name) as where:
            results.append(measure(where, n, setup))
    common.report("one event per command", results, as_json=args.json, setup=setup)


if __name__ == "__main__":
    main()
