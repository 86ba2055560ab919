"""A tap's note reaches a real printer on loopback exactly once, whatever the printer does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from pos_plugin import create_app
from pos_plugin.database import db, write_transaction
from pos_plugin.models import CatalogItem
from pos_plugin.printing import queue as print_queue
from pos_plugin.printing.app import make_worker

TAP = "/api/v1/comps"


@pytest.fixture
def tap(client, auth, make_item):
    item = make_item(value=50, name="Extra cream")
    headers = auth("till")

    def tap_once(**body):
        response = client.post(
            TAP,
            json={"item_id": item.id, **body},
            headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert response.status_code == 201, response.json
        return response.json

    return tap_once


def jobs(client, auth):
    return client.get("/api/v1/print-jobs", headers=auth("manager")).json


def run_until_idle(worker, clock, rounds=20):
    """Let the worker go round, the clock moving on past each backoff."""
    for _ in range(rounds):
        if worker.step() > 0:
            clock.now += timedelta(seconds=1)


def test_a_tap_prints_its_note_once_with_the_customer_and_the_note(
    tap, printer, worker, client, auth
):
    printer.start()
    tap(customer_name="Zoë", note="Happy birthday!")

    worker.step()
    worker.step()

    [note] = printer.notes
    assert b"Extra cream, on the house" in note
    assert b"For Zo\x89" in note  # ë in the printer's code page 437
    assert b"Happy birthday!" in note
    assert b"See you tomorrow!" in note
    assert note.endswith(b"\x1dV\x00")  # the paper is cut
    [job] = jobs(client, auth)
    assert job["status"] == "printed"
    assert job["attempts"] == 1


def test_with_the_printer_off_the_tap_answers_at_once_and_the_note_waits(
    tap, printer, worker, client, auth, clock
):
    comp = tap(note="Rainy day treat")
    # The tap answered without touching the printer: nothing was tried yet.
    [waiting] = jobs(client, auth)
    assert (waiting["status"], waiting["attempts"]) == ("queued", 0)

    worker.step()

    [job] = jobs(client, auth)
    assert job["comp_id"] == comp["id"]
    assert job["status"] == "queued"
    assert "refused the connection" in job["last_error"]
    assert worker.state.state == "offline"

    printer.start()
    run_until_idle(worker, clock)

    assert len(printer.notes) == 1
    assert b"Rainy day treat" in printer.notes[0]
    assert jobs(client, auth)[0]["status"] == "printed"
    assert worker.state.state == "online"


def test_a_printer_that_accepts_and_never_reads_leaves_the_note_unconfirmed_not_resent(
    tap, printer, worker, client, auth, clock
):
    printer.start("silent")
    tap(note="Patience pays")

    run_until_idle(worker, clock)

    [job] = jobs(client, auth)
    assert job["status"] == "unconfirmed"
    assert "did not confirm it within 0.5 s" in job["last_error"]
    printer.stop()
    printer.start()
    run_until_idle(worker, clock)
    assert printer.notes == []
    assert printer.connections == 1


def test_a_printer_that_drops_the_connection_mid_note_prints_it_once_in_full_later(
    tap, printer, worker, client, auth, clock
):
    printer.start("close_mid_job")
    tap(note="Sorry about the wait")

    run_until_idle(worker, clock)

    assert len(printer.partial) == 1
    [note] = printer.notes
    assert b"Sorry about the wait" in note
    assert note.endswith(b"\x1dV\x00")
    assert jobs(client, auth)[0]["status"] == "printed"


def test_out_of_paper_the_note_waits_and_staff_are_told(tap, printer, worker, client, auth, clock):
    printer.start("paper_out")
    tap(note="Thanks for waiting")

    worker.step()

    assert printer.notes == []
    assert worker.state.state == "paper_out"
    status = client.get("/api/v1/printer", headers=auth("barista")).json
    assert status["state"] == "paper_out"
    assert status["waiting"] == 1
    assert "out of paper" in status["detail"]
    printer.mode = "ok"
    run_until_idle(worker, clock)
    assert len(printer.notes) == 1


def test_notes_print_in_the_order_they_were_tapped(tap, printer, worker, clock):
    for n in range(4):
        tap(note=f"note number {n}")
    worker.step()  # the printer is still off: the first note waits, and so do the rest
    printer.start()

    run_until_idle(worker, clock)

    order = [
        next(n for n in range(4) if f"note number {n}".encode() in note) for note in printer.notes
    ]
    assert order == [0, 1, 2, 3]


def test_a_note_that_waited_too_long_expires_and_can_be_printed_by_hand(
    tap, printer, worker, client, auth, clock
):
    tap(note="Late note")
    worker.step()
    clock.now += timedelta(minutes=31)
    printer.start()

    run_until_idle(worker, clock)

    assert printer.notes == []
    [job] = jobs(client, auth)
    assert job["status"] == "expired"

    retried = client.post(f"/api/v1/print-jobs/{job['id']}/retry", headers=auth("manager"))
    assert retried.status_code == 200
    run_until_idle(worker, clock)
    assert len(printer.notes) == 1
    assert jobs(client, auth)[0]["status"] == "printed"


def test_a_comp_voided_before_its_note_printed_prints_nothing(
    tap, printer, worker, client, auth, clock
):
    comp = tap(note="Oops")
    client.post(f"{TAP}/{comp['id']}/void", json={"reason": "wrong item"}, headers=auth("manager"))
    printer.start()

    run_until_idle(worker, clock)

    assert printer.notes == []
    assert jobs(client, auth)[0]["status"] == "cancelled"


def test_an_item_that_prints_no_note_queues_nothing(client, auth, make_item, app, worker):
    item = make_item(name="Table service")
    with app.app_context(), write_transaction():
        db.session.get(CatalogItem, item.id).prints_note = False
    client.post(TAP, json={"item_id": item.id}, headers={**auth("till"), "Idempotency-Key": "k"})

    assert jobs(client, auth) == []


def test_a_queued_note_wakes_the_worker_once_its_tap_is_committed(client, auth, make_item, tap):
    print_queue.job_queued.clear()
    over = client.post(
        TAP,
        json={"item_id": make_item(value=999_999).id},  # over the allowance: nothing recorded
        headers={**auth("till"), "Idempotency-Key": "over"},
    )
    assert over.status_code == 409
    assert not print_queue.job_queued.is_set()

    tap()
    assert print_queue.job_queued.is_set()


def test_notes_queued_before_a_restart_print_after_it_each_once(
    tap, printer, settings, clock, client, auth
):
    for n in range(3):
        tap(note=f"before restart {n}")

    # The service stops (its worker never ran) and starts again on the same database.
    restarted = create_app({"SETTINGS": settings, "TESTING": True, "POS_PLUGIN_CLOCK": clock})
    worker = make_worker(restarted)
    printer.start()
    try:
        run_until_idle(worker, clock)
    finally:
        with restarted.app_context():
            db.engine.dispose()

    printed = [n for note in printer.notes for n in range(3) if f"restart {n}".encode() in note]
    assert printed == [0, 1, 2]
    assert {job["status"] for job in jobs(client, auth)} == {"printed"}


def test_the_running_worker_prints_a_tap_by_itself(tap, printer, app, clock):
    clock.now = datetime.now(UTC)
    printer.start()
    worker = make_worker(app, lambda: datetime.now(UTC))
    worker.start()
    try:
        tap(note="Straight to the printer")
        [note] = printer.wait_for_notes(1, timeout=30)
    finally:
        worker.stop()

    assert b"Straight to the printer" in note
