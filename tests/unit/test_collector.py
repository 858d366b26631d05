"""The cycle collector during a long write: what lives between its steps is frozen, and
everything is unfrozen when it ends (infra/collector.py)."""

from __future__ import annotations

import gc

import pytest

from ledger.infra.collector import LONG_GEN0, frozen_between_steps


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_what_lives_between_steps_is_frozen_and_all_of_it_is_unfrozen_at_the_end() -> None:
    assert gc.get_freeze_count() == 0
    with frozen_between_steps() as step:
        kept = [Cycle() for _ in range(100)]
        step()
        assert gc.get_freeze_count() >= 100
        Cycle()  # garbage made by a step is collected as usual
        assert gc.collect() >= 1
    assert gc.get_freeze_count() == 0
    del kept
    assert gc.collect() >= 100  # frozen cycles are found once unfrozen


def refused_after_a_step() -> None:
    with frozen_between_steps() as step:
        step()
        assert gc.get_freeze_count() > 0
        raise RuntimeError("refused")


def test_an_operation_that_fails_still_unfreezes() -> None:
    thresholds = gc.get_threshold()
    with pytest.raises(RuntimeError):
        refused_after_a_step()
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == thresholds


def test_a_long_operation_has_a_larger_young_generation_and_gives_it_back() -> None:
    thresholds = gc.get_threshold()
    with frozen_between_steps():
        assert gc.get_threshold() == (max(thresholds[0], LONG_GEN0), *thresholds[1:])
    assert gc.get_threshold() == thresholds


def test_a_process_that_manages_the_collector_itself_is_left_as_it_is() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with frozen_between_steps() as step:
            Cycle()
            step()
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
    gc.disable()
    try:
        with frozen_between_steps() as step:
            step()
            assert gc.get_freeze_count() == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
