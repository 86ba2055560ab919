"""Sending one job's bytes to the configured printer, over a fresh connection, with timeouts.

`send` returns only when the printer has taken the whole job and, where it can,
said so. Otherwise it raises one of three things, each in words a manager can
act on, and the worker's rule for each is the store's promise that a note never
prints twice by itself:

- `PrinterUnavailable`: nothing of the note was written (the printer is off,
  refused, or said before the note that its paper is out: `PaperOut`). It waits
  and is tried again.
- `CutShort`: the connection broke or stalled before every byte was written and
  taken, so at most a fragment is on paper. It is sent again, starting with a
  "reprint" line.
- `Unconfirmed`: every byte was written and the printer kept the connection,
  but it did not confirm the note in time, or said its paper ran out
  (`PaperRanOut`). It may be on paper: it is never sent again by itself.

A network printer with `confirm = "status"` is asked for its paper status
(ESC/POS DLE EOT 4) before the job and again after it: the second answer can
only come once the printer has read every byte before it. A printer out of paper
before the note is not sent it. One that is slow to answer the first request is
sent the note all the same: a missing confirmation leaves it unconfirmed, never
resent, so a slow printer prints each note once. Printers that never answer take
`confirm = "sent"`, which trusts a completed send.

`first_byte` is called once the printer is reached, just before the first byte
of the note goes out; the worker records there, durably, that the note is being
sent.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pos_plugin.printing import escpos_lib
from pos_plugin.settings import PrinterSettings

PAPER_STATUS = b"\x10\x04\x04"  # DLE EOT 4: transmit paper roll sensor status
_STATUS_FIXED_MASK, _STATUS_FIXED_BITS = 0x93, 0x12
_PAPER_END = 0x60


class PrinterUnavailable(Exception):
    """Nothing of the job reached the printer."""


class PaperOut(PrinterUnavailable):
    """The printer says its roll is empty; the job was not sent."""


class CutShort(PrinterUnavailable):
    """The job was not all written and taken: at most part of it is on paper."""


class Unconfirmed(Exception):
    """Every byte of the job was written, and the printer did not confirm it."""


class PaperRanOut(Unconfirmed):
    """The printer said after the job that its paper ran out."""


def _nothing() -> None:
    return None


def describe(settings: PrinterSettings) -> str:
    return {
        "network": f"{settings.host}:{settings.port}",
        "usb": f"USB {settings.usb_vendor_id:04x}:{settings.usb_product_id:04x}",
        "serial": settings.serial_device,
        "file": settings.path,
        "cups": f"CUPS printer {settings.cups_name!r}",
    }.get(settings.kind, "no printer")


def send(
    settings: PrinterSettings, payload: bytes, first_byte: Callable[[], None] = _nothing
) -> None:
    if settings.kind == "network":
        _send_network(settings, payload, first_byte)
    elif settings.kind == "file":
        _send_file(Path(settings.path), payload, first_byte)
    elif settings.kind in ("usb", "serial", "cups"):
        _send_escpos_device(settings, payload, first_byte)
    else:
        raise PrinterUnavailable('no printer is configured ([printer] kind = "none")')


def probe(settings: PrinterSettings) -> bool:
    """Reach the printer without printing; False for kinds only printing can try (USB, CUPS).

    A network printer's port must accept a connection within the timeout, a file
    printer's file must open for writing, a serial printer's device must exist.
    """
    if settings.kind == "network":
        _connect(settings).close()
    elif settings.kind == "file":
        _send_file(Path(settings.path), b"", _nothing)
    elif settings.kind == "serial":
        if not Path(settings.serial_device).exists():
            raise PrinterUnavailable(f"{settings.serial_device} does not exist")
    else:
        return False
    return True


def _connect(settings: PrinterSettings) -> socket.socket:
    where = describe(settings)
    try:
        return socket.create_connection((settings.host, settings.port), timeout=settings.timeout)
    except TimeoutError:
        raise PrinterUnavailable(f"no answer from {where} within {settings.timeout:g} s") from None
    except ConnectionRefusedError:
        raise PrinterUnavailable(f"{where} refused the connection; is the printer on?") from None
    except OSError as error:
        raise PrinterUnavailable(f"cannot reach {where}: {error.strerror or error}") from None


def _read_status(sock: socket.socket, settings: PrinterSettings) -> int | None:
    """The printer's answer to the status request before the job; None if it is slow."""
    where = describe(settings)
    try:
        reply = sock.recv(1)
    except TimeoutError:
        return None
    except OSError as error:
        raise PrinterUnavailable(f"{where} dropped the connection: {error.strerror}") from None
    if not reply:
        raise PrinterUnavailable(f"{where} closed the connection before the note")
    return reply[0]


