"""The override form's view of the running shift: every limit, and whom each blocks."""

from __future__ import annotations

from datetime import time

from pos_plugin.money import Money
from pos_plugin.services import shift_limits, shifts
from pos_plugin.services.limits import Limit
from pos_plugin.services.store import get_store

TUESDAY = 1


def test_every_limit_is_listed_with_whom_it_blocks_and_the_override_leaves_the_others(
    make_template, make_item, make_barista, manager, tap, do, clock
):
    make_template(TUESDAY, time(8), time(12), allowance=300, max_comps=3, max_comps_per_staff=2)
    birthday = make_item(value=250, name="Birthday treat", per_shift_limit=1)
    stamp = make_item(value=0, name="Extra stamp")
    ana = make_barista("Ana")
    tap(ana, birthday.id)
    tap(ana, stamp.id)

    running = do(shift_limits.running_limits, manager, get_store(), clock.now)
    states = {(state.limit, state.item): state for state in running.states}
    money = states[(Limit.ALLOWANCE, "")]
    assert (money.cap, money.given, money.left) == (300, 250, 50)
    assert money.blocked == ("Birthday treat",)  # the stamp, worth nothing, is not
    assert states[(Limit.MAX_COMPS, "")].left == 1
    assert not states[(Limit.MAX_COMPS, "")].blocks
    assert states[(Limit.MAX_COMPS_PER_STAFF, "")].blocked == ("Ana",)
    assert states[(Limit.PER_ITEM, "Birthday treat")].blocks

    do(shifts.override_current, manager, get_store(), Money(5000, "EUR"), 10, clock.now, "Rush")
    after = do(shift_limits.running_limits, manager, get_store(), clock.now)
    assert [(state.limit, state.override_sets) for state in after.blocking] == [
        (Limit.MAX_COMPS_PER_STAFF, False),
        (Limit.PER_ITEM, False),
    ]
