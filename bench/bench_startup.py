"""(5) Start-up: how long a one-shot ``ledger`` command takes, from exec to exit, beside
the bare interpreter's start and ``sqlite-utils query`` on the same file.

It builds the demo ledger (``ledger demo``) in a temporary directory, then runs each
command ``--runs`` times (default 20), interleaved (one of each in turn, so a change of
load on the machine touches them all alike), each in a fresh process:

- ``python -c pass``: the bare interpreter of the same virtualenv (the floor);
- ``ledger --version``;
- ``ledger quorum kcsp-wg-2024-09-12`` and ``ledger tor show kcsp-wg --on 2024-07-04``;
- ``sqlite-utils query FILE "SELECT ..."``: the rows those answers are made of (the
  meeting's row, its body's seats, the ToR's sections in force on the day), read by a
  well-known general tool on the same file.

It prints each median (and the fastest run) in milliseconds, then each command's
ratio to the bare interpreter (the issue asks at most 8x for the queries) and to
``sqlite-utils`` (the issue asks less than 1x).  It never asserts a timing.

``--imports N`` then runs each ledger command ``--runs`` more times under ``python -X
importtime`` and prints, for each, the N modules (ours one by one, a library's added
up under its name) whose own import time is largest, by median: what the start-up is
made of.  Import times so measured are inflated by the measuring; compare them with
each other, not with the timings above.

The children run with bytecode caches allowed (``PYTHONDONTWRITEBYTECODE`` is dropped
from their environment), as an installed package has them: the warm-up run writes them.
The ledger runs as its console script does (``from ledger.cli.main import main``), by
the interpreter running this script, so set ``PYTHONPATH=src`` to time a checkout.

    .venv/bin/python bench/bench_startup.py [--runs 20] [--quick] [--json] [--imports N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUORUM = ("quorum", "kcsp-wg-2024-09-12")
TOR = ("tor", "show", "kcsp-wg", "--on", "2024-07-04")
# What `ledger quorum` and `ledger tor show` read, as one raw query each would start
# with: the rows in force on the day as known now.
AS_OF = "valid_from <= '2024-07-04' AND (valid_to IS NULL OR valid_to > '2024-07-04')"
KNOWN = "recorded_to IS NULL"
RAW_SQL = (
    "SELECT 'meeting', meeting, status, detail FROM proj_meetings "
    f"WHERE meeting = 'kcsp-wg-2024-09-12' AND {KNOWN} "
    "UNION ALL SELECT 'seat', member, organisation, roles FROM proj_members "
    f"WHERE body = 'kcsp-wg' AND {AS_OF} AND {KNOWN} "
    "UNION ALL SELECT 'section', section_id, heading, rules FROM proj_tor_sections "
    f"WHERE body = 'kcsp-wg' AND {AS_OF} AND {KNOWN}"
)
LEDGER = "import sys; from ledger.cli.main import main; sys.argv[0] = 'ledger'; main()"


def commands(db: Path, sqlite_utils: str) -> dict[str, list[str]]:
    ledger = [sys.executable, "-c", LEDGER]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "ledger --version": [*ledger, "--version"],
        "ledger quorum": [*ledger, "--db", str(db), *QUORUM],
        "ledger tor show": [*ledger, "--db", str(db), *TOR],
        "sqlite-utils query": [sqlite_utils, "query", str(db), RAW_SQL],
    }


# The children may write bytecode caches (the warm-up run does), as an installed package
# has them: without, every run would compile the ledger's sources again.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(argv: list[str]) -> float:
    """Seconds from spawn to exit; the command must succeed."""
    start = time.perf_counter()
    done = subprocess.run(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, env=ENV
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode(errors='replace')}")
    return elapsed


IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)")


def import_times(argv: list[str]) -> dict[str, int]:
    """Microseconds of each module's own import (ours by module, a library's summed
    under its top-level name), from one run under ``-X importtime``."""
    done = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=True,
        env=ENV,
        text=True,
    )
    found: dict[str, int] = {}
    for line in done.stderr.splitlines():
        matched = IMPORT_LINE.match(line)
        if matched:
            name = matched.group(2)
            key = name if name.startswith("ledger") else name.split(".")[0]
            found[key] = found.get(key, 0) + int(matched.group(1))
    return found


def biggest_imports(argv: list[str], runs: int, count: int) -> list[dict[str, float]]:
    """The ``count`` largest median own-import times (ms) over ``runs`` runs."""
    samples = [import_times(argv) for _ in range(runs)]
    names = set().union(*samples)
    medians = {n: statistics.median(s.get(n, 0) for s in samples) / 1000 for n in names}
    total = sum(medians.values())
    ranked = sorted(medians.items(), key=lambda kv: -kv[1])[:count]
    return [{"module": "(all)", "ms": round(total, 1)}] + [
        {"module": n, "ms": round(ms, 1)} for n, ms in ranked
    ]


def find_sqlite_utils() -> str:
    beside = Path(sys.executable).with_name("sqlite-utils")
    found = str(beside) if beside.exists() else shutil.which("sqlite-utils")
    if not found:
        raise SystemExit("sqlite-utils is missing: pip install -e '.[bench]'")
    return found


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=None, help="runs of each command (20)")
    p.add_argument("--quick", action="store_true", help="5 runs of each, for a smoke run")
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    p.add_argument(
        "--imports",
        type=int,
        default=0,
        metavar="N",
        help="then the N largest own import times of each ledger query (-X importtime)",
    )
    args = p.parse_args()
    runs = args.runs or (5 if args.quick else 20)
    env_note = f"PYTHONPATH={os.environ.get('PYTHONPATH', '')}"
    with tempfile.TemporaryDirectory(prefix="ledger-bench-startup-") as tmp:
        db = Path(tmp) / "demo.db"
        subprocess.run(
            [sys.executable, "-c", LEDGER, "--db", str(db), "demo"],
            check=True,
            stdout=subprocess.DEVNULL,
            env=ENV,
        )
        argvs = commands(db, find_sqlite_utils())
        for argv in argvs.values():  # warm the page cache and the bytecode caches
            run(argv)
        times: dict[str, list[float]] = {name: [] for name in argvs}
        for _ in range(runs):
            for name, argv in argvs.items():
                times[name].append(run(argv))
        imports = {
            name: biggest_imports(argvs[name], runs, args.imports)
            for name in ("ledger quorum", "ledger tor show")
            if args.imports
        }
    medians = {name: statistics.median(t) for name, t in times.items()}
    bare, raw = medians["python -c pass"], medians["sqlite-utils query"]
    rows = [
        {
            "command": name,
            "median_ms": round(medians[name] * 1000, 1),
            "min_ms": round(min(t) * 1000, 1),
            "x_bare": round(medians[name] / bare, 2),
            "x_sqlite_utils": round(medians[name] / raw, 2),
        }
        for name, t in times.items()
    ]
    load = os.getloadavg()
    setup = {
        "runs": runs,
        "python": sys.version.split()[0],
        "load": [round(x, 2) for x in load],
        "env": env_note,
    }
    if args.json:
        document: dict[str, object] = {"setup": setup, "results": rows}
        if imports:
            document["imports"] = imports
        print(json.dumps(document, indent=2))
        return
    print(
        f"start-up, {runs} runs of each, interleaved; python {setup['python']}; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(f"{'command':<20} {'median ms':>10} {'min ms':>8} {'x bare':>8} {'x sqlite-utils':>15}")
    for row in rows:
        print(
            f"{row['command']:<20} {row['median_ms']:>10.1f} {row['min_ms']:>8.1f} "
            f"{row['x_bare']:>8.2f} {row['x_sqlite_utils']:>15.2f}"
        )
    print("targets: ledger quorum / tor show <= 8x bare, and < 1x sqlite-utils")
    for name, ranked in imports.items():
        print(f"\n{name}: own import time by module, median of {runs} runs, ms (-X importtime)")
        for entry in ranked:
            print(f"  {entry['module']:<40} {entry['ms']:>7.1f}")


if __name__ == "__main__":
    main()
