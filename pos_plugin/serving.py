"""The WSGI server `pos-plugin serve` runs: waitress as it comes, through its public API.

`make bench` measured it beside cheroot (benchmarks/README.md): its p99 under a
rush was a little lower in every side-by-side run, and it buffers a slow
client's answer instead of holding a thread until the client has read it.

Waitress warns "Task queue depth is N" for every request that finds no idle
thread, a line per tap under load; `QueueDigest`, a logging filter, lets one
line a minute through and sums up the waits since.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import waitress

IDENT = "pos-plugin"


@dataclass(frozen=True)
class Listening:
    """A server already listening on `port`: `run()` serves until `stop()` (or Ctrl+C)."""

    port: int
    run: Callable[[], None]
    stop: Callable[[], None]


def create_server(app: Any, *, host: str, port: int, threads: int) -> Listening:
    """`app` behind waitress, listening on (host, port) when this returns.

    Raises OSError when it cannot listen (the port is taken).
    """
    # One digest per server, so each server's first wait is told.
    queue_log, digest = logging.getLogger("waitress.queue"), QueueDigest()
    queue_log.addFilter(digest)
    try:
        # poll(), not select(): a socket that stop() closes from another thread while the
        # loop waits is then skipped, where select() would raise EBADF in the loop.
        server = waitress.create_server(
            app, host=host, port=port, threads=threads, ident=IDENT, asyncore_use_poll=True
        )
    except BaseException:
        queue_log.removeFilter(digest)
        raise

    def stop() -> None:
        server.close()
        queue_log.removeFilter(digest)

    # Its run() ends quietly on Ctrl+C by itself.
    return Listening(int(server.effective_port), server.run, stop)


class QueueDigest(logging.Filter):
    """Waitress's "Task queue depth is N" warning, at most one line a minute.

    The first wait is told at once; after it, at most one line a minute sums up how
    many requests waited since the last line and the deepest the queue was. Waitress
    passes the depth as the record's only argument.
    """

    EVERY_S = 60.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock
        self._lock = threading.Lock()  # waitress logs from its loop and its task threads
        self._told_at: float | None = None
        self._waits = 0
        self._deepest = 0

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        depth = args[0] if args and isinstance(args[0], int) else 0
        with self._lock:
            self._waits += 1
            self._deepest = max(self._deepest, depth)
            now = self._clock()
            if self._told_at is not None and now - self._told_at < self.EVERY_S:
                return False
            if self._told_at is None:
                record.msg = (
                    "Task queue depth is %d: requests are waiting for a free thread "
                    "(further waits are summed up at most once a minute)"
                )
                record.args = (depth,)
            else:
                record.msg = (
                    "%d requests waited for a free thread in the last %.0f s; "
                    "the deepest queue was %d"
                )
                record.args = (self._waits, now - self._told_at, self._deepest)
            self._told_at = now
            self._waits = 0
            self._deepest = 0
        return True
