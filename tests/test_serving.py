"""The server `pos-plugin serve` runs: every answer arrives whole, a client that stops
reading holds up no one else, a taken port is refused, and with a certificate it speaks
HTTPS only (a plain request fails cleanly; an unusable certificate is named)."""

from __future__ import annotations

import gc
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme
from cryptography.hazmat.primitives import serialization
from werkzeug.wsgi import wrap_file

from pos_plugin import serving
from pos_plugin.settings import ServerSettings

App = Callable[[dict[str, Any], Callable[..., Any]], Any]
DEFAULT_THREADS = ServerSettings().threads


@contextmanager
def served(app: App, threads: int = 2, tls: serving.Certificate | None = None) -> Iterator[int]:
    """`app` behind `serving.create_server` on a free loopback port; yields the port."""
    server = serving.create_server(app, host="127.0.0.1", port=0, threads=threads, tls=tls)
    loop = threading.Thread(target=server.run, daemon=True)
    loop.start()
    try:
        yield server.port
    finally:
        server.stop()
        loop.join(timeout=10)
    assert not loop.is_alive(), "the server did not stop"


def answering(body: Callable[[dict[str, Any]], bytes]) -> App:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        data = body(environ)
        start_response("200 OK", [("Content-Length", str(len(data)))])
        return [data]

    return app


@dataclass(frozen=True)
class Issued:
    """A throwaway CA, and a certificate it signed for 127.0.0.1 written out as PEM files."""

    ca: trustme.CA
    files: serving.Certificate

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context


@pytest.fixture
def issued(tmp_path: Path) -> Issued:
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    cert, key = tmp_path / "store-cert.pem", tmp_path / "store-key.pem"
    # The chain file as a public authority hands it out: the server's own first.
    cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    leaf.private_key_pem.write_to_path(str(key))
    return Issued(ca, serving.Certificate(cert, key))


# cheroot leaves the socket it could not bind to the garbage collector. `serve` exits
# straight after, so only a test notices: collected here, under this filter.
@pytest.mark.filterwarnings("ignore:unclosed:ResourceWarning")
def test_a_taken_port_is_refused_before_anything_is_served() -> None:
    started = threading.active_count()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="in use"):
            serving.create_server(
                answering(lambda _: b"ok"), host="127.0.0.1", port=port, threads=4
            )
    assert threading.active_count() == started  # no worker thread was started
    gc.collect()


def test_an_answer_larger_than_the_socket_buffers_arrives_whole_while_the_app_works_on() -> None:
    # The first part is larger than the socket's buffers; the app then waits for the
    # client to have read it all before it sends the rest.
    first = bytes(range(256)) * (32 * 1024)  # 8 MiB
    received = threading.Event()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Length", str(len(first) + 4))])
        yield first
        received.wait(20)
        yield b"done"

    with served(app) as port, socket.create_connection(("127.0.0.1", port), 15) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while not data.endswith(first):
            chunk = client.recv(1 << 16)
            assert chunk, "the server closed the connection early"
            data += chunk
        received.set()
        while not data.endswith(b"done"):
            data += client.recv(1 << 16)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert body == first + b"done"


def test_a_file_sent_as_flask_sends_it_arrives_whole(tmp_path) -> None:
    # As Flask sends the tablet's vendored scripts: through werkzeug's file wrapper.
    content = bytes(range(251)) * (40 * 1024)  # about 10 MiB, more than the buffers hold
    path = tmp_path / "asset.bin"
    path.write_bytes(content)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        start_response("200 OK", [("Content-Length", str(len(content)))])
        return wrap_file(environ, path.open("rb"))

    with served(app) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            for _ in range(2):  # and the connection serves on afterwards
                conn.request("GET", "/asset.bin")
                assert conn.getresponse().read() == content
        finally:
            conn.close()


def test_a_client_that_stops_reading_holds_up_no_one_else() -> None:
    # A tablet on a weak Wi-Fi link holds one of the server's threads while its answer
    # waits to be sent; the others serve everyone else.
    big = b"y" * (12 << 20)  # more than loopback buffers hold
    app = answering(lambda environ: big if environ["PATH_INFO"] == "/big" else b"small")

    with (
        served(app, threads=DEFAULT_THREADS) as port,
        socket.create_connection(("127.0.0.1", port)) as stalled,
    ):
        stalled.settimeout(15)
        stalled.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")  # and reads nothing yet
        time.sleep(0.2)  # the big answer is being sent
        other = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            for _ in range(20):
                other.request("GET", "/small")
                assert other.getresponse().read() == b"small"
        finally:
            other.close()
        data = b""
        while not data.endswith(big):
            chunk = stalled.recv(1 << 16)
            assert chunk, "the server closed the connection early"
            data += chunk
    assert data.partition(b"\r\n\r\n")[2] == big


