"""A TCP proxy on loopback that breaks chosen connections, for the delivery fault tests.

Connections are numbered from 1 in the order they arrive. `cut_after[n] = b`
closes connection n once b bytes went from the client to the server (a line
dropped mid-upload); `swallow_answer[n] = b` lets connection n's server
bytes through only until the client has sent b bytes: the answer to a request
at least that long never arrives, and the client is hung up on (a lost
acknowledgement). Everything else is passed through untouched.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field


@dataclass
class FaultyProxy:
    target_port: int
    cut_after: dict[int, int] = field(default_factory=dict)
    swallow_answer: dict[int, int] = field(default_factory=dict)
    connections: int = 0
    broken: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        self._sent: dict[int, int] = {}
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            number = self.connections
            server = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
            self._open += [client, server]
            threading.Thread(
                target=self._upstream, args=(number, client, server), daemon=True
            ).start()
            threading.Thread(
                target=self._downstream, args=(number, client, server), daemon=True
            ).start()

    def _upstream(self, number: int, client: socket.socket, server: socket.socket) -> None:
        sent, limit = 0, self.cut_after.get(number)
        try:
            while chunk := client.recv(16384):
                if limit is not None and sent + len(chunk) >= limit:
                    server.sendall(chunk[: max(0, limit - sent)])
                    self._break(number, client, server)
                    return
                server.sendall(chunk)
                sent += len(chunk)
                self._sent[number] = sent
        except OSError:
            pass
        self._hang_up(client, server)

    def _downstream(self, number: int, client: socket.socket, server: socket.socket) -> None:
        try:
            while chunk := server.recv(16384):
                if self._sent.get(number, 0) >= self.swallow_answer.get(number, 1 << 62):
                    self._break(number, client, server)
                    return
                client.sendall(chunk)
        except OSError:
            pass
        self._hang_up(client, server)

    def _break(self, number: int, client: socket.socket, server: socket.socket) -> None:
        self.broken.append(number)
        self._hang_up(client, server)

    @staticmethod
    def _hang_up(*sockets: socket.socket) -> None:
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._listener.close()
        self._hang_up(*self._open)
