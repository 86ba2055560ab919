"""The production WSGI server: waitress, with its main loop kept from spinning.

Waitress reads requests and sends answers on one main thread and runs the app
on task threads. A task thread sends its own answer while it holds the
connection's output lock. Waitress's main loop counts that connection as
writable as long as unsent bytes are queued, so when it wakes during such a
send (with many clients it wakes all the time) its `select` returns at once,
it finds the lock taken, and goes round again: a busy loop. The loop gives up
Python's GIL at every `select` and takes it straight back, so the task thread
that must finish the send waits for the GIL again and again. Measured with 32
keep-alive clients: 1.2 to 1.8 million `select` calls for 3,000 taps, most of
a core burnt in the main loop, and taps/s a quarter to a half of the 8-client
figure (benchmarks/README.md).

`SteadyChannel` leaves such a connection out of the loop's writable set while
a task thread holds its output lock, and wakes the loop once the task thread
lets go with bytes still unsent, so nothing waits for another event to go out.
"""

from __future__ import annotations

from typing import Any

import waitress
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer


class SteadyChannel(HTTPChannel):
    """A waitress connection its main loop never spins on (see the module's docstring)."""

    def writable(self) -> bool:
        # Waitress's own test, in the order that answers soonest: the loop asks every
        # connection at every turn.
        if self.will_close or self.close_when_flushed:
            return True
        if not self.total_outbufs_len:
            return False
        if not self.requests:
            return True
        # A task thread is answering: while it holds the lock it is sending itself,
        # and `write_soon` wakes the loop for what it leaves.
        if not self.outbuf_lock.acquire(blocking=False):
            return False
        self.outbuf_lock.release()
        return True

    def write_soon(self, data: Any) -> int:
        written = int(super().write_soon(data))
        if self.total_outbufs_len:
            # Bytes the socket would not take yet: the loop sends them, now that the
            # lock is free (waitress woke it while the lock was still held).
            self.server.pull_trigger()
        return written


def create_server(app: Any, *, host: str, port: int, threads: int) -> Any:
    """A waitress server for `app` whose connections are `SteadyChannel`s; `run()` serves.

    Raises OSError when it cannot listen (the port is taken).
    """
    sockets: dict[int, Any] = {}
    server = waitress.create_server(
        app, map=sockets, host=host, port=port, threads=threads, ident="pos-plugin"
    )
    # One listening server per address the host resolves to (IPv4, IPv6).
    for listener in sockets.values():
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = SteadyChannel
    return server
