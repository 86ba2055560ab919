"""The database handle, engine tuning and the one transaction helper every door uses.

SQLite is tuned for a till: WAL, `synchronous=FULL` (an acknowledged comp survives
a power cut) and a busy timeout. Write transactions on SQLite start with
`BEGIN IMMEDIATE`, so the write lock is held before anything is read and two
tablets can never both pass an allowance check; PostgreSQL gets the same
guarantee from row locks taken in the services.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    DateTime,
    Engine,
    Enum,
    Executable,
    MetaData,
    String,
    Table,
    Text,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from pos_plugin import driver_sql
from pos_plugin.text import clean_text

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 10_000
# How long a bookkeeping write (`write_soon`) waits for another process's lock before it skips.
BOOKKEEPING_WAIT_MS = 50
_WRITE = "pos_plugin_write"
# Execution options for a connection that will write: on SQLite its BEGIN is IMMEDIATE.
WRITE_OPTIONS = {_WRITE: True}
# The connection of the write transaction under way in this thread (`write_transaction`).
_write_connection: ContextVar[Connection | None] = ContextVar(_WRITE, default=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


M = TypeVar("M", bound=Base)


# Objects stay readable after commit: views serialise what the service returned
# without a second round trip.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


def table_of(model: type[DeclarativeBase]) -> Table:
    """The Core table behind a model, for hot-path statements that skip the ORM's bookkeeping."""
    return cast(Table, model.__table__)


def execute_core(statement: Executable, params: dict[str, Any]) -> None:
    """Run a prebuilt Core write on the session's connection, inside its transaction.

    The session's own `execute` would first look for ORM work in the statement,
    and the connection's would build a context per call; the tap's writes need
    neither, and each skipped step is time under the lock (see `driver_sql`).
    """
    driver_sql.execute(_connection(), statement, params)


@contextmanager
def pipelined(*, last: bool = False) -> Iterator[None]:
    """Statements made inside go to the server together (PostgreSQL): one wait, not one
    each. Reads sent inside (`send_read`) are taken after the block.

    `last` says the writes inside end the write transaction's work: they then go
    to the server with its COMMIT, one wait for both, and the rows they lock are
    released a round trip sooner. Their errors surface at the commit, which rolls
    back as for any other error. Anything run before the commit sends them first.
    """
    held = _write_connection.get()
    with driver_sql.pipelined(_connection(), hold=last and held is not None):
        yield


def send_read(statement: Executable, params: dict[str, Any]) -> driver_sql.Pending:
    """Send a prebuilt Core read now and take its first row later (`.first()`).

    Inside `pipelined()` on PostgreSQL, reads sent one after another reach the
    server together and share one round trip; the server still runs them in order.
    """
    return driver_sql.send(_connection(), statement, params)


def first_row(statement: Executable, params: dict[str, Any]) -> Any:
    """The first row of a prebuilt Core read, on the session's connection (no ORM entities);
    its columns are attributes, as on a SQLAlchemy row."""
    return send_read(statement, params).first()


def detached(model: type[M], row: Any) -> M | None:
    """A row holding all of `model`'s columns, as a transient `model`.

    For a hot path that only reads the entity: loading it through the session costs
    several times more (identity map, loader, events). The copy is never added to
    the session, so nothing written to it reaches the database.
    """
    return None if row is None else transient(model, row._asdict())


def transient(model: type[M], values: Mapping[str, Any]) -> M:
    """A `model` holding `values`, never added to a session, built as the ORM's loader
    builds one: straight into its state. The constructor's attribute events (history,
    backrefs), which only matter to an object the session will flush, cost more
    than the rest of building it."""
    instance = cast(M, inspect(model).class_manager.new_instance())
    instance.__dict__.update(values)
    return instance


def _connection() -> Connection:
    """The session's connection: the write transaction's own, or the one a read begins."""
    held = _write_connection.get()
    return held if held is not None else db.session().connection()


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


