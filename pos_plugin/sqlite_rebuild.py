"""SQLite's procedure for migrations that rebuild tables, as its documentation gives it.

SQLite cannot alter most of a table in place, so Alembic's batch mode copies it to
a new table, drops the old one and renames the copy. With foreign keys on, dropping
a table that other rows point at (comps point at catalog items) fails, or would
cascade. SQLite's own answer (https://www.sqlite.org/lang_altertable.html, "Making
Other Kinds Of Table Schema Changes", which Alembic's batch documentation points
to): turn foreign keys off before the transaction, run the migrations, run `PRAGMA
foreign_key_check` before committing, and turn foreign keys back on afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

log = logging.getLogger(__name__)

# Rows named in the message when the check fails; the rest are counted.
NAMED_ROWS = 3


class UpgradeRefused(Exception):
    """The migrations could not be run, or committed, by SQLite's procedure."""


class BrokenForeignKeys(UpgradeRefused):
    """After the migrations some rows point at rows that are not there."""


@contextmanager
def foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Foreign keys off on `connection` for what runs inside, which must begin and end
    its transaction inside; on again after. A connection that cannot be shown to have
    them on again is discarded, not returned to the pool: the app relies on them."""
    # `PRAGMA foreign_keys` is a no-op inside a transaction, and any statement sent
    # through SQLAlchemy would begin one (the engine emits its own BEGIN): set it on
    # the driver's connection, and read it back.
    if connection.in_transaction() or not _set_foreign_keys(connection, on=False):
        raise UpgradeRefused("foreign keys could not be turned off: a transaction is open")
    try:
        yield
    finally:
        try:
            restored = not connection.in_transaction() and _set_foreign_keys(connection, on=True)
        except Exception:
            log.exception("foreign keys could not be turned back on")
            restored = False
        if not restored:
            connection.invalidate()


def _set_foreign_keys(connection: Connection, *, on: bool) -> bool:
    """Set `PRAGMA foreign_keys` outside any transaction; whether it took effect."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")
        cursor.execute("PRAGMA foreign_keys")
        row = cursor.fetchone()
    finally:
        cursor.close()
    return row is not None and bool(row[0]) is on


def check_foreign_keys(connection: Connection) -> None:
    """Raise `BrokenForeignKeys` if any row points at a row that is not there.

    Run inside the migration transaction, before it commits, so a failure rolls
    every migration back.
    """
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if not broken:
        return
    named = []
    for table, rowid, parent, fkid in broken[:NAMED_ROWS]:
        column = connection.execute(
            text('SELECT "from" FROM pragma_foreign_key_list(:table) WHERE id = :fkid'),
            {"table": table, "fkid": fkid},
        ).scalar()
        named.append(f"{table} row {rowid} ({column} -> {parent})")
    more = len(broken) - len(named)
    rows = "1 row points" if len(broken) == 1 else f"{len(broken)} rows point"
    raise BrokenForeignKeys(
        f"{rows} at a row that is not there: {', '.join(named)}"
        + (f" and {more} more" if more else "")
    )