def _is_paper_out(status: int) -> bool:
    return (status & _STATUS_FIXED_MASK) == _STATUS_FIXED_BITS and bool(status & _PAPER_END)


def _confirm(sock: socket.socket, settings: PrinterSettings, answers: int) -> None:
    """Wait up to the timeout, from the job's last byte, for the printer's `answers` replies."""
    where = describe(settings)
    deadline = time.monotonic() + settings.timeout
    replies = b""
    try:
        while len(replies) < answers:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            reply = sock.recv(answers - len(replies))
            if not reply:
                raise CutShort(f"{where} closed the connection before confirming the note")
            replies += reply
    except TimeoutError:
        raise Unconfirmed(
            f"{where} took the note but did not confirm it within {settings.timeout:g} s"
        ) from None
    except OSError as error:
        raise CutShort(
            f"{where} dropped the connection before confirming the note: {error.strerror}"
        ) from None
    if any(_is_paper_out(status) for status in replies):
        raise PaperRanOut(f"paper ran out: {where} said its roll was empty after the note")


def _send_network(
    settings: PrinterSettings, payload: bytes, first_byte: Callable[[], None]
) -> None:
    where = describe(settings)
    with _connect(settings) as sock:
        answers = 1
        if settings.confirm == "status":
            try:
                sock.sendall(PAPER_STATUS)
            except OSError as error:
                raise PrinterUnavailable(f"cannot reach {where}: {error.strerror}") from None
            before = _read_status(sock, settings)
            if before is not None and _is_paper_out(before):
                raise PaperOut(f"{where} is out of paper")
            if before is None:
                answers = 2  # its late answer to the first request comes first
        first_byte()
        try:
            if settings.confirm == "status":
                sock.sendall(payload + PAPER_STATUS)
            else:
                sock.sendall(payload)
                sock.shutdown(socket.SHUT_WR)
        except TimeoutError:
            raise CutShort(f"{where} stopped reading the note for {settings.timeout:g} s") from None
        except OSError:
            raise CutShort(f"{where} dropped the connection mid-note") from None
        if settings.confirm == "status":
            _confirm(sock, settings, answers)


def _send_file(path: Path, payload: bytes, first_byte: Callable[[], None]) -> None:
    try:
        device = path.open("ab")
    except OSError as error:
        raise PrinterUnavailable(f"cannot write to {path}: {error.strerror}") from None
    with device:
        first_byte()
        try:
            device.write(payload)
            device.flush()
        except OSError as error:
            raise CutShort(f"writing to {path} stopped: {error.strerror}") from None


def _escpos_device(settings: PrinterSettings) -> Any:
    printer = escpos_lib.load().printer
    if settings.kind == "usb":
        return printer.Usb(
            settings.usb_vendor_id,
            settings.usb_product_id,
            timeout=int(settings.timeout * 1000),  # 0 would wait forever
            profile=settings.profile,
        )
    if settings.kind == "serial":
        return printer.Serial(
            settings.serial_device,
            baudrate=settings.baudrate,
            timeout=settings.timeout,
            profile=settings.profile,
        )
    return printer.CupsPrinter(settings.cups_name, profile=settings.profile)


def _send_escpos_device(
    settings: PrinterSettings, payload: bytes, first_byte: Callable[[], None]
) -> None:
    where = describe(settings)
    try:
        device = _escpos_device(settings)
        device.open()
    except Exception as error:  # pyusb, pyserial and pycups each raise their own kinds
        raise PrinterUnavailable(f"cannot print on {where}: {error}") from None
    try:
        first_byte()
        device._raw(payload)
    except Exception as error:
        raise CutShort(f"printing on {where} stopped: {error}") from None
    finally:
        device.close()
