"""(f) Web pages: how long each page of ``ledger serve`` takes to answer, on the demo
ledger and on a large one, beside the ``Ledger`` answer it renders.

Each page is requested through the application (Starlette's test client: the whole
ASGI stack, the worker thread, the read-only ledger, the template) after a warm-up,
interleaved with its ceiling: the same ``Ledger`` call or calls made directly on a
read-only ledger, which is what the page has to read before it can render anything.
The issue's target is under 50 ms a page on the demo ledger.

The large ledger is ``bench_queries.py``'s (the ``target`` body's twenty years among
noise), built at ``--events`` (default 1,000,000; ``--quick`` 20,000), or an existing
SQLite ledger of that shape given by ``--ledger FILE`` (kept, never written).

    .venv/bin/python bench/bench_web.py [--quick] [--events N] [--ledger FILE]
        [--runs 50] [--backend sqlite|postgres|both] [--json]
"""

from __future__ import annotations

import contextlib
import io
import random
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from starlette.testclient import TestClient

import bench_queries as large
import common
from bench_write import percentile
from common import Result
from ledger.application import Ledger
from ledger.cli.demo import build as build_demo
from ledger.web.app import create_app
from ledger.web.funds import step_for

WARM_UP = 3
TARGET_MS = 50.0
Page = tuple[str, str, Callable[[Ledger], Any]]  # name, path, the answer it renders


def demo_pages() -> list[Page]:
    day, plan_day, year_end = date(2024, 7, 4), date(2024, 12, 20), date(2025, 3, 31)
    wg, meeting, motion, fund = "kcsp-wg", "kcsp-wg-2024-09-12", "kcsp-wg-2024-06-13-3a", "kcsp-csf"
    held = date(2024, 9, 12)
    return [
        ("bodies", "/bodies?on=2024-07-04", lambda led: led.bodies(day)),
        (
            "tor",
            f"/bodies/{wg}/tor?on=2024-07-04",
            lambda led: (led.body(wg, day), led.tor_history(wg), led.tor(wg, day)),
        ),
        ("tor.json", f"/bodies/{wg}/tor.json?on=2024-07-04", lambda led: led.tor(wg, day)),
        (
            "redline",
            f"/bodies/{wg}/tor/redline?from=2024-07-03&to=2024-07-04",
            lambda led: (led.body(wg, day), led.tor_diff(wg, day - timedelta(days=1), day)),
        ),
        (
            "members",
            f"/bodies/{wg}/members?on=2024-07-04",
            lambda led: (led.body(wg, day), led.members(wg, day)),
        ),
        ("meetings", f"/bodies/{wg}/meetings", lambda led: (led.body(wg, day), led.meetings(wg))),
        (
            "meeting",
            f"/meetings/{meeting}",
            lambda led: (led.meeting(meeting), led.body(wg, held), led.decisions(wg, held, held)),
        ),
        (
            "decisions",
            f"/bodies/{wg}/decisions",
            lambda led: (led.body(wg, day), led.decisions(wg)),
        ),
        (
            "decision",
            f"/decisions/{motion}",
            lambda led: (led.decision(motion), led.body(wg, day)),
        ),
        (
            "forward plan",
            f"/bodies/{wg}/forward-plan?on=2024-12-20",
            lambda led: (led.body(wg, plan_day), led.forward_plan(wg, plan_day)),
        ),
        (
            "budget",
            f"/funds/{fund}?on=2025-03-31",
            lambda led: (
                led.budget(fund, year_end),
                led.budget_series(fund, date(2023, 4, 1), year_end),
                led.body(wg, year_end),
            ),
        ),
        ("audit", "/audit", lambda led: (led.head(), led.checkpoints(), led.verify())),
    ]


def large_pages(n: int) -> list[Page]:
    rng = random.Random(n)
    span = (large.END - large.START).days
    day = large.START + timedelta(days=rng.randrange(span))
    later = day + timedelta(days=365)
    body, meeting, motion, fund = large.BODY, large.MEETINGS[20], large.MOTION_ID, large.FUND
    held = date.fromisoformat(meeting[len(body) + 1 :])
    first, last = large.YEAR
    on, until = day.isoformat(), later.isoformat()
    every = step_for(large.START, day)  # as the budget page chooses
    return [
        ("bodies", f"/bodies?on={on}", lambda led: led.bodies(day)),
        (
            "tor",
            f"/bodies/{body}/tor?on={on}",
            lambda led: (led.body(body, day), led.tor_history(body), led.tor(body, day)),
        ),
        (
            "redline",
            f"/bodies/{body}/tor/redline?from={on}&to={until}",
            lambda led: (led.body(body, later), led.tor_diff(body, day, later)),
        ),
        (
            "members",
            f"/bodies/{body}/members?on={on}",
            lambda led: (led.body(body, day), led.members(body, day)),
        ),
        (
            "meetings",
            f"/bodies/{body}/meetings",
            lambda led: (led.body(body, day), led.meetings(body)),
        ),
        (
            "meeting",
            f"/meetings/{meeting}",
            lambda led: (
                led.meeting(meeting),
                led.body(body, held),
                led.decisions(body, held, held),
            ),
        ),
        (
            "decisions",
            f"/bodies/{body}/decisions?from={first}&to={last}",
            lambda led: (led.body(body, last), led.decisions(body, first, last)),
        ),
        (
            "decision",
            f"/decisions/{motion}",
            lambda led: (led.decision(motion), led.body(body, held)),
        ),
        (
            "budget",
            f"/funds/{fund}?on={on}",
            lambda led: (
                led.budget(fund, day),
                led.budget_series(fund, large.START, day, every=every),
                led.body(body, day),
            ),
        ),
        ("audit", "/audit", lambda led: (led.head(), led.checkpoints(), led.verify())),
    ]


