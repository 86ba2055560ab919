"""Which limit blocks a tap, named in the refusal with what is left of each.

The default clock is Tuesday 24 November 2026, 10:00; with no template the whole day is one
unscheduled shift of 1500 EUR cents and 20 comps (conftest's defaults).
"""

from __future__ import annotations

from datetime import time

import pytest

from pos_plugin.money import Money
from pos_plugin.services.errors import AllowanceExceeded, InvalidInput
from pos_plugin.services.limits import Limit, Standing, blocking

TUESDAY = 1
EUR = "EUR"


@pytest.mark.parametrize(
    ("value", "standing", "expected"),
    [
        (0, Standing(Money(0, EUR)), None),  # a free item is never blocked by money
        (10, Standing(Money(0, EUR)), Limit.ALLOWANCE),
        (0, Standing(Money(500, EUR), remaining_comps=0), Limit.MAX_COMPS),
        (0, Standing(Money(500, EUR), own_remaining_comps=0), Limit.MAX_COMPS_PER_STAFF),
        (10, Standing(Money(500, EUR), item_remaining=0), Limit.PER_ITEM),
        # Both a count and the money block: the count is named, as more money cannot help.
        (900, Standing(Money(500, EUR), remaining_comps=0), Limit.MAX_COMPS),
        (900, Standing(Money(500, EUR), remaining_comps=3, own_remaining_comps=1), Limit.ALLOWANCE),
    ],
)
def test_the_limit_that_blocks_is_the_one_named(value, standing, expected):
    assert blocking(Money(value, EUR), standing) is expected


@pytest.fixture
def bea(make_barista):
    return make_barista("Bea")


def refused(tap, *args) -> AllowanceExceeded:
    with pytest.raises(AllowanceExceeded) as caught:
        tap(*args)
    return caught.value


def test_the_own_cap_refusal_names_it_and_what_is_left_of_the_shift(
    make_template, make_item, bea, tap
):
    make_template(TUESDAY, time(8), time(12), allowance=1500, max_comps=20, max_comps_per_staff=2)
    stamp = make_item(value=0, name="Extra stamp")
    tap(bea, stamp.id)
    tap(bea, stamp.id)
    refusal = refused(tap, bea, stamp.id)
    assert refusal.extra["limit"] == "max_comps_per_staff"
    assert refusal.extra["own_remaining_comps"] == 0
    assert refusal.extra["remaining_comps"] == 18
    assert refusal.extra["remaining"] == {"amount": 1500, "currency": "EUR"}
    assert refusal.extra["max_comps_per_staff"] == 2
    assert "your own 2 comps" in refusal.detail
    assert "€15.00 left" in refusal.detail


def test_the_item_limit_refusal_names_the_item_and_leaves_the_others_free(make_item, bea, tap):
    brownie = make_item(value=100, name="Brownie", per_shift_limit=1)
    tap(bea, brownie.id)
    refusal = refused(tap, bea, brownie.id)
    assert (refusal.extra["limit"], refusal.extra["item_remaining"]) == ("per_item", 0)
    assert refusal.extra["per_shift_limit"] == 1
    assert refusal.extra["remaining_comps"] == 19
    assert "Brownie has reached its limit of 1 a shift" in refusal.detail


def test_the_count_refusal_says_money_is_left(make_template, make_item, bea, tap):
    make_template(TUESDAY, time(8), time(12), allowance=2000, max_comps=1)
    item = make_item(value=100)
    tap(bea, item.id)
    refusal = refused(tap, bea, item.id)
    assert (refusal.extra["limit"], refusal.extra["remaining_comps"]) == ("max_comps", 0)
    assert refusal.extra["remaining"] == {"amount": 1900, "currency": "EUR"}
    assert "€19.00" in refusal.detail


def test_a_retired_item_is_refused_naming_it_even_with_a_managers_approval(
    make_item, bea, manager, tap
):
    retired = make_item(name="Birthday treat", active=False)
    with pytest.raises(InvalidInput) as caught:
        tap(bea, retired.id, approver=manager)
    assert caught.value.extra["limit"] == "item_retired"
    assert caught.value.field == "item_id"
    assert "Birthday treat is not on the catalog" in caught.value.detail


def test_the_tally_says_what_is_left_of_each_item_limit(make_item, bea, tap, void, current):
    brownie = make_item(value=100, per_shift_limit=2)
    cake = make_item(value=100, per_shift_limit=1)
    plain = make_item(value=100)
    make_item(value=100, per_shift_limit=1, active=False)  # off the tablet: not listed
    tap(bea, brownie.id)
    void(bea, tap(bea, cake.id).comp.id)  # a voided comp gives its place back
    tap(bea, plain.id)
    assert current().items_remaining == {brownie.id: 1, cake.id: 1}
