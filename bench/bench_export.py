"""(f) Exports and their verification on a large ledger: throughput and peak memory.

Builds (or reuses, with ``--ledger FILE``) a ledger of N events (default 1,000,000;
--quick 20,000) the way ``bench_queries.py`` does: one body, ``target``, with twenty
years of ToR, members, meetings, decisions and a fund, and the rest bodies and
organisations.  Then each operation runs in a fresh child process, so the peak resident
memory it reports (``ru_maxrss``) is its own:

- ``export jsonl``: the whole verifiable trail (every event, its leaf hash, the signed
  checkpoint), beside its raw ceiling: the same batched SELECT of the stored bytes, each
  line's SHA-256 and JSON written to a file, with nothing else;
- ``export jsonl --body target``: the partial trail, each event with its inclusion proof;
- ``export FORMAT`` for every other format the ledger has (csv, html, popolo, grants),
  beside the same raw ceiling (reading the log is the least any export must do);
- ``verify EXPORT``: the whole trail checked by the ledger's verifier (every leaf hash,
  the tree's root, the checkpoint's signature), and by ``verify.py`` run as an auditor
  runs it, beside the raw ceiling: read the lines, SHA-256 each event, and the plain
  loop of the tree's 2n - 1 hashes;
- ``verify``: the ledger's SHA-256 chain, beside the same rows read and chained.

    .venv/bin/python bench/bench_export.py [--backend sqlite|postgres|both] [--quick]
        [--events N] [--ledger FILE (SQLite, kept between runs)]
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import common
from bench_merkle import raw_root
from bench_queries import build
from common import Backend, Result
from ledger.application import Ledger, verifier_source, verify_export
from ledger.infra import chain
from ledger.infra.checkpoint import generate, write_key
from ledger.interchange.export import FORMATS
from ledger.queries.proofs import stored_events

HERE = Path(__file__).resolve().parent


def peak_mib() -> float:
    """This process's own peak resident memory (VmHWM: ru_maxrss would carry the
    parent's peak across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- what each child process does ----------------------------------------------------


def raw_export(ledger: Ledger, out: Path) -> int:
    """The least an export does: every stored event read in order, hashed, written."""
    n = 0
    with out.open("w", encoding="utf-8") as handle:
        for position, topic, state in stored_events(ledger.db, ledger.count()):
            leaf = hashlib.sha256(b"\x00" + state).hexdigest()
            line = {"position": position, "topic": topic, "leaf_hash": leaf}
            handle.write(json.dumps({**line, "event": state.decode()}) + "\n")
            n += 1
    return n


def raw_verify_export(path: Path) -> int:
    """The least a verifier does: read each line, hash its event, root the tree."""
    data = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            if "event" in doc:
                state = doc["event"].encode()
                if hashlib.sha256(b"\x00" + state).hexdigest() != doc["leaf_hash"]:
                    raise SystemExit(f"raw: bad leaf at {doc['position']}")
                data.append(state)
    raw_root(data)
    return len(data)


def raw_verify(ledger: Ledger) -> int:
    """The chain's ceiling: the same rows read in order and chained with SHA-256."""
    prev, n = chain.GENESIS.encode(), 0
    for _position, _topic, state in stored_events(ledger.db, ledger.count()):
        prev = hashlib.sha256(prev + state).hexdigest().encode()
        n += 1
    return n


def child(op: str, url: str, work: Path) -> dict[str, Any]:
    """Run one operation; return its time, what it covered and the process's peak RSS."""
    started = time.perf_counter()
    ledger = Ledger(url, actor="bench")
    try:
        key = work / "bench.key"
        if op == "export-jsonl":
            written = ledger.export("jsonl", work / "trail.jsonl", key=key)
            n = written.tree_size or 0
        elif op == "export-jsonl-body":
            written = ledger.export("jsonl", work / "target.jsonl", key=key, body="target")
            n = sum(1 for _ in (work / "target.jsonl").open()) - 2
        elif op.startswith("export-"):
            kind, _, body = op.removeprefix("export-").partition(":")
            out = work / f"export-{body or 'all'}.{kind}"
            shutil.rmtree(out, ignore_errors=True)
            out.unlink(missing_ok=True)
            written = ledger.export(kind, out, body=body or None)
            n = ledger.count()
        elif op == "raw-export":
            n = raw_export(ledger, work / "raw.jsonl")
        elif op == "verify-export":
            n = verify_export(work / "trail.jsonl", None, None).events
        elif op == "raw-verify-export":
            n = raw_verify_export(work / "raw.jsonl")
        elif op == "verify":
            report = ledger.verify()
            assert report.ok, report.first_problem
            n = report.events
        elif op == "raw-verify":
            n = raw_verify(ledger)
        elif op == "verify-py":
            return verify_py(work, time.perf_counter())
        else:
            raise SystemExit(f"unknown operation {op}")
    finally:
        ledger.close()
    return {"op": op, "events": n, "seconds": time.perf_counter() - started, "rss": peak_mib()}


