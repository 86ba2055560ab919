"""The lockout rule against guessing, shared by the store's sign-in and head office's.

Too many wrong tries in a short time lock for a while after the last of them. The
callers count their own tries (their tables differ), under a lock on what they count,
and ask this module whether those tries lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, scoped_session

FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
# Wrong tries older than this can no longer hold a lock in force.
LOOK_BACK = LOCKOUT + FAILURE_WINDOW


def lock_end(failures: Sequence[datetime], limit: int, now: datetime) -> datetime | None:
    """When the lock ends, if the newest `limit` wrong tries (newest first) lock now.

    `limit` failures within FAILURE_WINDOW lock for LOCKOUT after the last of them.
    """
    if len(failures) < limit or failures[0] - failures[limit - 1] > FAILURE_WINDOW:
        return None
    until = failures[0] + LOCKOUT
    return until if until > now else None


def serialise_on(session: Session | scoped_session[Any], key: str) -> None:
    """Tries counted under `key` run one at a time, until the transaction ends.

    PostgreSQL: a transaction-level advisory lock (there may be no row to lock, as for
    an address). SQLite's write transactions (BEGIN IMMEDIATE) already run one at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))
