"""Start-up's pause of the cyclic garbage collector: off while building, on again after."""

import gc

import pytest

from pos_plugin.startup import kept_for_good


class Built:
    """An object the collector tracks, as modules, routes and schemas are."""


def test_what_start_up_builds_is_frozen_and_the_collector_runs_again_after():
    frozen_before = gc.get_freeze_count()
    with kept_for_good():
        assert not gc.isenabled()
        built = [Built() for _ in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen_before + len(built)

    frozen_after = gc.get_freeze_count()
    made_later = [Built() for _ in range(1000)]
    assert gc.get_freeze_count() == frozen_after  # what runs after is collected as usual
    del made_later


def test_a_start_up_that_fails_turns_the_collector_back_on():
    with pytest.raises(RuntimeError, match="port taken"), kept_for_good():
        raise RuntimeError("port taken")
    assert gc.isenabled()


def test_a_caller_that_paused_the_collector_turns_it_back_on_itself():
    gc.disable()
    try:
        frozen_before = gc.get_freeze_count()
        with kept_for_good():
            [Built() for _ in range(1000)]
        assert not gc.isenabled()
        assert gc.get_freeze_count() == frozen_before
    finally:
        gc.enable()
