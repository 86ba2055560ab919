"""The server `pos-plugin serve` runs: every answer arrives whole, a client that stops
reading holds up no one else, a taken port is refused, and waitress's queue warning is
summed up once a minute."""

from __future__ import annotations

import gc
import http.client
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from werkzeug.wsgi import wrap_file

from pos_plugin import serving

App = Callable[[dict[str, Any], Callable[..., Any]], Any]


@contextmanager
def served(app: App, threads: int = 2) -> Iterator[int]:
    """`app` behind `serving.create_server` on a free loopback port; yields the port."""
    server = serving.create_server(app, host="127.0.0.1", port=0, threads=threads)
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


# Waitress leaves what it opened before the bind failed (the socket, its wake-up pipe)
# to the garbage collector. `serve` exits straight after, so only a
# test notices: collected here, under this filter.
@pytest.mark.filterwarnings("ignore:unclosed:ResourceWarning")
def test_a_taken_port_is_refused_before_anything_is_served() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="in use"):
            serving.create_server(
                answering(lambda _: b"ok"), host="127.0.0.1", port=port, threads=1
            )
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
    # As Flask sends the tablet's vendored scripts: with waitress's file wrapper.
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
    # A tablet on a weak Wi-Fi link: waitress buffers its answer, so it holds no thread.
    big = b"y" * (12 << 20)  # more than loopback buffers hold
    app = answering(lambda environ: big if environ["PATH_INFO"] == "/big" else b"small")

    with (
        served(app, threads=2) as port,
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

    with served(app, threads=2) as port:
        clients = [threading.Thread(target=client, args=(port, n)) for n in range(16)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(60)
    assert not failures
    assert not any(thread.is_alive() for thread in clients)


def test_requests_waiting_for_a_waitress_thread_are_told_once_not_once_each(caplog) -> None:
    caplog.set_level(logging.WARNING, logger="waitress.queue")
    release = threading.Event()

    def slow(_: dict[str, Any]) -> bytes:
        release.wait(timeout=10)
        return b"done"

    answers: list[bytes] = []

    def ask(port: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/")
        answers.append(connection.getresponse().read())
        connection.close()

    with served(answering(slow), threads=1) as port:
        clients = [threading.Thread(target=ask, args=(port,)) for _ in range(6)]
        for client in clients:
            client.start()
        deadline = time.monotonic() + 10
        while not caplog.records and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # the other requests arrive and queue too
        release.set()
        for client in clients:
            client.join(timeout=10)
    assert answers == [b"done"] * 6
    told = [r.getMessage() for r in caplog.records if r.name == "waitress.queue"]
    assert len(told) == 1, told
    assert told[0].startswith("Task queue depth is 1: requests are waiting for a free thread")


def test_a_minute_later_the_waits_since_are_summed_up_in_one_line(caplog) -> None:
    logger = logging.getLogger("test_serving.queue")
    caplog.set_level(logging.WARNING, logger=logger.name)
    now = [100.0]
    digest = serving.QueueDigest(clock=lambda: now[0])
    logger.addFilter(digest)
    try:
        logger.warning("Task queue depth is %d", 2)
        for depth in (1, 5, 3):
            now[0] += 10
            logger.warning("Task queue depth is %d", depth)
        now[0] += 31  # 61 s after the first line
        logger.warning("Task queue depth is %d", 1)
    finally:
        logger.removeFilter(digest)
    assert [r.getMessage() for r in caplog.records] == [
        "Task queue depth is 2: requests are waiting for a free thread "
        "(further waits are summed up at most once a minute)",
        "4 requests waited for a free thread in the last 61 s; the deepest queue was 5",
    ]
