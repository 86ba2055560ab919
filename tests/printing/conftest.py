"""A real receipt printer on loopback, and an app whose [printer] points at it.

`RecordingPrinter` listens on 127.0.0.1, answers the ESC/POS paper status
request (DLE EOT 4) the way an Epson does, and records every note it read in
full. It can be off (nothing listens: connection refused), silent (accepts and
never reads), out of paper, run out of paper during a note, drop the connection
in the middle of a note, reset it after a number of bytes, or take a note and
never confirm it; and it can answer every status request, or only the one after
a note, late.
"""

from __future__ import annotations

import dataclasses
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from pos_plugin.printing.app import make_worker
from pos_plugin.printing.devices import PAPER_STATUS
from pos_plugin.printing.worker import PrintWorker
from pos_plugin.settings import PrinterSettings

PAPER_OK, PAPER_END = b"\x12", b"\x72"
PAPER_RAN_OUT = b"\x7e"  # the paper-end and near-end bits, as an Epson says it after a job


class RecordingPrinter:
    def __init__(self, port: int) -> None:
        self.port = port
        self.mode = "ok"
        self.answer_delay = 0.0  # seconds before answering any status request
        self.confirm_delay = 0.0  # seconds before answering the one after a note
        self.reset_after = 300  # bytes of a note read before "reset" resets the connection
        self.notes: list[bytes] = []
        self.partial: list[bytes] = []
        self.connections = 0
        self._server: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self, mode: str = "ok") -> RecordingPrinter:
        self.mode = mode
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(8)
        server.settimeout(0.1)
        self._server = server
        self._spawn(self._accept_loop, server)
        return self

    def stop(self) -> None:
        """Switch the printer off: the port refuses connections again."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for conn in self._open:
            conn.close()
        for thread in self._threads:
            thread.join(5)
        self._threads, self._open = [], []

    def wait_for_notes(self, count: int, timeout: float = 10.0) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while len(self.notes) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.notes)

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept_loop(self, server: socket.socket) -> None:
        while self._server is server:
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            self._open.append(conn)
            self._spawn(self._serve, conn)

    def _serve(self, conn: socket.socket) -> None:
        if self.mode == "silent":
            return  # keeps the connection open and never reads a byte
        buffer = b""
        try:
            while True:
                data = conn.recv(4096)
                if not data:
                    return
                buffer += data
                if (
                    self.mode == "reset"
                    and len(buffer.partition(PAPER_STATUS)[0]) >= self.reset_after
                ):
                    self.partial.append(buffer[: self.reset_after])  # a fragment came out
                    self.mode = "ok"  # the next connection prints in full
                    # Closed with unread bytes and no lingering: a TCP reset, as a printer's
                    # network card that restarts sends.
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    conn.close()
                    return
                while PAPER_STATUS in buffer:
                    job, _, buffer = buffer.partition(PAPER_STATUS)
                    if job and self.mode == "close_mid_job":
                        self.partial.append(job[: len(job) // 2])  # half a note came out
                        self.mode = "ok"  # the next connection prints in full
                        conn.close()
                        return
                    if job:
                        self.notes.append(job)
                    if job and self.mode == "never_confirms":
                        continue
                    time.sleep(self.answer_delay + (self.confirm_delay if job else 0.0))
                    conn.sendall(self._status(after_note=bool(job)))
        except OSError:
            return

    def _status(self, after_note: bool) -> bytes:
        if self.mode == "paper_out":
            return PAPER_END
        if self.mode == "paper_runs_out" and after_note:
            return PAPER_RAN_OUT
        return PAPER_OK


@pytest.fixture
def printer_port() -> Iterator[int]:
    """A loopback port kept for the test's printer: held bound (not listening, so it
    refuses connections while the printer is off) until the test ends, so no other test
    running beside it can be given the port in between."""
    with socket.socket() as held:
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        held.bind(("127.0.0.1", 0))
        yield int(held.getsockname()[1])


@pytest.fixture
def printer(printer_port: int) -> Iterator[RecordingPrinter]:
    """The store's receipt printer, switched off until a test calls `start()`."""
    device = RecordingPrinter(printer_port)
    yield device
    device.stop()


@pytest.fixture
def printer_settings(printer_port: int) -> PrinterSettings:
    return PrinterSettings(
        kind="network",
        host="127.0.0.1",
        port=printer_port,
        timeout=0.5,
        retry_max_seconds=0.05,
        footer="See you tomorrow!",
    )


@pytest.fixture
def settings(tmp_path, database_url, settings_for, printer_settings):
    """Every app in these tests has a network printer on loopback."""
    return dataclasses.replace(
        settings_for(tmp_path / "home", database_url), printer=printer_settings
    )


@pytest.fixture
def worker(app) -> PrintWorker:
    """The app's print worker, driven one round at a time by `worker.step()`."""
    return make_worker(app)
