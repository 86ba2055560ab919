"""A real `pos-plugin serve`, SIGKILLed while deliveries wait, loses none of them."""

from __future__ import annotations

import json
import signal
import time
import urllib.request
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from test_durability import free_port, serve, served_store, wait_until_up

from pos_plugin.database import db, write_transaction
from pos_plugin.models import DeliveryState, WebhookDelivery
from pos_plugin.services.actors import SYSTEM
from pos_plugin.webhooks import endpoints

from .receiver import Receiver


def tap(base: str, item_id: int, secret: str) -> str:
    request = urllib.request.Request(
        base + "/api/v1/comps",
        data=json.dumps({"item_id": item_id}).encode(),
        headers={
            "Authorization": f"Bearer {secret}",
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 201
        found: str = json.loads(answer.read())["id"]
        return found


def wait_for(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


@pytest.mark.console_script
def test_deliveries_waiting_at_a_sigkill_are_delivered_after_the_restart(
    tmp_path, empty_database_url
):
    home, url, app, item_id, secret = served_store(tmp_path, empty_database_url)
    receiver = Receiver(answers=[503] * 1000)  # down, until the restart
    with app.app_context():
        with write_transaction():
            endpoints.add_endpoint(SYSTEM, receiver.url, "comp.created", datetime.now(UTC))
        db.engine.dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(home, url, port)
    try:
        wait_until_up(base, server)
        comps = [tap(base, item_id, secret) for _ in range(5)]
        wait_for(lambda: receiver.seen, 30)  # the worker is trying, and failing
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        with app.app_context():
            waiting = db.session.scalars(select(WebhookDelivery.state)).all()
            db.session.remove()
        assert waiting == [DeliveryState.PENDING] * 5
        receiver.answers.clear()  # the receiver is back

        server = serve(home, url, port)
        wait_until_up(base, server)
        wait_for(lambda: len(receiver.delivered) >= 5, 60)
    finally:
        server.kill()
        server.wait(timeout=10)
        receiver.close()
        with app.app_context():
            db.engine.dispose()

    for seen in receiver.seen:
        print(seen.line())
    assert [s.event["data"]["id"] for s in receiver.delivered] == comps
    assert len({s.headers["webhook-id"] for s in receiver.seen}) == 5
