"""Claiming a waiting note: two receipts printed at once never both take it."""

from __future__ import annotations

import threading

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
