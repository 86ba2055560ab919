"""Sending one job to the printer: confirmed delivery, and failures said in words."""

from __future__ import annotations

import dataclasses
import socket

import pytest

from pos_plugin.printing import devices


def test_a_job_is_sent_and_confirmed_by_the_printer(printer, printer_settings):
    printer.start()
    devices.send(printer_settings, b"hello\n")
    assert printer.notes == [b"hello\n"]


def test_a_printer_that_is_off_is_said_to_refuse_the_connection(printer_settings):
    with pytest.raises(devices.PrinterUnavailable) as error:
        devices.send(printer_settings, b"x")
    assert str(error.value) == (
        f"127.0.0.1:{printer_settings.port} refused the connection; is the printer on?"
    )


def test_a_printer_that_never_answers_the_connection_is_said_to_give_no_answer(printer_settings):
    # A listener whose backlog is full leaves the next connection unanswered.
    with socket.socket() as jammed:
        jammed.bind(("127.0.0.1", 0))
        jammed.listen(0)
        port = jammed.getsockname()[1]
        fillers = []
        for _ in range(3):
            conn = socket.socket()
            conn.settimeout(0.2)
            fillers.append(conn)
            try:
                conn.connect(("127.0.0.1", port))
            except TimeoutError:
                break
        settings = dataclasses.replace(printer_settings, port=port, timeout=0.3)
        try:
            with pytest.raises(devices.PrinterUnavailable) as error:
                devices.send(settings, b"x")
        finally:
            for conn in fillers:
                conn.close()
    assert str(error.value) in (
        f"no answer from 127.0.0.1:{port} within 0.3 s",
        f"127.0.0.1:{port} did not answer a status request within 0.3 s; "
        'if it never does, set [printer] confirm = "sent"',
    )


def test_a_printer_that_never_answers_is_sent_the_note_once_and_it_is_unconfirmed(
    printer, printer_settings
):
    printer.start("silent")
    with pytest.raises(devices.Unconfirmed, match=r"did not confirm it within 0\.5 s"):
        devices.send(printer_settings, b"never twice\n")
    assert printer.connections == 1


def test_paper_out_after_the_note_is_said_to_have_run_out(printer, printer_settings):
    printer.start("paper_runs_out")
    with pytest.raises(devices.PaperRanOut, match=r"^paper ran out: "):
        devices.send(printer_settings, b"the last inch\n")
    assert printer.notes == [b"the last inch\n"]


def test_a_reset_mid_note_is_a_note_cut_short(printer, printer_settings):
    printer.reset_after = 10
    printer.start("reset")
    with pytest.raises(devices.CutShort):
        devices.send(printer_settings, b"a note longer than ten bytes\n")
    assert printer.partial == [b"a note lon"]


def test_the_first_byte_is_announced_only_once_the_printer_is_reached(printer, printer_settings):
    announced: list[str] = []
    with pytest.raises(devices.PrinterUnavailable):
        devices.send(printer_settings, b"x", lambda: announced.append("off"))
    printer.start("paper_out")
    with pytest.raises(devices.PaperOut):
        devices.send(printer_settings, b"x", lambda: announced.append("no paper"))
    printer.mode = "ok"
    devices.send(printer_settings, b"x", lambda: announced.append("sent"))
    assert announced == ["sent"]


def test_with_confirm_sent_a_completed_send_is_enough(printer_port, printer_settings):
    received = bytearray()
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the port is held for it
        server.bind(("127.0.0.1", printer_port))
        server.listen(1)
        settings = dataclasses.replace(printer_settings, confirm="sent")
        devices.send(settings, b"no status\n")
        conn, _ = server.accept()
        with conn:
            while chunk := conn.recv(1024):
                received += chunk
    assert bytes(received) == b"no status\n"


def test_a_printer_out_of_paper_is_not_sent_the_note(printer, printer_settings):
    printer.start("paper_out")
    with pytest.raises(devices.PaperOut, match="is out of paper"):
        devices.send(printer_settings, b"x")
    assert printer.notes == []


def test_a_file_printer_appends_each_job(tmp_path, printer_settings):
    path = tmp_path / "lp0"
    settings = dataclasses.replace(printer_settings, kind="file", path=str(path))
    devices.send(settings, b"one\n")
    devices.send(settings, b"two\n")
    assert path.read_bytes() == b"one\ntwo\n"


def test_a_file_printer_that_cannot_be_written_says_why(tmp_path, printer_settings):
    settings = dataclasses.replace(printer_settings, kind="file", path=str(tmp_path / "no" / "lp0"))
    with pytest.raises(devices.PrinterUnavailable, match=r"cannot write to .*No such file"):
        devices.send(settings, b"x")


def test_a_missing_usb_printer_says_so(printer_settings):
    settings = dataclasses.replace(
        printer_settings, kind="usb", usb_vendor_id=0x04B8, usb_product_id=0x0E15
    )
    with pytest.raises(devices.PrinterUnavailable, match="cannot print on USB 04b8:0e15"):
        devices.send(settings, b"x")
