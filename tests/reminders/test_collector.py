"""The dispatcher process tunes the garbage collector only for as long as it dispatches."""

import gc

from companion.reminders.dispatch.collector import GEN0_THRESHOLD, tuned_for_dispatch


def test_the_collector_is_tuned_inside_and_as_before_after():
    before = gc.get_threshold()
    with tuned_for_dispatch():
        assert gc.get_threshold()[0] >= GEN0_THRESHOLD
        assert gc.get_freeze_count() > 0  # start-up objects are left out of collections
        cycle: list = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1  # cycles made while dispatching are still collected
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
