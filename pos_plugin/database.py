"""The database handle, its engine set-up, shared column types and the one transaction helper.

SQLite is tuned for a till: WAL, `synchronous=FULL` (an acknowledged comp survives
a power cut) and a busy timeout. Its transactions are begun by SQLAlchemy, as
SQLAlchemy's pysqlite documentation shows ("Serializable isolation / Savepoints /
Transactional DDL"), so that a transaction that writes can begin `IMMEDIATE`:
the write lock is held before anything is read, and two tablets can never both
pass an allowance check. PostgreSQL gets the same guarantee from the row locks
the services take (`SELECT ... FOR UPDATE`), under a lock timeout.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Engine, Enum, Executable, MetaData, String, Text, event
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from pos_plugin.text import clean_text

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# How long a transaction waits for another's lock (SQLite's whole database, a PostgreSQL
# row) before it gives up and the request answers "busy, try again".
BUSY_TIMEOUT_MS = 10_000
# How long a bookkeeping write from a read (`write_aside`) waits for SQLite's lock.
ASIDE_WAIT_MS = 50
# An execution option: the transaction this connection begins will write (SQLite: IMMEDIATE).
IMMEDIATE = "pos_plugin_immediate"
_WRITING = "pos_plugin_writing"  # in `Session.info`: callbacks to run after the commit


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Objects stay readable after commit: views serialise what the service returned
# without a second round trip.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


def engine_options(url: str) -> dict[str, Any]:
    """Flask-SQLAlchemy's SQLALCHEMY_ENGINE_OPTIONS for the store's database."""
    if url.startswith("sqlite"):
        return {}
    # A pooled connection the server ended (a restart, an idle timeout) is replaced
    # before use rather than failing a tap.
    return {"pool_pre_ping": True}


def configure_sqlite(engine: Engine, *pragmas: str) -> None:
    """SQLAlchemy's pysqlite recipe: the driver never begins on its own; SQLAlchemy
    emits BEGIN, or BEGIN IMMEDIATE for a connection with the `IMMEDIATE` option.
    Each new connection runs `pragmas` (plus foreign keys on and the busy timeout)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (f"busy_timeout = {BUSY_TIMEOUT_MS}", "foreign_keys = ON", *pragmas):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def configure_postgresql(engine: Engine) -> None:
    """A write waits at most `BUSY_TIMEOUT_MS` for a row another transaction locked."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # As SQLAlchemy's docs set a session variable on connect: outside a transaction.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {BUSY_TIMEOUT_MS}")
        dbapi_connection.autocommit = autocommit


def tune_engine(engine: Engine) -> None:
    """The store's settings for every new connection of its database."""
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine, "journal_mode = WAL", "synchronous = FULL")
    elif engine.dialect.name == "postgresql":
        configure_postgresql(engine)


@contextmanager
def write_transaction() -> Iterator[Session]:
    """Run a unit of work that writes: commit on success, roll back on any error.

    A read transaction the request already holds is ended first, so on SQLite the
    write lock (BEGIN IMMEDIATE) is taken before the work reads anything. Callbacks
    given to `after_commit` inside run once the work is committed.
    """
    session = db.session()
    if _WRITING in session.info:
        raise RuntimeError("write transactions do not nest")
    _end_read(session)
    session.connection(execution_options={IMMEDIATE: True})
    callbacks: list[Callable[[], None]] = []
    session.info[_WRITING] = callbacks
    try:
        yield session
        session.commit()
    except BaseException:
        try:
            session.rollback()
        except Exception:
            # The work's own error is the one to raise; the session starts afresh.
            log.exception("a write could not roll back; its connection is discarded")
            session.close()
        raise
    finally:
        del session.info[_WRITING]
    for callback in callbacks:
        callback()


def in_write_transaction() -> bool:
    return _WRITING in db.session.info


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the write transaction under way has committed (never if it
    rolls back): to wake a worker only for work it can already see."""
    if not in_write_transaction():
        raise RuntimeError("after_commit outside a write transaction")
    db.session.info[_WRITING].append(callback)


def _end_read(session: Session) -> None:
    """End the read transaction the request holds, if any, keeping what it loaded (a
    commit, where a rollback would expire every object), and give back its connection."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("unflushed changes outside a write transaction")
    if session.in_transaction():
        session.commit()


def write_aside(statement: Executable) -> bool:
    """A small bookkeeping write (a token's last use) from a request that only reads.

    Inside a write transaction it joins it. Otherwise the request's read
    transaction ends first, so a request never holds two pooled connections (16
    requests at once would wait on a pool of 15 for ever), and the write commits
    in a short transaction of its own. It is skipped, returning False, when the
    database is busy: the next request writes it instead. A read must not wait
    the busy timeout for it.
    """
    if in_write_transaction():
        db.session.execute(statement)
        return True
    _end_read(db.session())
    with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        # On the driver's own connection: through SQLAlchemy it would begin a transaction.
        driver = conn.connection.driver_connection if sqlite else None
        if driver is not None:
            driver.execute(f"PRAGMA busy_timeout = {ASIDE_WAIT_MS}")
        try:
            with conn.execution_options(**{IMMEDIATE: True}).begin():
                conn.execute(statement)
        except OperationalError:
            return False
        finally:
            if driver is not None:
                driver.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return True


def string_enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """An enum stored as its values in a VARCHAR, so adding a member needs no ALTER TYPE."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        length=16,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone, so store naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class HumanText(TypeDecorator[str]):
    """A column for text a person typed: it refuses to store what `clean_text` would change.

    The doors clean text as it comes in (`pos_plugin.text`); this is the last
    guard, so a door that forgot fails loudly instead of storing a NUL, a
    control character or a surrogate that would break PostgreSQL, a receipt
    printer or a CSV file later.
    """

    impl = String
    cache_ok = True

    def __init__(self, length: int | None = None, *, multiline: bool = False) -> None:
        super().__init__(length)
        self.multiline = multiline

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is not None and clean_text(value, multiline=self.multiline) != value:
            raise ValueError(f"unclean text reached the database: {value!a}")
        return value


class HumanLongText(HumanText):
    """`HumanText` with no length limit in the database (TEXT)."""

    impl = Text
    cache_ok = True  # SQLAlchemy asks each TypeDecorator subclass for its own
