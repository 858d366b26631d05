"""(c) ``Ledger.verify()`` throughput over a bulk-imported ledger (default 100,000 events).

The raw ceiling is hashlib.sha256 over each stored state, chained, in memory, over the
same bytes; a note adds the ceiling that also SELECTs the states from the database.
Each of the three is timed as the best of 3 runs (each takes a second or less).
``bench_import.py`` prints this same measurement on the ledger it has just imported;
this script builds its own ledger first (the build is timed but is not the measure).

    .venv/bin/python bench/bench_verify.py [--backend sqlite|postgres|both] [--quick]
"""

from __future__ import annotations

from collections.abc import Callable

import common
from common import Result, Row
from ledger.application import Ledger

REPEAT = 3


def best_of(fn: Callable[[], object]) -> float:
    """The fastest of REPEAT runs, in seconds: every run here takes a second or less."""
    return min(common.timed(fn)[1] for _ in range(REPEAT))


def measure_verify(ledger: Ledger, backend: str, rows: list[Row]) -> Result:
    """Time ``ledger.verify()`` beside the chained SHA-256 of the same stored bytes."""
    verdict = ledger.verify()
    assert verdict.ok, f"the ledger does not verify: {verdict.first_problem}"
    assert verdict.events == len(rows), f"verified {verdict.events} of {len(rows)} events"
    states = [state for _topic, state in rows]
    ledger_s = best_of(ledger.verify)
    raw_s = best_of(lambda: common.chained_sha256(states))
    read_s = best_of(
        lambda: common.chained_sha256([state for _t, state in common.stored_rows(ledger)])
    )
    n = len(rows)
    return Result(
        backend=backend,
        measure="verify",
        events=n,
        ledger_s=ledger_s,
        raw_s=raw_s,
        raw_what="hashlib.sha256 over each stored state, chained, bytes in memory (best of 3)",
        notes=[
            f"raw incl. reading the states back (SELECT + chained SHA-256): "
            f"{common.rate(n, read_s)}; ratio {read_s / ledger_s:.3f}",
        ],
        extra={"raw_read_hash_s": read_s},
    )


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--bodies", type=int, help="bodies (default 2000; quick 200)")
    p.add_argument("--renames", type=int, help="renames of each body (default 49; quick 9)")
    args = p.parse_args()
    bodies = args.bodies or (200 if args.quick else 2000)
    renames = args.renames if args.renames is not None else (9 if args.quick else 49)
    results: list[Result] = []
    setup: list[str] = []
    for name in common.chosen_backends(args):
        with common.backend(name) as where:
            path = where.workdir / "import.json"
            n = common.write_import_file(path, bodies, renames)
            ledger = where.open()
            try:
                _, build_s = common.timed(lambda: ledger.import_files([path]))  # noqa: B023
                setup.append(f"{name}: built {n:,} events by import in {build_s:.1f} s")
                results.append(measure_verify(ledger, name, common.stored_rows(ledger)))
            finally:
                ledger.close()
    common.report("verify throughput", results, as_json=args.json, setup=setup)


if __name__ == "__main__":
    main()
