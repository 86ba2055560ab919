"""/readyz and the printer: an offline printer is worth a warning, not "not ready"."""

from __future__ import annotations

import uuid


def test_a_printer_gone_offline_warns_in_readyz_and_the_store_stays_ready(
    client, auth, make_item, worker, schema_at, printer
):
    schema_at("head")
    item = make_item(name="Extra cream")
    tap = client.post(
        "/api/v1/comps",
        json={"item_id": item.id},
        headers=auth("till") | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert tap.status_code == 201
    worker.step()  # the printer is switched off: the note stays queued

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json["status"] == "ready"
    assert response.json["checks"]["printer"] == {
        "status": "warn",
        "message": f"The receipt printer at 127.0.0.1:{printer.port} did not print the last "
        f"note (127.0.0.1:{printer.port} refused the connection; is the printer on?). Taps "
        "still work and their notes wait in the queue. Check the printer, then run "
        "`pos-plugin print-test`.",
    }
