"""One event per command, two checkouts and the peer in turn: each a fresh process.

``bench_write.py`` measures one checkout beside the peer in one process.  To compare a
change with what it changes, this runs ``--commands`` commands (the same establish and
rename commands as bench_write) with the ledger of the checkout ``--before``, then with
that of ``--after``, then with the peer (bench/peer.py, padded to the sizes the ledger
stored), each in a fresh interpreter on a fresh database, ``--rotations`` times in
turn, so a load that changes during the run weighs on all three alike.  It prints each
side's median wall time and CPU time (user + system, the process's own) per command,
and the peer's median wall time over each side's: the ratio the issue's target is
about (>= 0.8).

Each side runs 2,000 commands by default, as bench_write does: on SQLite a fresh
database's write-ahead log grows until its first checkpoint (1,000 pages), and a commit
that extends the file is slower to sync than one that writes over it. The ledger writes
about 17 pages a command and is past that within 60 commands; the peer writes 2.4 and,
in 300 commands, never was, so with 300 the peer ran slower (0.49 ms against 0.36 at
2,000, in one run) and the ratio read about 0.84 where it is about 0.6.

    .venv/bin/python bench/bench_rotations.py --before /work/main --after . \\
        [--backend sqlite|postgres|both] [--rotations 7] [--commands 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def side(kind: str, backend: str, n: int, sizes: list[int]) -> dict[str, Any]:
    """Run ``n`` commands with the ledger (of the checkout on sys.path) or the peer."""
    import bench_write
    import common
    import peer
    from ledger.domain.body import BodyKind, EstablishBody

    todo = bench_write.commands(n)
    with common.backend(backend) as where:
        if kind == "ledger":
            ledger = where.open()
            ledger.execute(
                [
                    EstablishBody(
                        body="warmup",
                        name="Warm-up",
                        kind=BodyKind.OTHER,
                        effective=bench_write.START,
                    )
                ]
            )
            cpu, wall = time.process_time(), time.perf_counter()
            for command in todo:
                ledger.execute([command])
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            stored = peer.sizes_by_kind(common.stored_rows(ledger)[1:])
            ledger.close()
            sizes = [stored[True], stored[False]]
        else:
            bare = peer.Peer(where, {True: sizes[0], False: sizes[1]})
            bare.one_per_save([peer.Op(True, "warmup", "Warm-up", "2020-01-01")])
            cpu = time.process_time()
            wall = bare.one_per_save(bench_write.ops_of(todo))
            cpu = time.process_time() - cpu
            bare.close()
    return {"ms": 1000 * wall / n, "cpu": 1000 * cpu / n, "sizes": sizes}


def run(kind: str, tree: Path, backend: str, n: int, sizes: list[int]) -> dict[str, Any]:
    """One side in a fresh interpreter, with ``tree``'s sources and benches."""
    env = dict(os.environ, PYTHONPATH=f"{tree / 'src'}{os.pathsep}{tree / 'bench'}")
    argv = [sys.executable, __file__, "--side", kind, "--backend", backend]
    argv += ["--commands", str(n), "--sizes", json.dumps(sizes)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{kind} of {tree} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--before", type=Path, help="the checkout compared with (e.g. main)")
    p.add_argument("--after", type=Path, default=Path(__file__).resolve().parent.parent)
    p.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument("--rotations", type=int, default=7)
    p.add_argument("--commands", type=int, default=2000)
    p.add_argument("--side", choices=("ledger", "peer"), help=argparse.SUPPRESS)
    p.add_argument("--sizes", default="[0, 0]", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.side:  # a child: one side, one JSON line
        print(json.dumps(side(args.side, args.backend, args.commands, json.loads(args.sizes))))
        return
    trees = {"after": args.after.resolve()}
    if args.before:
        trees = {"before": args.before.resolve(), **trees}
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        found: dict[str, list[dict[str, Any]]] = {name: [] for name in [*trees, "peer"]}
        sizes = [0, 0]
        for r in range(args.rotations):
            for name, tree in trees.items():
                found[name].append(run("ledger", tree, backend, args.commands, sizes))
                sizes = found[name][-1]["sizes"] if sizes == [0, 0] else sizes
            found["peer"].append(run("peer", trees["after"], backend, args.commands, sizes))
            load = os.getloadavg()[0]
            print(
                f"{backend} rotation {r + 1}: "
                + "  ".join(
                    f"{k} {v[-1]['ms']:.2f} ms ({v[-1]['cpu']:.2f})" for k, v in found.items()
                )
                + f"  load {load:.1f}",
                file=sys.stderr,
            )
        peer_ms = statistics.median(x["ms"] for x in found["peer"])
        for name, rows in found.items():
            ms = statistics.median(x["ms"] for x in rows)
            cpu = statistics.median(x["cpu"] for x in rows)
            print(
                f"{backend:9} {name:7} {ms:6.2f} ms per command ({cpu:.2f} ms CPU)  "
                f"peer / this = {peer_ms / ms:.3f}   (median of {args.rotations} rotations "
                f"of {args.commands} commands)"
            )


if __name__ == "__main__":
    main()
