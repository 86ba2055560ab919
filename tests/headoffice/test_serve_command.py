"""`pos-plugin headoffice serve` as head office runs it: its log file of its own, and the
report pages on an address apart from the uploads, and the ingest worker beside the web
server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.error import HTTPError

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pos_plugin.headoffice import database, stores
from pos_plugin.sync.fileset import parse_name

from .conftest import NOW, StoreKeys


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.console_script
def test_headoffice_serve_logs_to_a_file_of_its_own_and_its_worker_ingests_uploads(
    tmp_path, make_set
):
    engine = database.open_database(f"sqlite:///{tmp_path / 'headoffice.db'}")
    keys = StoreKeys("cafe-001", Ed25519PrivateKey.generate())
    with database.write_session(engine) as session:
        keys.token = stores.add_store(session, keys.store_id, keys.public, NOW).token
    engine.dispose()
    manifest = make_set(keys, folder=tmp_path / "store")
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
        answers = upload(port, keys.token, manifest)
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert answers == [201, 201, 201, 202, "ingested: 1 comps of cafe-001 on 2026-11-23"]

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


def upload(port: int, token: str, manifest) -> list[object]:
    """Each file's answer, then the set's outcome once the worker has it."""
    url = f"http://127.0.0.1:{port}/api/v1/sync/upload/"
    auth = {"Authorization": f"Bearer {token}"}
    parsed = parse_name(manifest.name)
    assert parsed is not None
    answers: list[object] = []
    for name in parsed[0].all_files():
        body = (manifest.parent / name).read_bytes()
        request = urllib.request.Request(url + name, body, auth, method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            answers.append(answer.status)
    deadline = time.monotonic() + 30  # a bound on waiting, not a claim about speed
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(
                urllib.request.Request(url + manifest.name, headers=auth), timeout=10
            ) as answer:
                found = json.load(answer)
        except HTTPError as error:
            return [*answers, error.code]
        if answer.status == 200:
            return [*answers, found["detail"]]
        time.sleep(0.05)
    return [*answers, "still queued"]
