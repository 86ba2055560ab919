"""The clock check: the store's local time, and a clock that went back behind the last comp."""

from __future__ import annotations

import uuid
from datetime import timedelta

from pos_plugin.checks import Status
from pos_plugin.checks import clock as clock_check


def test_the_clock_says_the_store_time_and_fails_once_it_went_back(
    app_ctx, settings, clock, make_item, client, auth
):
    headers = auth("till") | {"Idempotency-Key": str(uuid.uuid4())}
    answer = client.post("/api/v1/comps", json={"item_id": make_item().id}, headers=headers)
    assert answer.status_code == 201

    now = clock_check.clock(settings, clock.now)
    back = clock_check.clock(settings, clock.now - timedelta(hours=1))

    assert (now.status, str(now.message)) == (
        Status.OK,
        "It is 2026-11-24 10:00 in Europe/London, the store's time.",
    )
    assert back.status is Status.FAIL
    assert str(back.message).startswith(
        "The computer's clock says 2026-11-24 09:00 (Europe/London), before the newest comp "
        "(2026-11-24 10:00): the clock went back. Set the date and time"
    )
