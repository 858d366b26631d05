"""The ledgers the pages read from: opened read-only, one per worker thread.

A ``Ledger`` holds one database connection, which SQLite lets only the thread that
opened it use.  So the pages' questions run on a few worker threads of our own, each
with its own read-only ledger opened on first use; the event loop never waits on the
database, and at most ``threads`` connections are open at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

from ledger.application import Ledger
from ledger.domain.errors import ReadModelsBehind

T = TypeVar("T")
ACTOR = "web"  # never recorded: a read-only ledger records nothing
# A clerk's write commits its events, then brings the read models up to them: a page
# asked in between waits for that (up to WAIT_FOR_WRITER seconds) rather than fail.
WAIT_FOR_WRITER = 5.0
PAUSE = 0.1


class Readers:
    """Runs questions against read-only ledgers of ``url`` on ``threads`` threads."""

    def __init__(self, url: str, threads: int = 2) -> None:
        self.url = url
        self.threads = threads
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="ledger-reader")

    def _ledger(self) -> Ledger:
        ledger: Ledger | None = getattr(self._local, "ledger", None)
        if ledger is None:
            ledger = Ledger(self.url, actor=ACTOR, read_only=True)
            self._local.ledger = ledger
        return ledger

    async def ask(self, question: Callable[[Ledger], T]) -> T:
        """``question(ledger)``, answered on a worker thread's read-only ledger."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: self._answer(question))

    def _answer(self, question: Callable[[Ledger], T]) -> T:
        deadline = time.monotonic() + WAIT_FOR_WRITER
        while True:
            try:
                return question(self._ledger())
            except ReadModelsBehind:
                if time.monotonic() >= deadline:
                    raise  # a writer that stopped half-way: the page says so (503)
                time.sleep(PAUSE)

    def close(self) -> None:
        """Close every worker's ledger on its own thread, then stop the workers."""
        # One task per worker, each held at a barrier until all are running: so every
        # thread runs exactly one of them and closes its own connection.
        barrier = threading.Barrier(self.threads)

        def close_mine() -> None:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)
            ledger: Ledger | None = getattr(self._local, "ledger", None)
            if ledger is not None:
                self._local.ledger = None
                ledger.close()

        wait([self._pool.submit(close_mine) for _ in range(self.threads)])
        self._pool.shutdown()
