"""The server `pos-plugin serve` runs: every answer arrives whole, and the main loop
never spins on a connection a task thread is answering."""

from __future__ import annotations

import http.client
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pos_plugin import serving

App = Callable[[dict[str, Any], Callable[..., Any]], Any]


@contextmanager
def served(app: App, threads: int = 2) -> Iterator[int]:
    """`app` behind `serving.create_server` on a free loopback port; yields the port."""
    server = serving.create_server(app, host="127.0.0.1", port=0, threads=threads)
    loop = threading.Thread(target=server.run, daemon=True)
    loop.start()
    try:
        yield int(server.effective_port)
    finally:
        # Closed on the loop's own thread, so no socket vanishes under its select().
        server.trigger.pull_trigger(lambda: close_all(server._map))
        loop.join(timeout=10)
        server.task_dispatcher.shutdown()
    assert not loop.is_alive(), "the server's loop did not stop"


def close_all(sockets: dict[int, Any]) -> None:
    for dispatcher in list(sockets.values()):
        if isinstance(dispatcher, serving.SteadyChannel):
            dispatcher.handle_close()  # also closes the files its answers spilled into
        else:
            dispatcher.close()


def answering(body: Callable[[dict[str, Any]], bytes]) -> App:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        data = body(environ)
        start_response("200 OK", [("Content-Length", str(len(data)))])
        return [data]

    return app


@contextmanager
def a_channel() -> Iterator[tuple[Any, serving.SteadyChannel]]:
    """A connection as the server makes one, on a socket pair nobody reads from, with a
    task thread answering on it (its buffers fill up once it has sent enough)."""
    server = serving.create_server(answering(lambda _: b"ok"), host="127.0.0.1", port=0, threads=1)
    ours, theirs = socket.socketpair()
    channel = server.channel_class(server, ours, ("127.0.0.1", 1), server.adj, map={})
    channel.requests = [object()]
    try:
        yield server, channel
    finally:
        channel.handle_close()
        theirs.close()
        server.close()
        server.task_dispatcher.shutdown()


def test_a_connection_being_answered_is_left_out_of_the_loop_while_its_task_holds_the_lock():
    with a_channel() as (_, channel):
        assert isinstance(channel, serving.SteadyChannel)
        assert not channel.writable(), "nothing to send yet"
        channel.outbufs[-1].append(b"x" * 10)
        channel.total_outbufs_len = 10  # bytes not sent yet
        holding, done = threading.Event(), threading.Event()

        def task() -> None:
            with channel.outbuf_lock:
                holding.set()
                done.wait(10)

        thread = threading.Thread(target=task)
        thread.start()
        assert holding.wait(10)
        assert not channel.writable()
        channel.will_close = True
        assert channel.writable(), "a connection to close is the loop's to close at once"
        channel.will_close = False
        done.set()
        thread.join(10)
        assert channel.writable(), "once the task lets go, the loop sends what is left"


def test_a_task_that_leaves_bytes_unsent_wakes_the_loop_once_it_has_let_go_of_the_lock():
    with a_channel() as (server, channel):
        wakes: list[tuple[bool, int]] = []

        def lock_is_free() -> bool:
            free: list[bool] = []

            def probe() -> None:  # from another thread, as the loop would
                got = channel.outbuf_lock.acquire(blocking=False)
                if got:
                    channel.outbuf_lock.release()
                free.append(got)

            thread = threading.Thread(target=probe)
            thread.start()
            thread.join(10)
            return free[0]

        server.pull_trigger = lambda: wakes.append((lock_is_free(), channel.total_outbufs_len))
        channel.write_soon(b"x" * (8 << 20))  # as a task thread answers
        assert channel.total_outbufs_len > 0, "the socket took it all: the test needs more"
        assert (True, channel.total_outbufs_len) in wakes


def test_what_the_socket_would_not_take_goes_out_while_the_app_still_works():
    # The first part is larger than the socket's buffers, so the task thread sends only
    # some of it; the app then waits for the client to have read it all. The rest must
    # go out without any further event to wake the server's loop.
    first = bytes(range(256)) * (32 * 1024)  # 8 MiB
    received = threading.Event()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Length", str(len(first) + 4))])
        yield first
        received.wait(20)
        yield b"done"

    with served(app) as port, socket.create_connection(("127.0.0.1", port), timeout=15) as client:
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


def test_a_file_sent_with_the_servers_file_wrapper_arrives_whole(tmp_path):
    # As Flask sends the tablet's vendored scripts: the server reads the file itself.
    content = bytes(range(251)) * (40 * 1024)  # about 10 MiB, more than the buffers hold
    path = tmp_path / "asset.bin"
    path.write_bytes(content)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        start_response("200 OK", [("Content-Length", str(len(content)))])
        return environ["wsgi.file_wrapper"](path.open("rb"))

    with served(app) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            for _ in range(2):  # and the connection serves on afterwards
                conn.request("GET", "/asset.bin")
                assert conn.getresponse().read() == content
        finally:
            conn.close()


def test_a_client_that_stops_reading_holds_up_no_one_else():
    # A tablet on a weak Wi-Fi link: its answer waits in the server, not its thread.
    big = b"y" * (12 << 20)  # more than loopback buffers hold, under waitress's 16 MiB mark
    app = answering(lambda environ: big if environ["PATH_INFO"] == "/big" else b"small")

    with served(app, threads=1) as port, socket.create_connection(("127.0.0.1", port)) as stalled:
        stalled.settimeout(15)
        stalled.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")  # and reads nothing yet
        other = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
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


def test_many_keep_alive_clients_at_once_each_get_every_answer_whole():
    app = answering(lambda environ: environ["PATH_INFO"].encode() * 500)
    failures: list[str] = []

    def client(port: int, number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            for request in range(25):
                path = f"/{number}-{request}"
                conn.request("GET", path)
                answer = conn.getresponse()
                if answer.read() != path.encode() * 500:
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


def test_requests_waiting_for_a_thread_are_told_once_not_once_each(caplog):
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


def test_a_minute_later_the_waits_since_are_summed_up_in_one_line(caplog):
    caplog.set_level(logging.WARNING, logger="waitress.queue")
    now = [100.0]
    log = serving.QueueDepthLog(logging.getLogger("waitress.queue"), clock=lambda: now[0])
    log.warning("Task queue depth is %d", 2)
    for depth in (1, 5, 3):
        now[0] += 10
        log.warning("Task queue depth is %d", depth)
    now[0] += 31  # 61 s after the first line
    log.warning("Task queue depth is %d", 1)
    assert [r.getMessage() for r in caplog.records] == [
        "Task queue depth is 2: requests are waiting for a free thread "
        "(further waits are summed up at most once a minute)",
        "4 requests waited for a free thread in the last 61 s; the deepest queue was 5",
    ]
