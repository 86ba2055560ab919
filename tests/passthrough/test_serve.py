"""`pos-plugin serve` with [passthrough] on: the till's receipts carry the notes tapped for them."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from test_cli import free_port, pos_plugin, script_env, wait_for

from pos_plugin.printing.devices import PAPER_STATUS

from .conftest import RecordingPrinter
from .receipts import FEED_AND_CUT


def configure(home: Path, printer_port: int, till_port: int, server_port: int) -> None:
    """Add the till's printer and the pass-through in front of it to the store's config."""
    config = home / "pos-plugin.toml"
    before = config.read_text(encoding="utf-8") if config.exists() else ""
    config.write_text(
        before + f"\n[server]\nport = {server_port}\n"
        f'[printer]\nkind = "network"\nhost = "127.0.0.1"\nport = {printer_port}\n'
        f'[passthrough]\nenabled = true\nlisten_host = "127.0.0.1"\nlisten_port = {till_port}\n',
        encoding="utf-8",
    )


def tap(base: str, token: str, item_id: int, order_ref: str) -> None:
    request = urllib.request.Request(
        f"{base}/api/v1/comps",
        data=json.dumps({"item_id": item_id, "order_ref": order_ref}).encode(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": order_ref,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


@pytest.mark.console_script
def test_serve_passes_the_tills_receipts_through_with_the_note_of_their_order(tmp_path):
    printer_port, till_port, server_port = free_port(), free_port(), free_port()
    printer = RecordingPrinter(printer_port).start()
    assert pos_plugin(tmp_path, "init", "--demo").returncode == 0
    configure(tmp_path, printer_port, till_port, server_port)
    token = pos_plugin(tmp_path, "token", "create", "--role", "till", "--name", "t").stdout.strip()
    server = subprocess.Popen(
        [sys.executable, "-m", "pos_plugin", "serve"],
        env=script_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    base = f"http://127.0.0.1:{server_port}"
    try:
        wait_for(f"{base}/healthz", server)
        request = urllib.request.Request(
            f"{base}/api/v1/catalog", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            item_id = json.load(response)[0]["id"]
        tap(base, token, item_id, "A-12")
        with socket.create_connection(("127.0.0.1", till_port), timeout=10) as till:
            till.sendall(FEED_AND_CUT.data + PAPER_STATUS)
            answer = till.recv(1)
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=20)
        printer.stop()

    assert answer == b"\x12"
    [printed] = printer.notes
    assert printed.startswith(FEED_AND_CUT.body + b"\x1b@")
    assert printed.endswith(FEED_AND_CUT.cut)
    assert printed.count(b", on the house") == 1
    assert f"The till's receipts pass through 127.0.0.1:{till_port}" in out
    log = (tmp_path / "logs" / "pos-plugin.log").read_text(encoding="utf-8")
    assert "order_ref 'A-12') before the receipt's cut" in log


@pytest.mark.console_script
def test_serve_with_the_till_port_taken_says_so_in_one_line(tmp_path):
    assert pos_plugin(tmp_path, "init").returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        configure(tmp_path, free_port(), taken.getsockname()[1], free_port())

        result = pos_plugin(tmp_path, "serve", timeout=30)

    assert result.returncode == 1
    assert "Error: Cannot listen for the till's receipts on 127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr
