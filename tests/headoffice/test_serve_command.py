"""`pos-plugin headoffice serve` as head office runs it: its log file of its own, and the
report pages on an address apart from the uploads."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

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


@pytest.mark.console_script
def test_headoffice_serve_can_keep_the_reports_off_the_upload_address(tmp_path):
    uploads, reports = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POS_PLUGIN_")}
    command = [sys.executable, "-m", "pos_plugin", "headoffice", "serve", "--port", str(uploads)]
    server = subprocess.Popen(
        [*command, "--reports-listen", f"127.0.0.1:{reports}"],
        env={**env, "POS_PLUGIN_HOME": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline() for _ in range(2)]
        assert f"http://127.0.0.1:{uploads}/ (uploads)" in lines[0]
        assert f"http://127.0.0.1:{reports}/ (reports)" in lines[1]

        def get(port, path, method="GET"):
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
            try:
                with NO_REDIRECTS.open(request, timeout=10) as answer:
                    return answer.status, answer.headers
            except urllib.error.HTTPError as error:
                return error.code, error.headers

        assert get(uploads, "/")[0] == 404
        assert get(uploads, "/signin")[0] == 404
        assert get(uploads, "/reports/stories.csv")[0] == 404
        assert get(uploads, "/api/v1/sync/upload/x.manifest.json", "POST")[0] == 401
        status, headers = get(reports, "/")
        assert (status, headers["Location"]) == (302, "/signin?next=/")
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert get(reports, "/reports/stories.csv")[0] == 401
        assert get(reports, "/api/v1/sync/upload/x.manifest.json", "POST")[0] == 404
    finally:
        server.terminate()
        server.communicate(timeout=10)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


NO_REDIRECTS = urllib.request.build_opener(_NoRedirects)