def verify_py(work: Path, started: float) -> dict[str, Any]:
    """verify.py as an auditor runs it, in its own interpreter; its own peak RSS."""
    script = work / "verify.py"
    script.write_text(verifier_source(), encoding="utf-8")
    # verify.py's own peak, read from /proc as it exits (a wrapper prints it on stderr).
    wrapper = (
        "import runpy, sys; sys.argv = sys.argv[1:]\n"
        "try:\n    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "finally:\n"
        "    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
        "    sys.stderr.write(str(int(hwm[0].split()[1]) / 1024))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapper, str(script), str(work / "trail.jsonl")],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stdout + done.stderr
    return {"op": "verify.py", "events": 0, "seconds": seconds, "rss": float(done.stderr or 0)}


def run_child(op: str, url: str, work: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path])}
    done = subprocess.run(
        [sys.executable, __file__, "--child", op, "--url", url, "--work", str(work)],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:
        raise SystemExit(f"{op} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


# --- the parent ----------------------------------------------------------------------


def measure(
    where: Backend, url: str, backend: str, formats: list[str], one_body_only: list[str]
) -> list[Result]:
    work = where.workdir
    write_key(generate("bench-ledger"), work / "bench.key")
    got = {op: run_child(op, url, work) for op in ["raw-export", "export-jsonl"]}
    results = []

    def result(measure: str, mine: dict[str, Any], raw: dict[str, Any], what: str) -> Result:
        return Result(
            backend=backend,
            measure=measure,
            events=int(raw["events"]),
            ledger_s=float(mine["seconds"]),
            raw_s=float(raw["seconds"]),
            raw_what=what,
            notes=[f"peak RSS {mine['rss']:.0f} MiB (raw {raw['rss']:.0f} MiB)"],
        )

    read_what = "the stored bytes read in position order, SHA-256 per line, JSON lines written"
    results.append(result("export jsonl", got["export-jsonl"], got["raw-export"], read_what))
    body = run_child("export-jsonl-body", url, work)
    partial = result("export jsonl --body target", body, got["raw-export"], read_what)
    partial.notes.append(f"{body['events']:,} events of the target body, each with its proof")
    results.append(partial)
    for kind in formats:
        if kind != "jsonl":
            if kind not in one_body_only:
                done = run_child(f"export-{kind}", url, work)
                results.append(result(f"export {kind}", done, got["raw-export"], read_what))
            done = run_child(f"export-{kind}:target", url, work)
            one = result(f"export {kind} --body target", done, got["raw-export"], read_what)
            one.notes.append(f"{done['seconds']:.2f} s for the one body's {kind}")
            results.append(one)
    raw_check = run_child("raw-verify-export", url, work)
    checked = run_child("verify-export", url, work)
    what = "each line read and its event hashed, then the plain loop of the tree's 2n - 1 hashes"
    verified = result("verify EXPORT", checked, raw_check, what)
    alone = run_child("verify-py", url, work)
    verified.notes.append(
        f"verify.py alone (standard library): {alone['seconds']:.1f} s, "
        f"{common.rate(int(raw_check['events']), alone['seconds'])}, "
        f"peak RSS {alone['rss']:.0f} MiB"
    )
    results.append(verified)
    chain_raw = run_child("raw-verify", url, work)
    chained = run_child("verify", url, work)
    results.append(
        result("verify", chained, chain_raw, "the same rows read in order, chained SHA-256")
    )
    return results


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--events", type=int, help="ledger size (default 1,000,000; quick 20,000)")
    p.add_argument("--ledger", type=Path, help="a SQLite ledger file to use, built if missing")
    p.add_argument("--formats", default=",".join(FORMATS), help="export formats to time")
    p.add_argument(
        "--one-body-only",
        default="",
        help="formats to time for --body target only (a report per body of a huge register)",
    )
    p.add_argument("--child", help=argparse_hidden())
    p.add_argument("--url", help=argparse_hidden())
    p.add_argument("--work", type=Path, help=argparse_hidden())
    args = p.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.url, args.work)))
        return
    n = args.events or (20_000 if args.quick else 1_000_000)
    results: list[Result] = []
    setup: list[str] = []
    for name in common.chosen_backends(args):
        with common.backend(name) as where:
            url = where.url
            if name == "sqlite" and args.ledger is not None:
                url = str(args.ledger.resolve())
            ledger = Ledger(url, actor="bench")
            try:
                if ledger.is_empty():
                    _, built = common.timed(lambda: build(ledger, where, n))  # noqa: B023
                    ledger.projections.catch_up()
                    setup.append(f"{name}: built {ledger.count():,} events in {built:.0f} s")
                else:
                    setup.append(f"{name}: reused {url} ({ledger.count():,} events)")
            finally:
                ledger.close()
            only = args.one_body_only.split(",") if args.one_body_only else []
            measured = measure(where, url, name, args.formats.split(","), only)
            results += measured
            if not args.json:
                common.report(f"{name}: exports", measured, as_json=False, setup=[])
    common.report("exports and verification", results, as_json=args.json, setup=setup)


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
