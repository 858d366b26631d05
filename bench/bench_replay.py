"""(f) ``Ledger.replay()`` over a 100,000-event ledger, beside reading the same rows and
hashing them.

The ledger is the one ``bench_queries.py`` builds (the ``target`` body's 20 years of ToR
amendments, members, 40 meetings of 10 items, 100 motions and a fund, among bodies and
organisations renamed over the years).  Each measurement runs in a fresh process, so its
peak RSS (``ru_maxrss``) is its own:

- ``replay``: every step of the whole record consumed, each with what it changed;
- ``replay --body target``: every link still read and verified, every event folded, the
  steps (and the answers they change) worked out for the target's events only;
- the raw ceiling: the same rows (chain joined to events, in position order, 2,000 at a
  time) read with the ledger's connection and each link's SHA-256 recomputed as
  ``ledger verify`` does, with nothing decoded or folded.

A note gives the mean cost of a step by the kind of aggregate its event belongs to.

    .venv/bin/python bench/bench_replay.py [--backend sqlite|postgres|both] [--quick]
        [--events 100000]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import bench_queries
import common
from common import Result
from ledger.application import Ledger
from ledger.infra.chain import GENESIS, link_hash
from ledger.queries.audit import chain_rows


def rss_mb() -> float:
    """This process's peak resident memory so far, in MB.  On Linux from VmHWM, which
    starts afresh at exec (``ru_maxrss`` carries over the peak of the process that
    started this one); elsewhere ``ru_maxrss``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def raw_ceiling(ledger: Ledger) -> tuple[int, float]:
    """Read every link and its event's bytes in position order; recompute each hash."""
    start = time.perf_counter()
    prev, n = GENESIS, 0
    for row in chain_rows(ledger.db, 0, None, 2000):
        assert row.state is not None
        assert row.topic is not None
        prev = link_hash(row.position, prev, row.topic, row.state)
        assert prev == row.hash
        n += 1
    return n, time.perf_counter() - start


def child(url: str, measure: str) -> dict[str, Any]:
    """One measurement in this (fresh) process: its time, steps and peak RSS."""
    with Ledger(url, actor="bench") as ledger:
        base = rss_mb()
        if measure == "raw":
            n, seconds = raw_ceiling(ledger)
            return {"events": n, "seconds": seconds, "rss_base": base, "rss_peak": rss_mb()}
        replay = ledger.replay(body="target" if measure == "body" else None)
        by_kind: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        changed = steps = 0
        start = last = time.perf_counter()
        for step in replay:
            now = time.perf_counter()
            by_kind[step.kind][0] += 1
            by_kind[step.kind][1] += now - last
            steps += 1
            changed += bool(step.changes)
            last = time.perf_counter()
        seconds = time.perf_counter() - start
        return {
            "events": replay.verified,
            "steps": steps,
            "changed": changed,
            "seconds": seconds,
            "by_kind": {k: [int(v[0]), v[1]] for k, v in by_kind.items()},
            "rss_base": base,
            "rss_peak": rss_mb(),
        }


def in_child(url: str, measure: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, measure],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
    )
    found: dict[str, Any] = json.loads(out.stdout)
    return found


def kinds(found: dict[str, Any]) -> str:
    parts = [
        f"{kind} {n:,} x {1e6 * s / n:,.0f} us"
        for kind, (n, s) in sorted(found["by_kind"].items(), key=lambda kv: -kv[1][1])
    ]
    return "per step by kind: " + ", ".join(parts)


def measure(url: str, backend: str) -> list[Result]:
    raw = in_child(url, "raw")
    results = []
    for name, which in (("replay", "all"), ("replay --body target", "body")):
        found = in_child(url, which)
        assert found["events"] == raw["events"], (found["events"], raw["events"])
        results.append(
            Result(
                backend=backend,
                measure=name,
                events=found["events"],
                ledger_s=found["seconds"],
                raw_s=raw["seconds"],
                raw_what="the same rows read (chain + events, by position, 2,000 at a time) "
                "and each link's SHA-256 recomputed",
                notes=[
                    f"{found['steps']:,} steps shown, {found['changed']:,} of them changed an "
                    f"answer; {1e6 * found['seconds'] / found['events']:,.1f} us per event",
                    kinds(found),
                    f"peak RSS {found['rss_peak']:,.0f} MB (after opening the ledger "
                    f"{found['rss_base']:,.0f} MB); raw ceiling's peak {raw['rss_peak']:,.0f} MB",
                ],
                extra=found,
            )
        )
    return results


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], sys.argv[3])))
        return
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--events", type=int, help="ledger size (default 100000; quick 20000)")
    args = p.parse_args()
    n = args.events or (20_000 if args.quick else 100_000)
    results: list[Result] = []
    setup: list[str] = []
    for name in common.chosen_backends(args):
        with common.backend(name) as where:
            ledger = where.open()
            try:
                files, build_s = common.timed(lambda: bench_queries.build(ledger, where, n))  # noqa: B023
                setup.append(
                    f"{name}: built {ledger.count():,} events in {files} imports, {build_s:.0f} s"
                )
            finally:
                ledger.close()
            results += measure(where.url, name)
    common.report("replay throughput", results, as_json=args.json, setup=setup)


if __name__ == "__main__":
    main()