def test_many_keep_alive_clients_at_once_each_get_every_answer_whole() -> None:
    app = answering(lambda environ: environ["PATH_INFO"].encode() * 500)
    failures: list[str] = []

    def client(port: int, number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            for request in range(25):
                path = f"/{number}-{request}"
                conn.request("GET", path)
                if conn.getresponse().read() != path.encode() * 500:
                    failures.append(path)
        except OSError as exc:
            failures.append(f"client {number}: {exc!r}")
        finally:
            conn.close()

    # Fewer threads than clients: a connection waiting for its next request holds none.
    with served(app, threads=2) as port:
        clients = [threading.Thread(target=client, args=(port, n)) for n in range(16)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(60)
    assert not failures
    assert not any(thread.is_alive() for thread in clients)


# -- over TLS -----------------------------------------------------------------------------


def scheme(environ: dict[str, Any]) -> bytes:
    return environ["wsgi.url_scheme"].encode()


def test_with_a_certificate_a_client_that_trusts_its_ca_is_answered_over_https(issued) -> None:
    with served(answering(scheme), tls=issued.files) as port:
        conn = http.client.HTTPSConnection(
            "127.0.0.1", port, context=issued.client_context(), timeout=10
        )
        try:
            for _ in range(3):  # on one kept-alive connection
                conn.request("GET", "/")
                answer = conn.getresponse()
                assert (answer.status, answer.read()) == (200, b"https")
        finally:
            conn.close()


def test_a_client_that_does_not_trust_the_certificate_is_refused(issued) -> None:
    stranger = ssl.create_default_context()
    trustme.CA().configure_trust(stranger)
    with served(answering(scheme), tls=issued.files) as port:
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=stranger, timeout=10)
        with pytest.raises(ssl.SSLCertVerificationError):
            conn.request("GET", "/")
        conn.close()


def test_plain_http_to_the_tls_port_fails_cleanly_and_https_goes_on(issued) -> None:
    with served(answering(scheme), tls=issued.files) as port:
        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            plain.request("GET", "/")
            answer = plain.getresponse()
            # Either a plain 400 that says why, or the connection closed: never an answer.
            assert answer.status == 400
            assert b"only speaks HTTPS" in answer.read()
        except (ConnectionError, http.client.HTTPException):
            pass
        finally:
            plain.close()
        secure = http.client.HTTPSConnection(
            "127.0.0.1", port, context=issued.client_context(), timeout=10
        )
        secure.request("GET", "/")
        assert secure.getresponse().read() == b"https"
        secure.close()


def test_plain_http_is_still_plain_without_a_certificate() -> None:
    with served(answering(scheme)) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/")
        assert conn.getresponse().read() == b"http"
        conn.close()


def unusable(issued: Issued, tmp_path: Path) -> dict[str, tuple[serving.Certificate, str]]:
    """Certificates a store might be given by mistake, and what the refusal must say."""
    good = issued.files
    junk = tmp_path / "notes.txt"
    junk.write_text("not a certificate")
    pem = issued.ca.issue_cert("x").private_key_pem.bytes()
    key = serialization.load_pem_private_key(pem, None)
    encrypted = tmp_path / "encrypted-key.pem"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    other_key = tmp_path / "other-key.pem"
    issued.ca.issue_cert("x").private_key_pem.write_to_path(str(other_key))
    missing = tmp_path / "missing.pem"
    return {
        "missing": (serving.Certificate(missing, good.key), f"{missing}: cannot be read"),
        "not PEM": (serving.Certificate(junk, good.key), f"{junk} and {good.key}: not a PEM"),
        "another key": (
            serving.Certificate(good.cert, other_key),
            f"{good.cert} and {other_key}: not a PEM certificate and its matching private key",
        ),
        "encrypted": (serving.Certificate(good.cert, encrypted), f"{encrypted}: the key is"),
    }


@pytest.mark.parametrize("mistake", ["missing", "not PEM", "another key", "encrypted"])
def test_an_unusable_certificate_is_refused_naming_the_file_before_anything_listens(
    issued, tmp_path, mistake
) -> None:
    files, says = unusable(issued, tmp_path)[mistake]
    started = threading.active_count()
    with pytest.raises(serving.CertificateError) as refused:
        serving.create_server(answering(scheme), host="127.0.0.1", port=0, threads=2, tls=files)
    assert str(refused.value).startswith(says)
    assert "\n" not in str(refused.value)
    assert threading.active_count() == started
