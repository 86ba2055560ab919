"""sync.failed: told once when a day's file set starts failing to reach head office."""

from __future__ import annotations

import socket
from datetime import timedelta

from pos_plugin.sync import jobs
from pos_plugin.sync.transports.https import HttpsTransport


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_set_that_cannot_be_delivered_is_told_once_not_on_every_retry(
    app, receivers, add_endpoint, worker, tap, clock
):
    receiver = receivers()
    add_endpoint(receiver.url, events="sync.failed")
    tap()
    clock.now += timedelta(days=1)
    nobody = HttpsTransport(
        url=f"http://127.0.0.1:{closed_port()}/", token="t", ca_file=None, timeout=2
    )
    settings = app.config["POS_PLUGIN_SETTINGS"]

    with app.app_context():
        first = jobs.run_once(settings, nobody, clock)
        again = jobs.run_once(settings, nobody, clock, waiting_too=True)
    worker.step()
    worker.step()

    assert len(first.failures) == len(again.failures) == 1
    [seen] = receiver.seen
    event = seen.event
    assert event["type"] == "sync.failed"
    assert event["data"]["business_date"] == "2026-11-24"
    assert event["data"]["transport"] == "https"
    assert event["data"]["attempts"] == 1
    assert "Connection refused" in event["data"]["error"]
