"""(2, 6) Bounded memory: a 1,000,000-event import, ten 100,000-event imports in one
process, and the rebuild of the read models, each with its peak resident memory.

The files are written as a stream by this script (never held whole), in the shape of
bench_import.py's: bodies established, then rounds of renames over all of them, 50
events per body.  Each measurement runs in a fresh interpreter (``spawn``), so the
peak it prints (``VmHWM`` of /proc/self/status) is its own: the interpreter with the
ledger imported and opened, then what the work added.

    .venv/bin/python bench/bench_memory.py [--backend sqlite|postgres|both] [--quick]
        [--events N]   events in the one big file (default 1,000,000; --quick 100,000)
        [--files K]    the second measurement's files, of N/K events each (default 10)
        [--json]

The targets (issue 13): each peak under 300 MB, and the rebuild at least at the
import's rate.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import common
from common import Result

PER_BODY = 50  # events per body, as bench_import.py


def write_file(path: Path, events: int, offset: int = 0) -> int:
    """A JSON import file of ``events`` entries, written entry by entry: bodies
    ``offset`` on established, then renamed round after round."""
    bodies = max(1, events // PER_BODY)
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        for j in range(PER_BODY):
            for i in range(offset, offset + bodies):
                if written == events:
                    break
                effective = (date(2000, 1, 1) + timedelta(days=j)).isoformat()
                if j:
                    entry = {"type": "rename-body", "name": f"Body {i} (revision {j})"}
                else:
                    entry = {"type": "establish-body", "kind": "working-group", "name": f"B{i}"}
                entry.update(body=f"b{i:07d}", effective=effective)
                out.write(("," if written else "") + json.dumps(entry))
                written += 1
        out.write("]")
    return written


def memory_mib() -> tuple[float, float]:
    """This process's resident memory now and at its peak, in MiB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _child(url: str, task: str, paths: list[str]) -> dict[str, Any]:
    from ledger.application import Ledger

    with Ledger(url, actor="bench") as ledger:
        ledger.count()
        before, _ = memory_mib()
        start = time.perf_counter()
        if task == "import":
            events = sum(ledger.import_files([Path(p)]).recorded for p in paths)
        else:
            events = ledger.rebuild_projections()
        seconds = time.perf_counter() - start
        _, peak = memory_mib()
    return {"events": events, "seconds": seconds, "before": before, "peak": peak}


def in_fresh_process(url: str, task: str, paths: list[Path]) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_child, (url, task, [str(p) for p in paths]))


def measure(name: str, events: int, files: int) -> list[Result]:
    results = []
    with common.backend(name) as b:
        big = b.workdir / "big.json"
        write_file(big, events)
        one = in_fresh_process(b.url, "import", [big])
        big.unlink()
        rebuilt = in_fresh_process(b.url, "rebuild", [])
    with common.backend(name) as b:
        parts = []
        for k in range(files):
            part = b.workdir / f"part-{k}.json"
            write_file(part, events // files, offset=k * events)
            parts.append(part)
        many = in_fresh_process(b.url, "import", parts)
    for measure_name, found, raw in (
        ("import, one file", one, one),
        (f"import, {files} files in one process", many, one),
        ("projections rebuild", rebuilt, one),
    ):
        result = Result(
            name,
            measure_name,
            found["events"],
            found["seconds"],
            raw["seconds"] * found["events"] / max(raw["events"], 1),
            "the one-file import's rate",
        )
        result.notes.append(
            f"resident memory: {found['before']:.0f} MiB before, peak {found['peak']:.0f} MiB "
            f"(+{found['peak'] - found['before']:.0f} MiB); target: peak under 300 MB"
        )
        result.extra = {"peak_mib": found["peak"], "before_mib": found["before"]}
        results.append(result)
    return results


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=0)
    p.add_argument("--files", type=int, default=10)
    args = p.parse_args()
    events = args.events or (100_000 if args.quick else 1_000_000)
    results: list[Result] = []
    for name in common.chosen_backends(args):
        results.extend(measure(name, events, args.files))
    common.report(
        "bounded memory: import and rebuild, peak resident memory of each",
        results,
        as_json=args.json,
        setup=[f"{events:,} events in one file; {args.files} files of {events // args.files:,}"],
    )


if __name__ == "__main__":
    main()
