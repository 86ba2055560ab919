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

Waitress also warns "Task queue depth is N" for every request that finds no
idle task thread; `QueueDepthLog` says it once a minute instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
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


class QueueDepthLog:
    """Waitress's "Task queue depth" warning, at most once a minute.

    Waitress warns for every request that finds no idle task thread, and does it
    on its main loop while holding the lock its task threads take their next
    request under. Under load that is a line per request: 3,000 lines for 3,000
    taps from 32 clients, a log no one can read, and 1-6% of the server's CPU
    per tap (benchmarks/README.md). The first wait is told at once; after it, one
    line a minute sums up the waits since the last line.
    """

    EVERY_S = 60.0

    def __init__(self, logger: logging.Logger, clock: Callable[[], float] = time.monotonic) -> None:
        self._logger = logger
        self._clock = clock
        self._told_at: float | None = None
        self._waits = 0
        self._deepest = 0

    def warning(self, message: str, depth: int) -> None:
        """Called as waitress calls its logger, under its dispatcher's lock."""
        self._waits += 1
        self._deepest = max(self._deepest, depth)
        now = self._clock()
        if self._told_at is not None and now - self._told_at < self.EVERY_S:
            return
        if self._told_at is None:
            self._logger.warning(
                "Task queue depth is %d: requests are waiting for a free thread "
                "(further waits are summed up at most once a minute)",
                depth,
            )
        else:
            self._logger.warning(
                "%d requests waited for a free thread in the last %.0f s; the deepest queue was %d",
                self._waits,
                now - self._told_at,
                self._deepest,
            )
        self._told_at = now
        self._waits = 0
        self._deepest = 0


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
    server.task_dispatcher.queue_logger = QueueDepthLog(logging.getLogger("waitress.queue"))
    return server
