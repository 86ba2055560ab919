"""Webhook deliveries against a real receiver on loopback: signed, retried, in order, and
never in a tap's way."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from pos_plugin.database import db
from pos_plugin.models import DeliveryState, WebhookDelivery
from pos_plugin.webhooks.worker import DeliveryWorker

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "till-integration.md"


def docs_code(defining: str) -> dict[str, Any]:
    """Run the Python block of docs/till-integration.md that defines `defining`."""
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    [block] = [b for b in blocks if f"def {defining}(" in b]
    namespace: dict[str, Any] = {}
    exec(compile(block, str(GUIDE), "exec"), namespace)
    return namespace


def deliveries(app: Any) -> list[WebhookDelivery]:
    with app.app_context():
        try:
            return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))
        finally:
            db.session.remove()


def test_a_delivery_verifies_with_the_docs_code_and_a_forged_one_does_not(
    app, receivers, add_endpoint, worker, tap, real_time
):
    receiver = receivers()
    secret = add_endpoint(receiver.url)
    comp = tap(order_ref="A-1042", customer_name="Sam").json

    worker.step()

    [seen] = receiver.seen
    receive = docs_code("receive")["receive"]
    event = receive(secret, seen.headers, seen.body)
    assert event["type"] == "comp.created"
    assert event["id"] == seen.headers["webhook-id"]
    assert event["data"]["id"] == comp["id"]
    assert event["data"]["order_ref"] == "A-1042"
    assert receive(secret, seen.headers, seen.body) is None, "a repeat is told apart by its id"
    by_hand = docs_code("verify_by_hand")["verify_by_hand"]
    assert by_hand(secret, seen.headers, seen.body)
    forged = seen.body.replace(b"A-1042", b"A-9999")
    assert not by_hand(secret, seen.headers, forged)
    webhook_error = docs_code("receive")["WebhookVerificationError"]
    with pytest.raises(webhook_error):
        receive(secret, seen.headers, forged)
    assert not by_hand(add_endpoint(receiver.url), seen.headers, seen.body), "another secret"


def test_a_500_then_a_200_is_one_delivery_recorded_as_retried(
    app, receivers, add_endpoint, worker, tap, clock, webhooks_page
):
    receiver = receivers(answers=[500])
    add_endpoint(receiver.url)
    tap()

    worker.step()
    clock.now += timedelta(seconds=10)
    worker.step()

    first, second = receiver.seen
    assert (first.status, second.status) == (500, 200)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    [delivery] = deliveries(app)
    assert delivery.state is DeliveryState.DELIVERED
    assert (delivery.attempts, delivery.last_status) == (2, 200)
    page = webhooks_page()
    assert "delivery-delivered" in page
    assert "HTTP 200 thanks" in page


def test_a_failed_try_waits_its_backoff_before_the_next(
    app, receivers, add_endpoint, worker, tap, clock
):
    receiver = receivers(answers=[503, 503])
    add_endpoint(receiver.url)
    tap()

    worker.step()
    worker.step()  # the first retry is 5 s away
    assert len(receiver.seen) == 1
    clock.now += timedelta(seconds=6)
    worker.step()
    worker.step()  # the second retry is 10 s away
    assert len(receiver.seen) == 2
    clock.now += timedelta(seconds=11)
    worker.step()

    assert [s.status for s in receiver.seen] == [503, 503, 200]


def test_each_endpoint_gets_its_events_in_order_and_a_failing_one_holds_up_only_its_own(
    app, receivers, add_endpoint, worker, tap, clock
):
    stuck, healthy = receivers(answers=[500]), receivers()
    add_endpoint(stuck.url)
    add_endpoint(healthy.url)
    comps = [tap().json["id"] for _ in range(3)]

    for _ in range(4):
        worker.step()
    assert [s.event["data"]["id"] for s in healthy.delivered] == comps
    assert [s.event["data"]["id"] for s in stuck.seen] == comps[:1], "the later ones wait"

    clock.now += timedelta(seconds=10)
    for _ in range(4):
        worker.step()

    assert [s.event["data"]["id"] for s in stuck.seen] == [comps[0], *comps]
    assert [s.event["data"]["id"] for s in stuck.delivered] == comps


def test_an_event_refused_for_a_day_is_given_up_and_the_next_one_goes(
    app, receivers, add_endpoint, worker, tap, clock, webhooks_page
):
    receiver = receivers(answers=[500, 500, 500])
    add_endpoint(receiver.url)
    first = tap().json["id"]
    worker.step()
    clock.now += timedelta(hours=23)
    worker.step()
    assert deliveries(app)[0].state is DeliveryState.PENDING, "23 hours: still trying"
    clock.now += timedelta(hours=2)
    worker.step()
    later = tap().json["id"]

    worker.step()

    given_up, sent = deliveries(app)
    assert given_up.state is DeliveryState.FAILED
    assert (given_up.attempts, given_up.last_status) == (3, 500)
    assert sent.state is DeliveryState.DELIVERED
    assert [s.event["data"]["id"] for s in receiver.seen] == [first, first, first, later]
    page = webhooks_page()
    assert "delivery-failed" in page
    assert "given up" in page


def test_a_receiver_that_never_answers_does_not_slow_a_tap(
    app, receivers, add_endpoint, tap, clock
):
    receiver = receivers(hang=True)
    add_endpoint(receiver.url)
    worker = DeliveryWorker(app, clock)
    worker.start()
    try:
        assert tap().status_code == 201
        assert receiver.got_request.wait(30), "the worker sent the first event"

        answers = [tap() for _ in range(3)]  # while the receiver holds the first one

        assert [a.status_code for a in answers] == [201, 201, 201]
        assert receiver.seen == [], "the receiver has still not answered"
    finally:
        receiver.release.set()
        worker.stop()
    assert len(deliveries(app)) == 4


def test_a_voided_comp_is_told_after_its_creation(
    app, receivers, add_endpoint, worker, tap, auth, client
):
    receiver = receivers()
    add_endpoint(receiver.url)
    comp = tap().json
    answer = client.post(
        f"/api/v1/comps/{comp['id']}/void",
        json={"reason": "Rang up twice"},
        headers=auth("manager"),
    )
    assert answer.status_code == 200

    worker.step()
    worker.step()

    assert [(s.event["type"], s.event["data"]["status"]) for s in receiver.seen] == [
        ("comp.created", "active"),
        ("comp.voided", "voided"),
    ]


def test_an_endpoint_gets_only_the_events_it_asked_for_and_a_refused_tap_sends_none(
    app, receivers, add_endpoint, worker, tap, make_item, auth, client
):
    voids_only = receivers()
    add_endpoint(voids_only.url, events="comp.voided")
    tap()
    dear = make_item(value=5000)
    refused = client.post(
        "/api/v1/comps",
        json={"item_id": dear.id},
        headers=auth("till") | {"Idempotency-Key": "too-dear"},
    )
    assert refused.status_code == 409

    worker.step()

    assert voids_only.seen == []
    assert deliveries(app) == []


def test_a_shift_that_ends_is_announced_once_with_its_final_tally(
    app, receivers, add_endpoint, worker, tap, clock
):
    receiver = receivers()
    add_endpoint(receiver.url, events="shift.closed")
    shift_id = tap().json["shift_id"]
    tap()

    worker.step()
    assert receiver.seen == [], "the shift is still running"
    clock.now += timedelta(days=1)
    worker.step()
    worker.step()

    [seen] = receiver.seen
    assert seen.event["type"] == "shift.closed"
    assert seen.event["data"]["id"] == shift_id
    assert seen.event["data"]["comps_count"] == 2
    assert seen.event["timestamp"] == seen.event["data"]["ends_at"]


def test_finished_deliveries_are_deleted_after_a_week_and_waiting_ones_never(
    app, receivers, add_endpoint, worker, tap, clock
):
    receiver = receivers()
    add_endpoint(receiver.url)
    tap()
    worker.step()
    dead = receivers(answers=[500] * 10)
    add_endpoint(dead.url)
    tap()
    worker.step()
    worker.step()
    assert [d.state for d in deliveries(app)] == [
        DeliveryState.DELIVERED,
        DeliveryState.DELIVERED,
        DeliveryState.PENDING,
    ]

    clock.now += timedelta(days=8)
    worker.step()

    [kept] = deliveries(app)
    assert kept.endpoint_id == 2
