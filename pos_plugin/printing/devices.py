"""Sending one job's bytes to the configured printer, over a fresh connection, with timeouts.

`send` returns only when the printer has taken the whole job; anything else
raises `PrinterUnavailable` with what went wrong in words a manager can act on.

A network printer with `confirm = "status"` is asked for its paper status
(ESC/POS DLE EOT 4) before the job, and again after it: the second answer can
only come once the printer has read every byte before it. A printer that does
not answer the first request is not sent the job at all, so a printer that
never answers can never print a note twice; such printers take
`confirm = "sent"`, which trusts a completed send.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from pos_plugin.printing import escpos_lib
from pos_plugin.settings import PrinterSettings

PAPER_STATUS = b"\x10\x04\x04"  # DLE EOT 4: transmit paper roll sensor status
_STATUS_FIXED_MASK, _STATUS_FIXED_BITS = 0x93, 0x12
_PAPER_END = 0x60


class PrinterUnavailable(Exception):
    """The job did not reach the printer, or the printer did not confirm it."""


class PaperOut(PrinterUnavailable):
    """The printer says its roll is empty; the job was not sent."""


def describe(settings: PrinterSettings) -> str:
    return {
        "network": f"{settings.host}:{settings.port}",
        "usb": f"USB {settings.usb_vendor_id:04x}:{settings.usb_product_id:04x}",
        "serial": settings.serial_device,
        "file": settings.path,
        "cups": f"CUPS printer {settings.cups_name!r}",
    }.get(settings.kind, "no printer")


def send(settings: PrinterSettings, payload: bytes) -> None:
    if settings.kind == "network":
        _send_network(settings, payload)
    elif settings.kind == "file":
        _send_file(Path(settings.path), payload)
    elif settings.kind in ("usb", "serial", "cups"):
        _send_escpos_device(settings, payload)
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
        _send_file(Path(settings.path), b"")
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


def _read_status(sock: socket.socket, settings: PrinterSettings, when: str) -> int:
    where = describe(settings)
    try:
        reply = sock.recv(1)
    except TimeoutError:
        if when == "before":
            raise PrinterUnavailable(
                f"{where} did not answer a status request within {settings.timeout:g} s; "
                'if it never does, set [printer] confirm = "sent"'
            ) from None
        raise PrinterUnavailable(
            f"{where} did not confirm the note within {settings.timeout:g} s"
        ) from None
    except OSError as error:
        raise PrinterUnavailable(f"{where} dropped the connection: {error.strerror}") from None
    if not reply:
        raise PrinterUnavailable(f"{where} closed the connection {when} the note")
    return reply[0]


def _is_paper_out(status: int) -> bool:
    return (status & _STATUS_FIXED_MASK) == _STATUS_FIXED_BITS and bool(status & _PAPER_END)


def _send_network(settings: PrinterSettings, payload: bytes) -> None:
    where = describe(settings)
    with _connect(settings) as sock:
        try:
            if settings.confirm == "status":
                sock.sendall(PAPER_STATUS)
                if _is_paper_out(_read_status(sock, settings, "before")):
                    raise PaperOut(f"{where} is out of paper")
                sock.sendall(payload + PAPER_STATUS)
                _read_status(sock, settings, "after")
            else:
                sock.sendall(payload)
                sock.shutdown(socket.SHUT_WR)
        except TimeoutError:
            raise PrinterUnavailable(
                f"{where} stopped reading the note for {settings.timeout:g} s"
            ) from None
        except (BrokenPipeError, ConnectionResetError):
            raise PrinterUnavailable(f"{where} dropped the connection mid-note") from None


def _send_file(path: Path, payload: bytes) -> None:
    try:
        with path.open("ab") as device:
            device.write(payload)
            device.flush()
    except OSError as error:
        raise PrinterUnavailable(f"cannot write to {path}: {error.strerror}") from None


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


def _send_escpos_device(settings: PrinterSettings, payload: bytes) -> None:
    where = describe(settings)
    try:
        device = _escpos_device(settings)
        try:
            device.open()
            device._raw(payload)
        finally:
            device.close()
    except Exception as error:  # pyusb, pyserial and pycups each raise their own kinds
        raise PrinterUnavailable(f"cannot print on {where}: {error}") from None
