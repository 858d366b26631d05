"""(a) One event per command: N separate ``Ledger.execute([command])`` calls.

Half the commands establish bodies, the other half rename them. The raw ceiling inserts
the very (topic, state) bytes the ledger stored, read back from its events table, into a
plain table, one transaction per insert, with the same durability. The peer
(bench/peer.py) is bare eventsourcing 9.5 running the same commands (get, change, save:
one event per save), padded to the same stored sizes, with the same durability; the
ledger's rate is printed as a ratio of it (and the peer's batched rate, 1,000 events per
save, beside). The commands run in --rounds rounds (default 4) of their own bodies, the
ledger's round and the peer's in turn, so a machine whose load changes during the run
weighs on both sides alike.

Growth: the cost of one event written by a command of its own to an aggregate that
already holds 9 events (the 10th) and 499 (the 500th), each aggregate filled first by
one import-style ``execute`` of its earlier events; that fill's cost per event is
printed too.

    .venv/bin/python bench/bench_write.py [--backend sqlite|postgres|both] [--quick]
        [--commands N] [--rounds R] [--no-growth]
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

import common
import peer
from common import Backend, RawStore, Result
from ledger.domain.body import BodyKind, EstablishBody, RenameBody
from ledger.domain.commands import Command

START = date(2020, 1, 1)


def commands(n: int, first: int = 0) -> list[Command]:
    """``n`` commands: establish ``n // 2`` bodies (at least one, numbered from ``first``),
    then rename them in turn."""
    bodies = max(1, n // 2)
    out: list[Command] = [
        EstablishBody(
            body=f"b{first + i:06d}",
            name=f"Body {first + i}",
            kind=BodyKind.WORKING_GROUP,
            effective=START,
        )
        for i in range(bodies)
    ]
    out += [
        RenameBody(
            body=f"b{first + i % bodies:06d}",
            name=f"Body {first + i % bodies} renamed {i // bodies + 1}",
            effective=START + timedelta(days=i // bodies + 1),
        )
        for i in range(n - bodies)
    ]
    return out


def rounds(n: int, count: int) -> list[list[Command]]:
    """``n`` commands as ``count`` rounds, each establishing and renaming bodies of its own."""
    sizes = [n // count + (1 if r < n % count else 0) for r in range(count)]
    out, first = [], 0
    for size in sizes:
        out.append(commands(size, first))
        first += max(1, size // 2)
    return [r for r in out if r]


def ops_of(todo: list[Command]) -> list[peer.Op]:
    """The same commands, as the peer runs them."""
    return [
        peer.Op(isinstance(c, EstablishBody), c.body, c.name, c.effective.isoformat())
        for c in todo
        if isinstance(c, EstablishBody | RenameBody)
    ]


def filled(bodies: int, depth: int, tag: str) -> list[Command]:
    """Commands giving each of ``bodies`` bodies ``depth`` events (establish + renames)."""
    out: list[Command] = []
    for i in range(bodies):
        slug = f"{tag}{i:05d}"
        out.append(EstablishBody(body=slug, name=f"{slug} 0", kind=BodyKind.OTHER, effective=START))
        out += [
            RenameBody(body=slug, name=f"{slug} {j}", effective=START + timedelta(days=j))
            for j in range(1, depth)
        ]
    return out


def growth(where: Backend, samples: int) -> Result:
    """Cost per event at 10 and at 500 events per aggregate: single commands, and the fill."""
    ledger = where.open()
    per: dict[int, tuple[float, float]] = {}
    try:
        for depth in (10, 500):
            bodies = max(1, samples // 5) if depth == 500 else samples
            fill = filled(bodies, depth - 1, f"g{depth}-")
            began = time.perf_counter()
            ledger.execute(fill)
            fill_s = (time.perf_counter() - began) / len(fill)
            rounds = samples // bodies
            began = time.perf_counter()
            for r in range(rounds):
                for i in range(bodies):
                    slug = f"g{depth}-{i:05d}"
                    ledger.execute(
                        [
                            RenameBody(
                                body=slug,
                                name=f"{slug} next {r}",
                                effective=START + timedelta(days=depth + r),
                            )
                        ]
                    )
            one_s = (time.perf_counter() - began) / (rounds * bodies)
            per[depth] = (one_s, fill_s)
    finally:
        ledger.close()
    (one10, fill10), (one500, fill500) = per[10], per[500]
    return Result(
        backend=where.name,
        measure="growth",
        events=samples,
        ledger_s=one500 * samples,
        raw_s=one10 * samples,
        raw_what="the same ledger's cost per event at 10 events per aggregate (ratio = 10 / 500)",
        notes=[
            f"one command per event: {1000 * one10:.2f} ms at 10 events per aggregate, "
            f"{1000 * one500:.2f} ms at 500: x{one500 / one10:.2f} (target <= 1.5)",
            f"filling by one execute: {1e6 * fill10:.0f} us/event for aggregates of 9 events, "
            f"{1e6 * fill500:.0f} us/event for 499: x{fill500 / fill10:.2f}",
        ],
        extra={
            "one_ms_10": 1000 * one10,
            "one_ms_500": 1000 * one500,
            "fill_us_10": 1e6 * fill10,
            "fill_us_500": 1e6 * fill500,
        },
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(where: Backend, n: int, setup: list[str], count: int = 4) -> Result:
    parts = rounds(n, count)
    todo = [c for part in parts for c in part]
    ledger = where.open()
    singles: peer.Peer | None = None
    try:
        setup.append(f"{where.name}: {common.durability(ledger)}")
        # Warm up (creates the projection tables, prepares statements); not counted.
        ledger.execute(
            [EstablishBody(body="warmup", name="Warm-up", kind=BodyKind.OTHER, effective=START)]
        )
        latencies = []
        ledger_s = peer_s = 0.0
        for part in parts:
            start = time.perf_counter()
            for command in part:
                began = time.perf_counter()
                ledger.execute([command])
                latencies.append(time.perf_counter() - began)
            ledger_s += time.perf_counter() - start
            if singles is None:  # padded to the sizes the ledger stored in its first round
                singles = peer.Peer(where, peer.sizes_by_kind(common.stored_rows(ledger)[1:]))
                durability = singles.durability()
            peer_s += singles.one_per_save(ops_of(part))
        rows = common.stored_rows(ledger)[1:]
    finally:
        ledger.close()
        if singles is not None:
            singles.close()
    assert len(rows) == n, f"expected {n} stored events, found {len(rows)}"
    raw = RawStore(where)
    try:
        raw_s = raw.insert_each(rows)
    finally:
        raw.close()
    mean_bytes = sum(len(t) + len(s) for t, s in rows) / n
    with peer.peer(where, rows) as batcher:
        batched_s = batcher.batched(ops_of(todo))
        bare = {"durability": durability, "bytes_per_event": batcher.stored_size()}
    peer_one, peer_batched = n / peer_s, n / batched_s
    ledger_rate = n / ledger_s
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
            f"peer (bare eventsourcing, {bare['durability']}, "
            f"{bare['bytes_per_event']:.0f} B/event stored): one per save {peer_one:,.0f} ev/s, "
            f"batched {peer_batched:,.0f} ev/s",
            f"ledger / peer one per save: {ledger_rate / peer_one:.3f}  (target >= 0.8; "
            f"{len(parts)} rounds of each, in turn)",
        ],
        extra={
            "peer_one_per_save_ev_s": peer_one,
            "peer_batched_ev_s": peer_batched,
            "ratio_to_peer_one_per_save": ledger_rate / peer_one,
            "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * percentile(latencies, 0.99),
            "bytes_per_event": mean_bytes,
        },
    )


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--commands", type=int, help="commands to execute (default 2000; quick 200)")
    p.add_argument("--rounds", type=int, default=4, help="rounds of ledger and peer in turn")
    p.add_argument("--no-growth", action="store_true", help="skip the growth measurement")
    args = p.parse_args()
    n = args.commands or (200 if args.quick else 2000)
    results: list[Result] = []
    setup: list[str] = []
    for name in common.chosen_backends(args):
        with common.backend(name) as where:
            results.append(measure(where, n, setup, max(1, args.rounds)))
        if not args.no_growth:
            with common.backend(name) as where:
                results.append(growth(where, 20 if args.quick else 100))
    common.report("one event per command", results, as_json=args.json, setup=setup)


if __name__ == "__main__":
    main()
