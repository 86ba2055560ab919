"""The latency the receipt pass-through adds to a till's receipt, beside a direct print.

A printer on loopback reads each receipt and answers the paper status request
(DLE EOT 4) the till sends after it, as an Epson does. A receipt's time is the
till's whole print: connect, send the receipt and the request, read the answer.
Receipts go alternately straight to the printer and through the pass-through
(the app's own, on SQLite in a temp dir), so noise from other users of the
machine hits both alike: 100 of each with no note waiting, then 100 of each
with a note tapped for that receipt's order just before it (the tap is not timed).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

PAPER_STATUS = b"\x10\x04\x04"
RECEIPT = (
    b"\x1b@\x1bt\x10\x1ba\x01\x1b!\x30BEAN THERE\n\x1b!\x00\x1ba\x00"
    + b"--------------------------------\n"
    + b"Order: %s\n"
    + b"Flat white                  3.20\n" * 12
    + b"\x1bE\x01TOTAL                 EUR 38.40\n\x1bE\x00"
    + b"\x1ba\x01Thank you!\n\x1dVA\x03"
)


def printer(port_out: list[int], stop: threading.Event) -> None:
    """A printer that answers every paper status request with "paper OK"."""
    with socket.create_server(("127.0.0.1", 0), backlog=64) as server:
        port_out.append(server.getsockname()[1])
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=_serve, args=(conn,), daemon=True).start()


def _serve(conn: socket.socket) -> None:
    with conn:
        tail = b""
        while data := conn.recv(65536):
            seen = tail + data
            for _ in range(seen.count(PAPER_STATUS)):
                conn.sendall(b"\x12")
            tail = seen[-2:]  # a request split across reads is still answered


def print_once(port: int, receipt: bytes) -> float:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as till:
        till.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        till.sendall(receipt + PAPER_STATUS)
        answer = till.recv(1)
    if answer != b"\x12":
        raise RuntimeError(f"the printer answered {answer!r}")
    return time.perf_counter() - started


def ms(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--receipts", type=int, default=100)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-passthrough-"))
    os.environ["POS_PLUGIN_HOME"] = str(home)
    # Imported once POS_PLUGIN_HOME is set: python-escpos caches its profiles in it.
    from sqlalchemy import func, select

    from pos_plugin import create_app
    from pos_plugin.database import db, write_transaction
    from pos_plugin.models import PrintJob, PrintJobStatus
    from pos_plugin.money import Money
    from pos_plugin.passthrough import app as passthrough_app
    from pos_plugin.services import catalog, comps
    from pos_plugin.services.actors import SYSTEM
    from pos_plugin.services.store import apply_settings, get_store
    from pos_plugin.settings import PassthroughSettings, PrinterSettings, load

    ports: list[int] = []
    stop = threading.Event()
    threading.Thread(target=printer, args=(ports, stop), daemon=True).start()
    while not ports:
        time.sleep(0.01)
    settings = replace(
        load({"POS_PLUGIN_HOME": str(home)}),
        printer=PrinterSettings(kind="network", host="127.0.0.1", port=ports[0]),
        passthrough=PassthroughSettings(enabled=True, listen_host="127.0.0.1", listen_port=0),
    )
    app = create_app({"SETTINGS": settings})
    now = datetime.now(UTC)
    with app.app_context():
        db.create_all()
        with write_transaction():
            apply_settings(settings, SYSTEM, now)
            item = catalog.add_item(
                SYSTEM, get_store(), name="Free cookie", value=Money(180, "EUR"), icon="🍪", now=now
            )
        item_id = item.id

    def tap(order_ref: str) -> None:
        with app.app_context():
            with write_transaction():
                request = comps.CompRequest(item_id=item_id, order_ref=order_ref)
                # approved by a manager: a hundred comps would go past a shift's allowance
                comps.record_comp(SYSTEM, get_store(), request, datetime.now(UTC), approver=SYSTEM)
            db.session.remove()

    proxy = passthrough_app.make(app)
    proxy.start()
    try:
        for _ in range(5):  # warm up both paths and the note's first render
            print_once(ports[0], RECEIPT % b"W-0")
            print_once(proxy.port, RECEIPT % b"W-0")
        rows = [
            ("no note waiting", run(args.receipts, ports[0], proxy.port, None)),
            ("a note each", run(args.receipts, ports[0], proxy.port, tap)),
        ]
    finally:
        proxy.stop()
        stop.set()
    with app.app_context():
        printed = db.session.scalar(
            select(func.count()).where(PrintJob.status == PrintJobStatus.PRINTED)
        )
    if printed != args.receipts:
        raise RuntimeError(f"{printed} notes joined a receipt, not {args.receipts}")
    report(args.receipts, rows)


def run(
    count: int, direct: int, through: int, tap: Callable[[str], None] | None
) -> tuple[list[float], list[float]]:
    straight, passed = [], []
    for n in range(count):
        ref = f"A-{n}"
        straight.append(print_once(direct, RECEIPT % ref.encode()))
        if tap is not None:
            tap(ref)
        passed.append(print_once(through, RECEIPT % ref.encode()))
    return straight, passed


def report(count: int, rows: list[tuple[str, tuple[list[float], list[float]]]]) -> None:
    print(f"Receipt pass-through, {count} receipts each way, alternated (times in ms)")
    print(
        f"{'':<16}{'direct p50':>11}{'p99':>7}{'through p50':>13}{'p99':>7}"
        f"{'added p50':>11}{'added p99':>11}{'ratio p50':>11}"
    )
    for name, (straight, passed) in rows:
        d50, d99, t50, t99 = ms(straight, 50), ms(straight, 99), ms(passed, 50), ms(passed, 99)
        print(
            f"{name:<16}{d50:>11.2f}{d99:>7.2f}{t50:>13.2f}{t99:>7.2f}"
            f"{t50 - d50:>11.2f}{t99 - d99:>11.2f}{t50 / d50:>10.1f}x"
        )
    print("target: added latency under 20 ms a receipt")


if __name__ == "__main__":
    main()
