"""A till prints through the pass-through to a real printer on loopback, as it would directly."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest

from pos_plugin.printing.app import make_worker
from pos_plugin.printing.devices import PAPER_STATUS

from .receipts import FEED_AND_CUT, NO_CUT, QR_AND_CUT, WITH_CUTS, Receipt

PAPER_OK, PAPER_END = b"\x12", b"\x72"
ALL_SHAPES = [*WITH_CUTS, NO_CUT]


def with_ref(receipt: Receipt, old: bytes, new: bytes) -> Receipt:
    return Receipt(receipt.name, receipt.data.replace(old, new), receipt.cut)


@pytest.mark.parametrize("receipt", ALL_SHAPES, ids=lambda r: r.name)
def test_with_no_note_waiting_every_receipt_reaches_the_printer_byte_for_byte(
    printer, till, receipt
):
    printer.start()

    answer = till.print(receipt.data)

    assert answer == PAPER_OK
    assert printer.notes == [receipt.data]


def test_a_waiting_note_prints_once_just_before_the_cut_of_the_receipt_naming_its_order(
    printer, till, tap, note_of, job_states
):
    printer.start()
    other = tap(order_ref="A-11", customer_name="Ann")
    mine = tap(order_ref="A-12", customer_name="Sam")

    till.print(FEED_AND_CUT.data)  # "Order: A-12"
    till.print(FEED_AND_CUT.data)

    first, second = printer.notes
    assert first == FEED_AND_CUT.body + note_of(mine["id"]) + FEED_AND_CUT.cut
    assert first.count(b"Extra cream, on the house") == 1
    assert b"For Sam" in first
    # A-12's note is taken: the next receipt gets the oldest still waiting, A-11's.
    assert second == FEED_AND_CUT.body + note_of(other["id"]) + FEED_AND_CUT.cut
    assert job_states() == {mine["id"]: "printed", other["id"]: "printed"}


def test_without_an_order_ref_on_the_receipt_the_oldest_waiting_note_prints(
    printer, till, tap, note_of, job_states
):
    printer.start()
    oldest = tap(customer_name="Ann")
    newer = tap(order_ref="Z-1", customer_name="Bo")

    till.print(QR_AND_CUT.data)

    assert printer.notes == [QR_AND_CUT.body + note_of(oldest["id"]) + QR_AND_CUT.cut]
    assert job_states() == {oldest["id"]: "printed", newer["id"]: "queued"}


def test_an_order_ref_is_matched_as_a_whole_word(printer, till, tap, note_of):
    printer.start()
    tap(order_ref="A-1")
    twelve = tap(order_ref="A-12")

    till.print(FEED_AND_CUT.data)  # names A-12, which begins with A-1

    assert printer.notes == [FEED_AND_CUT.body + note_of(twelve["id"]) + FEED_AND_CUT.cut]


def test_a_receipt_without_a_cut_passes_unchanged_and_its_note_waits_for_a_cut(
    printer, till, tap, note_of, job_states
):
    printer.start()
    comp = tap(order_ref="D-9")

    till.print(NO_CUT.data)
    till.print(FEED_AND_CUT.data)

    assert printer.notes == [
        NO_CUT.data,
        FEED_AND_CUT.body + note_of(comp["id"]) + FEED_AND_CUT.cut,
    ]
    assert job_states() == {comp["id"]: "printed"}


def test_a_note_given_longer_ago_than_match_minutes_is_left_to_the_printer(
    printer, till, tap, clock, job_states
):
    printer.start()
    comp = tap()
    clock.now += timedelta(minutes=3)

    till.print(FEED_AND_CUT.data)

    assert printer.notes == [FEED_AND_CUT.data]
    assert job_states() == {comp["id"]: "queued"}


@pytest.mark.parametrize("receipt", WITH_CUTS, ids=lambda r: r.name)
def test_a_receipt_sent_a_byte_per_segment_gets_its_note_before_the_split_cut(
    printer, till, tap, note_of, receipt
):
    printer.start()
    comp = tap()

    till.print(receipt.data, segment=1)

    assert printer.notes == [receipt.body + note_of(comp["id"]) + receipt.cut]


def test_a_receipt_in_uneven_segments_with_no_note_waiting_is_unchanged(printer, till):
    printer.start()
    stream = FEED_AND_CUT.data + NO_CUT.data + QR_AND_CUT.data

    till.print(stream, segment=7)

    assert printer.notes == [stream]


def test_status_requests_are_answered_by_the_printer_before_and_between_receipts(printer, till):
    printer.start("paper_out")

    before = till.status()
    after = till.print(FEED_AND_CUT.data)

    assert (before, after) == (PAPER_END, PAPER_END)
    assert printer.notes == [FEED_AND_CUT.data]


def print_once(port: int, data: bytes) -> bytes | None:
    """A till's whole print on a connection of its own: the printer's status answer, or None
    if the print failed (the connection refused, reset or closed unanswered)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as till:
            till.sendall(data + PAPER_STATUS)
            return till.recv(1) or None
    except (ConnectionRefusedError, ConnectionResetError, BrokenPipeError):
        return None


def test_a_printer_that_refuses_connections_is_refused_to_the_till_too(
    printer, passthrough, tap, job_states
):
    comp = tap()  # the printer is off

    failed = print_once(passthrough.port, FEED_AND_CUT.data)
    printer.start()
    printed = print_once(passthrough.port, FEED_AND_CUT.data)

    assert failed is None
    assert printed == PAPER_OK
    # The note waited through the failed print, and joined the one that printed.
    assert len(printer.notes) == 1
    assert job_states() == {comp["id"]: "printed"}


def test_a_hundred_receipts_in_a_row_print_whole_and_every_tenth_with_its_note(
    printer, till, tap, note_of, job_states
):
    printer.start()
    expected, answers = [], []

    for n in range(100, 200):
        receipt = with_ref(FEED_AND_CUT, b"A-12", f"A-{n}".encode())
        note = b""
        if n % 10 == 0:  # a comp for this order, given before its receipt prints
            note = note_of(tap(order_ref=f"A-{n}")["id"])
        answers.append(till.print(receipt.data))
        expected.append(receipt.body + note + receipt.cut)

    assert answers == [PAPER_OK] * 100
    assert printer.notes == expected
    assert list(job_states().values()) == ["printed"] * 10


def test_the_print_worker_leaves_a_new_note_for_match_minutes_then_prints_it(
    app, printer, tap, clock, job_states
):
    printer.start()
    comp = tap()
    worker = make_worker(app, hold=timedelta(minutes=3))

    worker.step()
    clock.now += timedelta(minutes=3)
    worker.step()

    assert job_states() == {comp["id"]: "printed"}
    [note] = printer.notes
    assert b"Extra cream, on the house" in note
