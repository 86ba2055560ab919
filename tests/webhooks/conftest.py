"""Fixtures for the webhook tests: receivers on loopback, endpoints, the worker and a tap."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from pos_plugin.database import write_transaction
from pos_plugin.services.actors import SYSTEM
from pos_plugin.webhooks import endpoints
from pos_plugin.webhooks.worker import DeliveryWorker

from .receiver import Receiver


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    """`receivers(answers=[500], hang=False)`: a new receiver, closed after the test."""
    made: list[Receiver] = []

    def make(**kwargs: Any) -> Receiver:
        receiver = Receiver(**kwargs)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()


@pytest.fixture
def add_endpoint(app: Flask, clock: Any) -> Callable[..., str]:
    """`add_endpoint(url, events="comp.created")`: register it; returns its secret."""

    def add(url: str, events: str = "comp.created,comp.voided") -> str:
        with app.app_context(), write_transaction():
            _, secret = endpoints.add_endpoint(SYSTEM, url, events, clock.now)
        return secret

    return add


@pytest.fixture
def real_time(clock: Any) -> Any:
    """Signatures carry the time of sending, which receivers hold to their own clock."""
    clock.now = datetime.now(UTC)
    return clock


@pytest.fixture
def worker(app: Flask, clock: Any) -> Iterator[DeliveryWorker]:
    """The delivery worker on the test's clock; tests run its rounds by hand (`step()`)."""
    found = DeliveryWorker(app, clock)
    yield found
    found.stop()


@pytest.fixture
def tap(client: Any, auth: Callable[..., dict[str, str]], make_item: Any) -> Callable[..., Any]:
    """`tap(**body)`: give a comp through the API as the till; returns the answer."""
    headers = auth("till")
    item = make_item(value=100)
    counter = iter(range(1, 10_000))

    def run(**body: Any) -> Any:
        key = {"Idempotency-Key": f"tap-{next(counter)}"}
        return client.post(
            "/api/v1/comps", json={"item_id": item.id, **body}, headers=headers | key
        )

    return run


@pytest.fixture
def webhooks_page(make_staff: Any, sign_in: Any, client: Any) -> Callable[[], str]:
    """`webhooks_page()`: the console's Webhooks page as Maya the manager sees it now."""
    from pos_plugin.models import Role

    manager = make_staff(Role.MANAGER, name="Maya", pin="9999")

    def read() -> str:
        assert sign_in(manager, pin="9999").status_code == 302
        page = client.get("/manage/webhooks")
        assert page.status_code == 200
        return str(page.get_data(as_text=True))

    return read