def tune_engine(engine: Engine) -> None:
    """Apply the till settings to every new SQLite connection. On PostgreSQL, send a
    transaction's BEGIN with its first statement, and send what `driver_sql` queued
    (that BEGIN, writes held for the COMMIT) before any statement SQLAlchemy runs."""
    if engine.dialect.name != "sqlite":

        @event.listens_for(engine, "connect")
        def _on_pg_connect(dbapi_connection: Any, _record: Any) -> None:
            # Transactions begin on the "begin" event below, as on SQLite, so that
            # their BEGIN can travel with their first statement.
            dbapi_connection.autocommit = True

        @event.listens_for(engine, "begin")
        def _on_pg_begin(conn: Connection) -> None:
            driver_sql.begin_later(conn)

        @event.listens_for(engine, "commit")
        @event.listens_for(engine, "rollback")
        def _on_pg_end(conn: Connection) -> None:
            driver_sql.ended(conn)

        @event.listens_for(engine, "before_cursor_execute")
        def _send_queued_first(
            conn: Connection, _cursor: Any, _sql: Any, _params: Any, _context: Any, _many: bool
        ) -> None:
            driver_sql.settle(conn)

        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, emit BEGIN, so we can choose IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_WRITE)
        # On the driver: every request begins one; errors still arrive as SQLAlchemy's.
        driver_sql.execute(conn, _BEGIN_IMMEDIATE if immediate else _BEGIN, {})


_BEGIN = text("BEGIN")
_BEGIN_IMMEDIATE = text("BEGIN IMMEDIATE")


class DatabaseBusy(Exception):
    """Another writer held the database longer than the busy timeout."""


_process_locks: dict[tuple[Engine, str], threading.Lock] = {}
_process_locks_guard = threading.Lock()


def _process_lock(engine: Engine, purpose: str) -> threading.Lock:
    """One lock per engine and purpose in this process: "writer" queues SQLite's
    writers; "bookkeeping" lets one bookkeeping write at a time take a second pooled
    connection on PostgreSQL, so many at once cannot drain the pool."""
    with _process_locks_guard:
        return _process_locks.setdefault((engine, purpose), threading.Lock())


@contextmanager
def write_transaction() -> Iterator[Session]:
    """Run a unit of work that writes: commit on success, roll back on any error.

    On SQLite, a read-only transaction already open is ended first, so the
    write lock is taken before the work reads anything; on PostgreSQL it simply
    goes on (row locks, not a database lock, order its writers). On SQLite, writers in
    this process also queue on a plain lock: SQLite's own busy handler sleeps
    in steps of up to 100 ms, which made a tablet wait long after the lock was
    free (see benchmarks/README.md); BEGIN IMMEDIATE still guards against
    other processes such as the CLI.
    """
    session = db.session()
    engine = db.engine
    sqlite = engine.dialect.name == "sqlite"
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("unflushed changes outside a write transaction")
        if sqlite:
            session.rollback()
        # PostgreSQL has no database write lock to take first: the reads already made
        # (the caller's token, the store) carry on in the same transaction.
    queue = _process_lock(engine, "writer") if sqlite else None
    if queue is not None and not queue.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
        raise DatabaseBusy("another write held the database too long")
    held = None
    try:
        held = session.connection(execution_options={_WRITE: True} if sqlite else None)
        # Kept for the transaction: its statements then skip finding the session.
        kept = _write_connection.set(held)
        try:
            yield session
        finally:
            _write_connection.reset(kept)
        driver_sql.commit(held)
        session.commit()
    except BaseException:
        if held is not None:
            driver_sql.discard(held)
        session.rollback()
        raise
    finally:
        if queue is not None:
            queue.release()


def write_soon(statement: Executable, params: dict[str, Any]) -> None:
    """A small bookkeeping write (a token's last use) that a read must never wait for.

    Inside a write transaction it joins it and commits with it. From a read it
    runs in a short transaction of its own, and is skipped when another writer
    holds the database (SQLite) or another bookkeeping write is under way in
    this process: the next request writes it instead.
    """
    if _write_connection.get() is not None:
        execute_core(statement, params)
        return
    engine = db.engine
    sqlite = engine.dialect.name == "sqlite"
    queue = _process_lock(engine, "writer" if sqlite else "bookkeeping")
    if not queue.acquire(blocking=False):
        return
    try:
        with engine.connect().execution_options(**WRITE_OPTIONS) as conn:
            # Another process (the CLI, a sync run) may hold the file: do not wait for it.
            # Set on the driver's connection: through SQLAlchemy it would begin a transaction.
            raw = conn.connection.driver_connection if sqlite else None
            if raw is not None:
                raw.execute(f"PRAGMA busy_timeout = {BOOKKEEPING_WAIT_MS}")
            try:
                with conn.begin():
                    conn.execute(statement, params)
            finally:
                if raw is not None:
                    raw.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    except OperationalError:
        log.info("skipped a bookkeeping write: the database is busy")
    finally:
        queue.release()
