"""`pos-plugin headoffice serve` as head office runs it: its log file of its own."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.console_script
def test_headoffice_serve_logs_to_a_file_of_its_own_beside_the_store_s(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POS_PLUGIN_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "pos_plugin", "headoffice", "serve", "--port", str(port)],
        env={**env, "POS_PLUGIN_HOME": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    log = tmp_path / "logs" / "headoffice.log"
    try:
        deadline = time.monotonic() + 30  # a bound on waiting, not a claim about speed
        while "Head office is serving" not in (log.read_text() if log.exists() else ""):
            assert server.poll() is None, "headoffice serve ended"
            assert time.monotonic() < deadline, "no log line"
            time.sleep(0.05)
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert f"Head office is serving on http://127.0.0.1:{port}/" in log.read_text()
    assert not (tmp_path / "logs" / "pos-plugin.log").exists()
