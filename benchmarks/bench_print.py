#!/usr/bin/env python
"""Printing benchmark: what a receipt printer costs a tap, and how soon the note prints.

Three copies of our real app serve taps over HTTP (waitress, loopback), each
on its own SQLite database: one with no printer (the baseline), one whose
network printer is off (its port refuses connections), and one whose printer
is on: a listener on loopback that answers the ESC/POS status request like a
real printer and notes when each note arrived in full. The print worker runs
as under `pos-plugin serve`. Rounds alternate between the three so that noise
on this shared machine hits them alike; the figures to read are the ratios.

    .venv/bin/python benchmarks/bench_print.py            # 3 rounds of 100 taps
    .venv/bin/python benchmarks/bench_print.py --quick    # 1 round of 10 taps
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench_tap import RESULTS_DIR, BackgroundServer, _settings, dispose_ours
from flask import Flask

from pos_plugin import create_app
from pos_plugin.database import db, write_transaction
from pos_plugin.models import Role
from pos_plugin.money import Money
from pos_plugin.printing.app import make_worker
from pos_plugin.printing.devices import PAPER_STATUS
from pos_plugin.services import catalog, tokens
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.store import apply_settings, get_store
from pos_plugin.settings import PrinterSettings

# A barista taps every few seconds at most; this is far quicker, and still leaves the
# worker time to print the last note before the next tap.
SPACING_S = 0.1


class TimingPrinter:
    """A printer on loopback: answers DLE EOT 4 and stamps each note's arrival by its text."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.arrived: dict[str, float] = {}
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        with conn:
            while data := conn.recv(65536):
                buffer += data
                while PAPER_STATUS in buffer:
                    job, _, buffer = buffer.partition(PAPER_STATUS)
                    if b"bench-" in job:
                        key = job.split(b"bench-")[1][:8].decode()
                        self.arrived[key] = time.perf_counter()
                    conn.sendall(b"\x12")

    def close(self) -> None:
        self.server.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclasses.dataclass
class Scenario:
    name: str
    printer: PrinterSettings
    app: Flask | None = None
    server: BackgroundServer | None = None
    token: str = ""
    item_id: int = 0
    latencies: list[float] = dataclasses.field(default_factory=list)
    spaced: list[float] = dataclasses.field(default_factory=list)
    sent: dict[str, float] = dataclasses.field(default_factory=dict)


def build(scenario: Scenario, home: Path) -> None:
    settings = dataclasses.replace(
        _settings(home, f"sqlite:///{home / 'pos-plugin.db'}", 4), printer=scenario.printer
    )
    app = create_app({"SETTINGS": settings})
    now = datetime.now(UTC)
    with app.app_context():
        db.create_all()
        with write_transaction():
            apply_settings(settings, SYSTEM, now)
            item = catalog.add_item(
                SYSTEM, get_store(), name="Cookie", value=Money(10, "EUR"), icon="c", now=now
            )
            _, scenario.token = tokens.create_token(SYSTEM, role=Role.TILL, name="t", now=now)
        scenario.item_id = item.id
        db.session.remove()
    if scenario.printer.kind != "none":
        make_worker(app).start()
    scenario.app = app
    scenario.server = BackgroundServer(app, scenario.name, 4)
    scenario.server.start()


def tap(conn: http.client.HTTPConnection, scenario: Scenario, into: list[float]) -> None:
    key = uuid.uuid4().hex[:8]
    body = json.dumps({"item_id": scenario.item_id, "note": f"bench-{key}"}).encode()
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {scenario.token}",
        "Idempotency-Key": key,
    }
    started = time.perf_counter()
    conn.request("POST", "/api/v1/comps", body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    into.append(time.perf_counter() - started)
    scenario.sent[key] = started
    if response.status != 201:
        raise SystemExit(f"{scenario.name}: tap answered {response.status}")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 round of 10 taps")
    args = parser.parse_args(argv)
    rounds, taps = (1, 10) if args.quick else (3, 100)
    printer = TimingPrinter()
    network = PrinterSettings(kind="network", host="127.0.0.1", timeout=1.0)
    scenarios = [
        Scenario("no printer", PrinterSettings()),
        Scenario("printer off", dataclasses.replace(network, port=free_port())),
        Scenario("printer on", dataclasses.replace(network, port=printer.port)),
    ]
    with tempfile.TemporaryDirectory(prefix="bench-print-") as tmp:
        for n, scenario in enumerate(scenarios):
            build(scenario, Path(tmp) / str(n))
        try:
            for _ in range(rounds):
                for scenario in scenarios:
                    assert scenario.server is not None
                    conn = http.client.HTTPConnection("127.0.0.1", scenario.server.port, timeout=10)
                    for _ in range(taps):
                        tap(conn, scenario, scenario.latencies)
                    for _ in range(taps // 4):
                        time.sleep(SPACING_S)
                        tap(conn, scenario, scenario.spaced)
                    conn.close()
            on = scenarios[2]
            deadline = time.monotonic() + 30
            while len(printer.arrived) < len(on.sent) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            for scenario in scenarios:
                if scenario.server is not None:
                    scenario.server.stop()
                if scenario.app is not None:
                    dispose_ours(scenario.app)
            printer.close()

    rows = []
    header = ("scenario", "pace", "taps", "p50 ms", "p95 ms", "p50 ratio")
    print("{:<12} {:<14} {:>5} {:>8} {:>8} {:>10}".format(*header))
    for pace, series in (("back to back", "latencies"), ("100 ms apart", "spaced")):
        base = statistics.median(getattr(scenarios[0], series))
        for scenario in scenarios:
            values = getattr(scenario, series)
            p50, p95 = statistics.median(values), pct(values, 0.95)
            rows.append(
                {
                    "scenario": scenario.name,
                    "pace": pace,
                    "taps": len(values),
                    "p50_ms": p50 * 1000,
                    "p95_ms": p95 * 1000,
                    "ratio_p50": p50 / base,
                }
            )
            print(
                f"{scenario.name:<12} {pace:<14} {len(values):>5} {p50 * 1000:>8.2f} "
                f"{p95 * 1000:>8.2f} {p50 / base:>9.2f}x"
            )
    on = scenarios[2]
    delays = [printer.arrived[k] - t for k, t in on.sent.items() if k in printer.arrived]
    printed: dict[str, float] = {"notes": len(on.sent), "printed": len(delays)}
    if delays:
        printed |= {"p50_ms": statistics.median(delays) * 1000, "p95_ms": pct(delays, 0.95) * 1000}
        print(
            f"tap to bytes at the printer: p50 {printed['p50_ms']:.1f} ms, "
            f"p95 {printed['p95_ms']:.1f} ms ({len(delays)} of {len(on.sent)} notes printed)"
        )
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / "print.json"
    out.write_text(json.dumps({"taps": rows, "tap_to_print": printed}, indent=2), encoding="utf-8")
    print(f"wrote {out}")
    return 0 if len(delays) == len(on.sent) else 1


if __name__ == "__main__":
    sys.exit(main())
