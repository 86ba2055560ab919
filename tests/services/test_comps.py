"""Giving a comp inside the shift's allowance, and every way a tap is refused.

The default clock is Tuesday 24 November 2026, 10:00 (GMT); with no template the whole
day is one unscheduled shift with conftest's default of 1500 EUR cents and 20 comps.
Undoing comps is in test_comps_void.py, retried taps in test_comps_idempotency.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from pos_plugin.database import write_transaction
from pos_plugin.models import CatalogItem, Comp, CompStatus, Staff
from pos_plugin.money import Money
from pos_plugin.services import playbook
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.errors import AllowanceExceeded, InvalidInput, PermissionDenied

TUESDAY = 1
NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


@pytest.fixture
def barista(make_barista):
    return make_barista("Bea")


@pytest.fixture
def make_breakdown(app_ctx):
    def make(approved: bool = True) -> int:
        with write_transaction():
            breakdown = playbook.propose(
                SYSTEM,
                title="Milk ran out",
                recovery="Offer a cookie",
                suggested_item_id=None,
                proposed_by_id=None,
                now=NOW,
            )
            if approved:
                playbook.approve(SYSTEM, breakdown.id, NOW)
            return breakdown.id

    return make


def refusal(tap, *args, **kwargs) -> AllowanceExceeded:
    with pytest.raises(AllowanceExceeded) as refused:
        tap(*args, **kwargs)
    return refused.value


# -- a tap inside the allowance ------------------------------------------------------------


def test_a_comp_inside_the_allowance_is_recorded_against_the_running_shift(
    make_item, barista, tap, current
):
    cookie = make_item(value=300, name="Cookie")
    result = tap(barista, cookie.id, note="Happy birthday!", customer_name="Sam", order_ref="A17")
    comp = result.comp
    assert result.created
    assert (comp.item_id, comp.value) == (cookie.id, Money(300, "EUR"))
    assert comp.status is CompStatus.ACTIVE
    assert (comp.staff_id, comp.created_by, comp.created_at) == (barista.staff_id, "Bea", NOW)
    assert (comp.note, comp.customer_name, comp.order_ref) == ("Happy birthday!", "Sam", "A17")
    assert comp.business_date == date(2026, 11, 24)
    tally = current()
    assert comp.shift_id == tally.shift.id
    assert (tally.remaining, tally.remaining_comps) == (Money(1200, "EUR"), 19)


def test_the_comp_keeps_the_value_it_was_given_at(app_ctx, make_item, barista, tap, current):
    cookie = make_item(value=300)
    comp = tap(barista, cookie.id).comp
    with write_transaction() as session:
        session.get_one(CatalogItem, cookie.id).value_amount = 900
    assert current().used == Money(300, "EUR")
    assert comp.value == Money(300, "EUR")


def test_the_allowance_may_be_used_to_the_last_cent(make_item, barista, tap, current):
    tap(barista, make_item(value=1000).id)
    tap(barista, make_item(value=500).id)
    assert current().remaining == Money(0, "EUR")


def test_every_comp_writes_an_audit_row(make_item, barista, tap, audit_log):
    item = make_item(value=300)
    comp = tap(barista, item.id).comp
    [event] = audit_log("comp.created")
    assert (event.actor, event.entity, event.entity_id, event.at) == (
        "Bea",
        "comp",
        str(comp.id),
        NOW,
    )
    assert event.data == {
        "item_id": item.id,
        "value": 300,
        "shift_id": comp.shift_id,
        "staff_id": barista.staff_id,
    }


def test_a_comp_may_follow_an_approved_breakdown(make_item, barista, tap, make_breakdown):
    breakdown_id = make_breakdown()
    comp = tap(barista, make_item().id, breakdown_id=breakdown_id, reason="No oat milk").comp
    assert (comp.breakdown_id, comp.reason) == (breakdown_id, "No oat milk")


def test_a_till_may_name_the_barista_who_gave_the_comp(make_item, make_staff, make_till, tap):
    bea = make_staff(name="Bea")
    comp = tap(make_till(), make_item().id, key="k1", staff_id=bea.id).comp
    assert comp.staff_id == bea.id


# -- refusals ------------------------------------------------------------------------------


def test_an_item_worth_more_than_what_remains_is_refused(make_item, barista, tap):
    tap(barista, make_item(value=1000).id)
    refused = refusal(tap, barista, make_item(value=600, name="Cake").id)
    assert refused.extra["limit"] == "allowance"
    assert refused.extra["remaining"] == {"amount": 500, "currency": "EUR"}
    assert "Cake" in refused.detail


def test_a_tap_past_the_shift_count_cap_is_refused(make_template, make_item, barista, tap):
    make_template(TUESDAY, time(8), time(12), allowance=5000, max_comps=2)
    item = make_item(value=10)
    tap(barista, item.id)
    tap(barista, item.id)
    refused = refusal(tap, barista, item.id)
    assert (refused.extra["limit"], refused.extra["remaining_comps"]) == ("max_comps", 0)


def test_a_zero_value_item_still_counts_toward_the_count_cap(
    make_template, make_item, barista, tap, current
):
    make_template(TUESDAY, time(8), time(12), allowance=0, max_comps=2)
    stamp = make_item(value=0, name="Extra stamp")
    tap(barista, stamp.id)
    tap(barista, stamp.id)
    assert refusal(tap, barista, stamp.id).extra["limit"] == "max_comps"
    assert current().comps_count == 2


def test_each_barista_has_their_own_cap_within_the_shift(
    make_template, make_item, make_barista, make_till, tap
):
    make_template(TUESDAY, time(8), time(12), allowance=5000, max_comps_per_staff=2)
    item = make_item(value=10)
    bea, cal = make_barista("Bea"), make_barista("Cal")
    tap(bea, item.id)
    tap(make_till(), item.id, key="for-bea", staff_id=bea.staff_id)  # counts as Bea's too
    assert refusal(tap, bea, item.id).extra["limit"] == "max_comps_per_staff"
    assert tap(cal, item.id).created


def test_an_item_limited_per_shift_is_refused_once_used_up(make_item, barista, tap):
    limited = make_item(value=100, name="Brownie", per_shift_limit=1)
    tap(barista, limited.id)
    refused = refusal(tap, barista, limited.id)
    assert refused.extra["limit"] == "per_item"
    assert tap(barista, make_item(value=100).id).created  # other items are still fine


def test_a_voided_comp_no_longer_counts_toward_any_cap(
    make_template, make_item, barista, tap, void
):
    make_template(TUESDAY, time(8), time(12), max_comps=1, max_comps_per_staff=1)
    limited = make_item(value=100, per_shift_limit=1)
    void(barista, tap(barista, limited.id).comp.id)
    assert tap(barista, limited.id).created


def test_a_refused_tap_records_nothing(make_item, barista, tap, recorded):
    cake = make_item(value=600)
    tap(barista, make_item(value=1000).id)
    before = recorded()
    refusal(tap, barista, cake.id, key="k1")
    assert recorded() == before


def test_a_refused_tap_on_a_fresh_shift_does_not_even_open_it(make_item, barista, tap, recorded):
    cake = make_item(value=2000)
    before = recorded()
    refusal(tap, barista, cake.id)
    assert recorded() == before


# -- bad input names the field -------------------------------------------------------------


def test_an_item_no_longer_on_the_catalog_is_refused(make_item, barista, tap, recorded):
    retired = make_item(active=False)
    before = recorded()
    with pytest.raises(InvalidInput) as refused:
        tap(barista, retired.id)
    assert refused.value.field == "item_id"
    assert recorded() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"item_id": 9999}, "item_id", id="unknown item"),
        pytest.param({"staff_id": 9999}, "staff_id", id="unknown staff"),
        pytest.param({"breakdown_id": 9999}, "breakdown_id", id="unknown breakdown"),
    ],
)
def test_unknown_ids_are_refused_naming_the_field(make_item, make_till, tap, fields, field):
    values = {"item_id": make_item().id, **fields}
    with pytest.raises(InvalidInput) as refused:
        tap(make_till(), values.pop("item_id"), key="k1", **values)
    assert refused.value.field == field


def test_a_breakdown_not_yet_approved_is_refused(make_item, barista, tap, make_breakdown):
    proposed = make_breakdown(approved=False)
    with pytest.raises(InvalidInput) as refused:
        tap(barista, make_item().id, breakdown_id=proposed)
    assert refused.value.field == "breakdown_id"


def test_a_staff_member_who_left_cannot_be_named(app_ctx, make_item, make_staff, make_till, tap):
    gone = make_staff(name="Gone")
    with write_transaction() as session:
        session.get_one(Staff, gone.id).active = False
    with pytest.raises(InvalidInput) as refused:
        tap(make_till(), make_item().id, key="k1", staff_id=gone.id)
    assert refused.value.field == "staff_id"


def test_a_barista_gives_comps_in_their_own_name_only(make_item, make_barista, tap, count):
    bea, cal = make_barista("Bea"), make_barista("Cal")
    with pytest.raises(PermissionDenied) as refused:
        tap(bea, make_item().id, staff_id=cal.staff_id)
    assert refused.value.field == "staff_id"
    assert count(Comp) == 0
