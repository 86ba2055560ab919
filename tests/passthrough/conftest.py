"""A till and a printer on loopback, with the app's pass-through between them.

The printer is the recording printer of the print tests (`tests/printing`):
it answers the paper status request (DLE EOT 4) and records what came before
each. So the till here ends every receipt with that request, as tills do, and
waits for the answer: `printer.notes` then holds each receipt as it printed.
"""

from __future__ import annotations

import dataclasses
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

# The print tests' printer and its fixtures, reused: here it is the till's own printer.
from printing.conftest import RecordingPrinter, printer, printer_port

from pos_plugin.passthrough import app as passthrough_app
from pos_plugin.passthrough.proxy import Passthrough
from pos_plugin.printing.devices import PAPER_STATUS
from pos_plugin.settings import PassthroughSettings, PrinterSettings

__all__ = ["RecordingPrinter", "printer", "printer_port"]


@pytest.fixture
def settings(tmp_path, database_url, settings_for, printer_port):
    """The [printer] is the till's own printer, and the pass-through is on in front of it."""
    return dataclasses.replace(
        settings_for(tmp_path / "home", database_url),
        printer=PrinterSettings(kind="network", host="127.0.0.1", port=printer_port, timeout=1),
        passthrough=PassthroughSettings(
            enabled=True, listen_host="127.0.0.1", listen_port=0, connect_timeout=1
        ),
    )


@pytest.fixture
def passthrough(app: Flask) -> Iterator[Passthrough]:
    proxy = passthrough_app.make(app)
    proxy.start()
    yield proxy
    proxy.stop()


class Till:
    """A till's connection to what it believes is its printer, opened when it first prints."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._sock: socket.socket | None = None

    @property
    def sock(self) -> socket.socket:
        if self._sock is None:
            self._sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self._sock

    def send(self, data: bytes, segment: int | None = None) -> None:
        """Send `data`, in TCP segments of `segment` bytes if given."""
        if segment is None:
            self.sock.sendall(data)
            return
        for start in range(0, len(data), segment):
            self.sock.sendall(data[start : start + segment])
            time.sleep(0.001)  # lets each piece leave as a segment of its own

    def status(self) -> bytes:
        """Ask for the paper status, as a till does after a receipt; the printer's answer."""
        self.sock.sendall(PAPER_STATUS)
        return self.sock.recv(1)

    def print(self, data: bytes, segment: int | None = None) -> bytes:
        self.send(data, segment)
        return self.status()

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()


@pytest.fixture
def till(passthrough: Passthrough) -> Iterator[Till]:
    connection = Till(passthrough.port)
    yield connection
    connection.close()


@pytest.fixture
def tap(client, auth, make_item) -> Callable[..., dict[str, Any]]:
    """`tap(order_ref=..., customer_name=...)`: the till records a comp whose note prints."""
    item = make_item(value=50, name="Extra cream")
    headers = auth("till")

    def tap_once(**body: Any) -> dict[str, Any]:
        response = client.post(
            "/api/v1/comps",
            json={"item_id": item.id, **body},
            headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert response.status_code == 201, response.json
        return dict(response.json)

    return tap_once


@pytest.fixture
def note_of(client, auth) -> Callable[[str], bytes]:
    """The comp's note as the API gives it to a till (ESC/POS), without its own cut."""
    headers = auth("till")

    def fetch(comp_id: str) -> bytes:
        response = client.get(f"/api/v1/comps/{comp_id}/receipt?format=escpos", headers=headers)
        assert response.status_code == 200
        note = response.get_data()
        assert note.endswith(b"\x1dV\x00")  # python-escpos' full cut
        return note[:-3]

    return fetch


@pytest.fixture
def job_states(client, auth) -> Callable[[], dict[str, str]]:
    """Each comp's print job state, by comp id."""

    def states() -> dict[str, str]:
        jobs = client.get("/api/v1/print-jobs", headers=auth("manager")).json
        return {job["comp_id"]: job["status"] for job in jobs}

    return states
