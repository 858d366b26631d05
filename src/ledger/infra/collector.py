"""Python's cycle collector during a long write or rebuild (ADR 0025).

An import keeps tens of thousands of objects alive from one chunk to the next: the
decoded events the history cache holds, the pending chunk, the catch-up's batch.  The
collector's full passes walk all of them, again and again: at 100,000 events, 28 full
passes took 7 of the import's 41 seconds.  Yet what an import makes is freed by
reference counting (a whole import leaves a few hundred objects in cycles, and the
same peak memory with or without the collector).

So, between the steps of a long operation, what has lived through a step is frozen
(``gc.freeze``): moved where the collector does not walk it, while reference counting
still frees it the moment it is let go.  What each step makes is collected as usual,
in a young generation of 10,000 objects rather than 700, so its passes do not walk the
step's live objects every few hundred allocations.
At the end everything frozen goes back to the oldest generation (``gc.unfreeze``),
where the collector finds any cycle among it as it always would.

Only where nothing else manages the collector: a process that froze objects itself
(``gc.freeze`` at start-up, say) or turned the collector off is left as it is.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

LONG_GEN0 = 10_000  # the young generation's threshold during a long operation


def _nothing() -> None:
    return None


@contextmanager
def frozen_between_steps() -> Iterator[Callable[[], None]]:
    """Yield what to call between the steps of a long operation (it freezes what has
    lived so far); everything frozen is unfrozen when the operation ends, however."""
    if not gc.isenabled() or gc.get_freeze_count():
        yield _nothing
        return
    thresholds = gc.get_threshold()
    # A young generation of LONG_GEN0 objects, not 700: each step makes and frees
    # hundreds of thousands, and a pass every 700 allocations walked what the step
    # holds again and again (in interleaved 100,000-event imports, about 4% of the
    # time; the passes' own seconds halve).
    gc.set_threshold(max(thresholds[0], LONG_GEN0), *thresholds[1:])
    try:
        yield gc.freeze
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
