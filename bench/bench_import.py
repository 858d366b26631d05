"""(b) Bulk import: ``ledger.import_files([path])`` of a generated JSON file (100,000 events).

The file holds 2,000 establish-body entries and 49 rounds of rename-body over them
(increasing effective dates, distinct names), so each body has 50 events. The raw
ceiling inserts the same 100,000 stored (topic, state) byte strings into a plain table
in one transaction with executemany. The peer (bench/peer.py) is bare eventsourcing 9.5
running the same events, padded to the same stored sizes, with the same durability, in
batches of 1,000 per save (and the first --peer-singles of them one per save); the
ledger's rate is printed as a ratio of the peer's batched rate. Each backend runs in a
fresh process, so the peak memory printed (ru_maxrss) is that backend's alone. Then,
unless --no-verify, ``Ledger.verify()`` is measured on the imported ledger (as
bench_verify.py does).

    .venv/bin/python bench/bench_import.py [--backend sqlite|postgres|both] [--quick]
        [--profile N]   print the N hottest functions of the import (cProfile) to stderr
"""

from __future__ import annotations

import cProfile
import io
import multiprocessing
import pstats
import resource
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import common
import peer
from bench_verify import measure_verify
from common import Backend, RawStore, Result
from ledger.application import Receipt
from ledger.interchange import importing

T = TypeVar("T")


class Splits:
    """Accumulates the seconds spent inside wrapped callables, by name."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, name: str, fn: Callable[..., T]) -> Callable[..., T]:
        def wrapper(*args: Any, **kwargs: Any) -> T:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

        return wrapper


def rss_mib() -> tuple[float, float]:
    """This process's resident memory now and at its peak (ru_maxrss), in MiB (Linux)."""
    status = Path("/proc/self/status").read_text().split("VmRSS:")[1].split()
    return int(status[0]) / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def isolated(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)`` in a fresh Python process, so its peak memory is its own."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(fn, *args).result()


def profiled(fn: Callable[[], Any], top: int) -> Any:
    profile = cProfile.Profile()
    value = profile.runcall(fn)
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        print(
            f"--- import profile, by {order} (timings include profiler overhead)", file=sys.stderr
        )
        print(out.getvalue(), file=sys.stderr)
    return value


def measure(
    where: Backend, bodies: int, renames: int, verify: bool, top: int, singles: int
) -> list[Result]:
    path = where.workdir / "import.json"
    n = common.write_import_file(path, bodies, renames)
    size_mb = path.stat().st_size / 1e6
    ledger = where.open()
    try:
        durability = common.durability(ledger)
        # Time the phases ledger.import_files goes through, by wrapping what it calls.
        splits = Splits()
        # The file streams (importing.EntrySource); each entry is validated as it comes.
        validate_entry = importing._entry
        importing._entry = splits.wrap("parse", validate_entry)
        store: Any = ledger._store
        # The ledger's own events go through ``append`` (``save`` is the library's path).
        store.append = splits.wrap("save", store.append)
        runner: Any = ledger.projections
        runner.catch_up = splits.wrap("project", runner.catch_up)
        rss_before, _ = rss_mib()

        def run() -> Receipt:
            return ledger.import_files([path])

        try:
            receipt, ledger_s = common.timed(lambda: profiled(run, top) if top else run())
        finally:
            importing._entry = validate_entry
        _, peak = rss_mib()
        assert receipt.recorded == n, f"recorded {receipt.recorded} of {n}"
        rows = common.stored_rows(ledger)
        checked = [measure_verify(ledger, where.name, rows)] if verify else []
    finally:
        ledger.close()
    raw = RawStore(where)
    try:
        raw_s = raw.insert_all(rows)
    finally:
        raw.close()
    bare = peer.measure(where, rows, peer.import_ops(bodies, renames), singles)
    peer_one, peer_batched = peer.summary(bare)
    ledger_rate = n / ledger_s
    stored_bytes = sum(len(t) + len(s) for t, s in rows) / n
    parse = splits.seconds.get("parse", 0.0)
    save = splits.seconds.get("save", 0.0)
    project = splits.seconds.get("project", 0.0)
    handle = ledger_s - parse - save - project
    phases = {"parse_validate": parse, "handle": handle, "store": save, "project": project}
    shares = "  ".join(
        f"{k} {v:.1f} s ({100 * v / ledger_s:.0f}%)" for k, v in phases.items() if ledger_s
    )
    result = Result(
        backend=where.name,
        measure="bulk-import",
        events=n,
        ledger_s=ledger_s,
        raw_s=raw_s,
        raw_what="executemany INSERT of the same bytes in one transaction",
        notes=[
            f"{durability}; import file {size_mb:.1f} MB JSON, {bodies:,} bodies x "
            f"{renames + 1} events",
            f"total {ledger_s:.1f} s: {shares}",
            f"validating the entries alone: {common.rate(n, parse)};  the rest: "
            f"{common.rate(n, ledger_s - parse)}",
            f"memory: RSS {rss_before:.0f} MiB before import, peak {peak:.0f} MiB "
            f"(+{peak - rss_before:.0f} MiB)",
            f"peer (bare eventsourcing, {bare['durability']}, "
            f"{bare['bytes_per_event']:.0f} B/event stored, ledger {stored_bytes:.0f}): "
            f"batched {peer_batched:,.0f} ev/s, "
            f"one per save {peer_one:,.0f} ev/s (first {bare['one_per_save_events']:,})",
            f"ledger / peer batched: {ledger_rate / peer_batched:.3f}  (target >= 0.5)",
        ],
        extra={
            "phases_s": phases,
            "file_mb": size_mb,
            "rss_before_mib": rss_before,
            "peak_rss_mib": peak,
            "peer_batched_ev_s": peer_batched,
            "peer_one_per_save_ev_s": peer_one,
            "ratio_to_peer_batched": ledger_rate / peer_batched,
        },
    )
    return [result, *checked]


def run_backend(
    name: str, bodies: int, renames: int, verify: bool, top: int, singles: int
) -> list[Result]:
    """One backend, start to finish (in its own process)."""
    with common.backend(name) as where:
        return measure(where, bodies, renames, verify, top, singles)


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--bodies", type=int, help="bodies (default 2000; quick 200)")
    p.add_argument("--renames", type=int, help="renames of each body (default 49; quick 9)")
    p.add_argument("--no-verify", action="store_true", help="skip the verify measurement")
    p.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile top N")
    p.add_argument(
        "--peer-singles",
        type=int,
        default=2000,
        metavar="N",
        help="events the peer also saves one per save (default 2000)",
    )
    args = p.parse_args()
    bodies = args.bodies or (200 if args.quick else 2000)
    renames = args.renames if args.renames is not None else (9 if args.quick else 49)
    results: list[Result] = []
    for name in common.chosen_backends(args):
        results += isolated(
            run_backend, name, bodies, renames, not args.no_verify, args.profile, args.peer_singles
        )
    common.report("bulk import (+ verify)", results, as_json=args.json, setup=[])


if __name__ == "__main__":
    main()
