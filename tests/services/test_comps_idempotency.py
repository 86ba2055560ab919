"""A retried tap (same Idempotency-Key) never gives the comp twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pos_plugin.services.comps import CompRequest
from pos_plugin.services.errors import (
    AllowanceExceeded,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
)

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


@pytest.fixture
def till(make_till):
    return make_till("front till")


@pytest.fixture
def cookie(make_item):
    return make_item(value=300, name="Cookie")


def test_the_same_key_and_request_returns_the_same_comp_and_records_nothing(
    till, cookie, tap, recorded
):
    first = tap(till, cookie.id, key="order-17", note="Welcome back")
    before = recorded()
    again = tap(
        till, cookie.id, key="order-17", note="Welcome back", now=NOW + timedelta(seconds=5)
    )
    assert (first.created, again.created) == (True, False)
    assert again.comp.id == first.comp.id
    assert recorded() == before


def test_a_retry_is_answered_even_after_the_allowance_ran_out(till, cookie, make_item, tap):
    first = tap(till, cookie.id, key="a")
    tap(till, make_item(value=1200).id, key="b")  # the allowance is now used up
    again = tap(till, cookie.id, key="a")
    assert again.comp.id == first.comp.id


def test_the_same_key_with_a_different_request_is_refused(till, cookie, tap, recorded):
    tap(till, cookie.id, key="order-17", note="Welcome back")
    before = recorded()
    with pytest.raises(IdempotencyKeyReused) as refused:
        tap(till, cookie.id, key="order-17", note="Happy birthday")
    assert refused.value.field == "Idempotency-Key"
    assert recorded() == before


def test_keys_belong_to_the_token_that_sent_them(make_till, cookie, tap):
    front, back = make_till("front till"), make_till("back till")
    one = tap(front, cookie.id, key="1")
    other = tap(back, cookie.id, key="1")
    assert other.created
    assert other.comp.id != one.comp.id


def test_a_key_older_than_a_day_may_be_used_afresh(till, cookie, tap):
    first = tap(till, cookie.id, key="order-17")
    later = NOW + timedelta(hours=24, minutes=1)
    again = tap(till, cookie.id, key="order-17", now=later)
    assert again.created
    assert again.comp.id != first.comp.id
    other = tap(till, cookie.id, key="order-17", note="different", now=later + timedelta(hours=25))
    assert other.created


def test_a_key_still_holds_just_inside_a_day(till, cookie, tap):
    first = tap(till, cookie.id, key="order-17")
    again = tap(till, cookie.id, key="order-17", now=NOW + timedelta(hours=23, minutes=59))
    assert (again.created, again.comp.id) == (False, first.comp.id)


def test_a_refused_tap_does_not_use_up_its_key(till, make_item, tap):
    with pytest.raises(AllowanceExceeded):
        tap(till, make_item(value=2000).id, key="order-17")
    assert tap(till, make_item(value=100).id, key="order-17").created


def test_a_till_must_send_a_key(till, cookie, tap, recorded):
    before = recorded()
    with pytest.raises(IdempotencyKeyRequired) as refused:
        tap(till, cookie.id)
    assert refused.value.field == "Idempotency-Key"
    assert recorded() == before


def test_a_barista_on_the_tablet_may_tap_without_a_key(make_barista, cookie, tap):
    assert tap(make_barista(), cookie.id).created


def test_a_request_keeps_the_fingerprint_stored_keys_were_made_with():
    # Keys live for a day: a retry across an upgrade must still match its first request.
    request = CompRequest(item_id=3, note="Happy birthday, Priya!", customer_name="Priya")
    assert request.fingerprint() == (
        "797db780b8d1ddc6a404c34dbeee0d9014cea38646ae8a25e8ee3b508f33da8c"
    )
