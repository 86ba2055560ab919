"""Claiming a waiting note: two receipts printed at once never both take it."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

from pos_plugin.passthrough import app as passthrough_app


def test_two_receipts_claiming_at_once_take_each_note_once(app, tap, job_states):
    comps = [tap(order_ref=f"A-{n}") for n in range(5)]
    claim = passthrough_app.make(app).claim
    start = threading.Barrier(4)
    taken: list[str] = []

    def till() -> None:
        start.wait()
        for _ in range(3):
            claimed = claim(b"a receipt naming no order")
            if claimed is not None:
                taken.append(str(claimed.comp_id))

    tills = [threading.Thread(target=till) for _ in range(4)]
    for thread in tills:
        thread.start()
    for thread in tills:
        thread.join(30)

    assert sorted(taken) == sorted(comp["id"] for comp in comps)
    assert set(job_states().values()) == {"printed"}


def test_with_no_printer_of_its_own_a_note_no_receipt_took_in_time_expires(
    app, tap, job_states, clock
):
    settings = app.config["POS_PLUGIN_SETTINGS"]
    app.config["POS_PLUGIN_SETTINGS"] = dataclasses.replace(
        settings, printer=dataclasses.replace(settings.printer, kind="none")
    )
    late = tap(order_ref="A-1")
    clock.now += timedelta(minutes=settings.passthrough.match_minutes, seconds=1)
    fresh = tap(order_ref="A-2")

    claimed = passthrough_app.make(app).claim(b"a receipt for A-1")

    assert claimed is not None
    assert str(claimed.comp_id) == fresh["id"]
    assert job_states() == {late["id"]: "expired", fresh["id"]: "printed"}
