"""Uploads head office refuses, on the wire: answered before the body is read, and taken by
the store as final (not retried by itself), its reason in `sync status` and on Health."""

from __future__ import annotations

import json
import os
import socket
import ssl
from datetime import UTC, datetime

import pytest

from pos_plugin.checks import sync as sync_checks
from pos_plugin.models import BatchState, Role
from pos_plugin.sync.deliver import deliver_due
from pos_plugin.sync.transports import Refused

from .conftest import https, sets_and_comps

MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
COMPS = "test-cafe_2026-11-23_001.comps.csv"
HUGE = 300 * 1024 * 1024


def exchange(head_office, head: str, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes over TLS and read the answer until the server closes: (status, headers,
    body). A server that waits for a body it was promised never answers: the read times out."""
    context = ssl.create_default_context(cafile=str(head_office.ca_file))
    raw = socket.create_connection(("127.0.0.1", head_office.port), timeout=5)
    with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        answer = b""
        try:
            while chunk := tls.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass  # it hung up on the rest of a body it would not read, after answering
    head_part, _, rest = answer.partition(b"\r\n\r\n")
    lines = head_part.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, rest


def upload_head(name: str, token: str, extra: str) -> str:
    return (
        f"POST /api/v1/sync/upload/{name} HTTP/1.1\nHost: 127.0.0.1\n"
        f"Authorization: Bearer {token}\n{extra}"
    )


def test_an_upload_without_its_token_is_answered_before_one_byte_of_body_is_sent(head_office):
    status, headers, body = exchange(
        head_office, upload_head(COMPS, "ho_wrong", f"Content-Length: {HUGE}\n")
    )

    assert status == 401
    assert headers["Connection"] == "close"
    assert json.loads(body)["detail"] == f"{COMPS}: send the store's upload token (Bearer)."


def test_a_declared_length_over_the_limit_is_refused_before_one_byte_is_read(head_office):
    status, _, body = exchange(
        head_office, upload_head(COMPS, head_office.token, f"Content-Length: {HUGE}\n")
    )

    assert status == 413
    assert json.loads(body)["detail"] == (
        f"{COMPS}: {HUGE} bytes is over the {256 * 1024 * 1024}-byte limit."
    )


def test_a_chunked_body_is_taken_up_to_the_limit_and_refused_past_it(serve_head_office):
    head_office = serve_head_office(max_upload_bytes=1024)
    chunked = upload_head(COMPS, head_office.token, "Transfer-Encoding: chunked\n")

    small = exchange(head_office, chunked, b"5\r\nhello\r\n0\r\n\r\n")
    large = exchange(head_office, chunked, b"7d0\r\n" + b"x" * 2000 + b"\r\n0\r\n\r\n")
    without_length = exchange(head_office, upload_head(COMPS, head_office.token, ""))

    assert small[0] == 201
    assert (head_office.home / "headoffice/inbox/test-cafe" / COMPS).read_bytes() == b"hello"
    assert large[0] == 413
    assert json.loads(large[2])["detail"] == f"{COMPS}: the body is over the 1024-byte limit."
    assert without_length[0] == 411


def test_a_file_over_the_limit_is_refused_for_good_though_the_send_breaks_off(
    serve_head_office, tmp_path
):
    head_office = serve_head_office(max_upload_bytes=1024 * 1024)
    names = [COMPS, COMPS.replace("comps.csv", "manifest.json")]
    (tmp_path / COMPS).write_bytes(os.urandom(32 * 1024 * 1024))  # far past the socket buffers

    # The receiver answers 413 and hangs up mid-body; the store reads that answer anyway.
    with pytest.raises(Refused) as refused:
        https(head_office, head_office.port).send(tmp_path, names)

    assert str(refused.value) == (
        f"head office answered 413 to {COMPS}: {COMPS}: 33554432 bytes is over the "
        "1048576-byte limit."
    )


def test_a_set_refused_by_head_office_shows_why_in_sync_status_and_on_health(
    app, serve_head_office, bulk_comps, sync_cli, clock, client, make_staff, sign_in
):
    head_office = serve_head_office(max_upload_bytes=50_000)
    bulk_comps(MONDAY, 400)  # a comps file of about 200 kB
    assert sync_cli("export").exit_code == 0

    with app.app_context():
        [delivery] = deliver_due(https(head_office, head_office.port), lambda: clock.now, 3600)
        finding = sync_checks.refused(app.config["POS_PLUGIN_SETTINGS"], clock.now)

    assert delivery.batch.state is BatchState.FAILED
    assert delivery.batch.next_attempt_at is None
    assert sets_and_comps(head_office.engine) == (0, 0)
    status = sync_cli("status").output
    assert f"head office answered 413 to {COMPS}: {COMPS}: " in status
    assert "(refused: not tried again by itself; fix it, then `pos-plugin sync run`)" in status
    assert finding.status.value == "fail"
    assert str(finding.message).startswith(
        "Head office refused the file set of 2026-11-23 (sequence 1): head office answered 413"
    )
    manager = make_staff(Role.MANAGER, name="Maya", pin="9999")
    assert sign_in(manager, pin="9999").status_code == 302
    page = client.get("/manage/health").get_data(as_text=True)
    assert "Refused by head office</th>" in page
    assert "over the 50000-byte limit" in page
