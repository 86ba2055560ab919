"""Start-up's pause of the cyclic garbage collector: off while building, on again after."""

import gc

import pytest

from pos_plugin.startup import kept_for_good


class Built:
    """An object the collector tracks, as modules, routes and schemas are."""


def walked_by_the_collector(obj: object) -> bool:
    # A frozen object sits in no generation: the collector never walks it again.
    return any(tracked is obj for tracked in gc.get_objects())


def test_what_start_up_builds_is_frozen_and_the_collector_runs_again_after():
    with kept_for_good():
        assert not gc.isenabled()
        built = Built()
    assert gc.isenabled()
    assert not walked_by_the_collector(built)

    made_later = Built()
    assert walked_by_the_collector(made_later)


def test_a_start_up_that_fails_turns_the_collector_back_on():
    with pytest.raises(RuntimeError, match="port taken"), kept_for_good():
        raise RuntimeError("port taken")
    assert gc.isenabled()


def test_a_caller_that_paused_the_collector_turns_it_back_on_itself():
    gc.disable()
    try:
        with kept_for_good():
            built = Built()
        assert not gc.isenabled()
        assert walked_by_the_collector(built)  # the caller's pause: nothing frozen
    finally:
        gc.enable()