def measure(url: str, backend: str, label: str, pages: list[Page], runs: int) -> list[Result]:
    results = []
    # verify_every=0: the audit page verifies the chain on every request (a served page
    # reuses its verification while the head is unchanged, for up to 5 minutes).
    app = create_app(url, verify_every=0)
    with TestClient(app) as client, Ledger(url, read_only=True) as ledger:
        for name, path, answer in pages:
            # The audit page verifies the whole chain: on a large ledger, a few runs do.
            count = runs if name != "audit" else max(1, min(runs, 3))
            for _ in range(WARM_UP if name != "audit" else 1):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code, response.text)
                answer(ledger)
            took: dict[str, list[float]] = {"page": [], "answer": []}
            for _ in range(count):
                for side, fn in (
                    ("page", lambda: client.get(path)),  # noqa: B023
                    ("answer", lambda: answer(ledger)),  # noqa: B023
                ):
                    began = time.perf_counter()
                    fn()
                    took[side].append(time.perf_counter() - began)
            page_ms = [1000 * t for t in took["page"]]
            answer_ms = [1000 * t for t in took["answer"]]
            mean, p95 = sum(page_ms) / count, percentile(page_ms, 0.95)
            mean_answer = sum(answer_ms) / count
            result = Result(
                backend,
                f"{name} @ {label}",
                count,
                sum(took["page"]),
                sum(took["answer"]),
                "the Ledger answer(s) the page renders, called directly on a read-only ledger",
            )
            verdict = "under" if mean < TARGET_MS else "OVER"
            result.notes.append(
                f"ms per page: mean {mean:.1f} p95 {p95:.1f} ({verdict} {TARGET_MS:.0f} ms) | "
                f"answer mean {mean_answer:.1f} | page/answer {mean / mean_answer:.2f}x | {path}"
            )
            result.extra = {"path": path, "page_mean_ms": mean, "page_p95_ms": p95}
            result.extra |= {"answer_mean_ms": mean_answer}
            results.append(result)
    return results


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.set_defaults(backend="sqlite")
    p.add_argument("--events", type=int, default=None, help="the large ledger (1,000,000)")
    p.add_argument("--ledger", default=None, help="an existing SQLite ledger of that shape")
    p.add_argument("--runs", type=int, default=None, help="timed requests of each page (50)")
    args = p.parse_args()
    n = args.events or (20_000 if args.quick else 1_000_000)
    runs = args.runs or (20 if args.quick else 50)
    results: list[Result] = []
    setup: list[str] = []
    backends = ["sqlite"] if args.ledger else common.chosen_backends(args)
    for name in backends:
        with common.backend(name) as where:
            with contextlib.redirect_stdout(io.StringIO()):
                build_demo(where.url)
            with Ledger(where.url) as opened:
                setup.append(f"{name} demo: {opened.count():,} events")
            measured = measure(where.url, name, "demo", demo_pages(), runs)
            results += measured
            if not args.json:
                common.report(f"{name} demo", measured, as_json=False, setup=[])
        with common.backend(name) as where:
            url = args.ledger or where.url
            if args.ledger is None:
                ledger = where.open()
                try:
                    files, built = common.timed(lambda: large.build(ledger, where, n))  # noqa: B023
                    ledger.projections.catch_up()
                    setup.append(
                        f"{name} {ledger.count():,} events: built from {files} files in "
                        f"{built:.0f} s"
                    )
                finally:
                    ledger.close()
            with Ledger(url, read_only=True) as opened:
                count = opened.count()
            label = f"{count:,} events"
            measured = measure(url, name, label, large_pages(count), runs)
            results += measured
            if not args.json:
                common.report(f"{name} at {label}", measured, as_json=False, setup=[])
    title = "web pages (count = requests; ms per page and page/answer in the notes)"
    common.report(title, results, as_json=args.json, setup=setup)


if __name__ == "__main__":
    main()
