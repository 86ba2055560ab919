"""What a database error means to whoever asked: wait and try again, free some disk, or a fault.

Only a few errors are worth a retry: another transaction held a lock past the busy
timeout, or the connection to the server was lost. A full disk will not clear by
itself, and a till that retried it would retry for ever, so it is told apart.
Everything else (a missing table after a bad migration, a constraint) is a fault
in the software or the data: retrying cannot help. The API, the pages and the CLI
each answer in their own words, from this one reading.
"""

from __future__ import annotations

import enum
import logging
import threading
import time

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)


class Fault(enum.Enum):
    BUSY = "busy"
    CONNECTION_LOST = "connection lost"
    DISK_FULL = "disk full"


# SQLite's primary result codes (https://sqlite.org/rescode.html).
_SQLITE_FAULTS = {5: Fault.BUSY, 6: Fault.BUSY, 13: Fault.DISK_FULL}  # BUSY, LOCKED, FULL
# PostgreSQL's SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html).
_POSTGRESQL_FAULTS = {
    "55P03": Fault.BUSY,  # lock_not_available: the lock timeout passed
    "40001": Fault.BUSY,  # serialization_failure
    "40P01": Fault.BUSY,  # deadlock_detected
    "53300": Fault.BUSY,  # too_many_connections
    "57P01": Fault.CONNECTION_LOST,  # admin_shutdown
    "57P02": Fault.CONNECTION_LOST,  # crash_shutdown
    "57P03": Fault.CONNECTION_LOST,  # cannot_connect_now (starting up)
    "53100": Fault.DISK_FULL,  # disk_full
}


def fault_of(error: BaseException) -> Fault | None:
    """The retryable or disk fault `error` is, or None for any other error."""
    if isinstance(error, PoolTimeout):  # every pooled connection stayed in use
        return Fault.BUSY
    if not isinstance(error, DBAPIError):
        return None
    if error.connection_invalidated:
        return Fault.CONNECTION_LOST
    driver_error = error.orig
    sqlite_code = getattr(driver_error, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return _SQLITE_FAULTS.get(sqlite_code & 0xFF)
    sqlstate = getattr(driver_error, "sqlstate", None)
    if sqlstate is None:
        # psycopg gives no SQLSTATE when the failure is the connection itself (the
        # server refused it, or closed it mid-statement).
        return Fault.CONNECTION_LOST if isinstance(error, OperationalError) else None
    if sqlstate.startswith("08"):  # connection_exception
        return Fault.CONNECTION_LOST
    return _POSTGRESQL_FAULTS.get(sqlstate)


class OncePerMinute:
    """Tells a recurring problem at most once a minute, with how often it happened since.

    A full disk fails every request until someone frees space: a line per request
    would fill what little space is left with the same words.
    """

    EVERY_S = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._told_at: float | None = None
        self._since = 0

    def tell(self, message: str, *args: object) -> None:
        with self._lock:
            self._since += 1
            now = time.monotonic()
            if self._told_at is not None and now - self._told_at < self.EVERY_S:
                return
            times, self._since, self._told_at = self._since, 0, now
        log.error(message + " (%d time(s) since this was last logged)", *args, times)


disk_full_log = OncePerMinute()
