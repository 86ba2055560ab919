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
import select
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
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
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session
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


@dataclass
class _Write:
    """The write transaction under way in this thread (`write_transaction`)."""

    connection: Connection
    after_commit: list[Callable[[], None]] = field(default_factory=list)


_write: ContextVar[_Write | None] = ContextVar(_WRITE, default=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


M = TypeVar("M", bound=Base)


class _Session(FlaskSession):
    """Flask-SQLAlchemy's session; inside a write transaction it works on that
    transaction's connection (on SQLite the process's writer connection, which it
    joins only if the work uses the ORM at all)."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kw: Any) -> Any:
        if bind is None:
            write = _write.get()
            if write is not None:
                bind = write.connection
        return super().get_bind(mapper, clause, bind, **kw)


# Objects stay readable after commit: views serialise what the service returned
# without a second round trip.
db = SQLAlchemy(model_class=Base, session_options={"class_": _Session, "expire_on_commit": False})


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
    write = _write.get()
    with driver_sql.pipelined(_connection(), hold=last and write is not None):
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
    write = _write.get()
    return write.connection if write is not None else db.session().connection()


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
            # psycopg's own preparing is off: after any rollback it deallocates every
            # prepared statement, the ones `driver_sql` prepares for its batches too.
            dbapi_connection.prepare_threshold = None

        @event.listens_for(engine, "checkout")
        def _on_pg_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            # In place of pool_pre_ping, which cost a round trip per checkout (one of a
            # tap's four): a connection idle in the pool has nothing to read unless the
            # server has ended it (a restart, an idle timeout send their last words and
            # close it). Raising makes the pool replace it. A server gone without a word
            # fails the first statement instead, as it failed the ping.
            if dbapi_connection.closed or dbapi_connection.broken:
                raise DisconnectionError("the pooled connection to PostgreSQL is lost")
            if _has_input(dbapi_connection.pgconn.socket):
                raise DisconnectionError("PostgreSQL ended the pooled connection")

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


def _has_input(fd: int) -> bool:
    """Whether `fd` has something to read now, without waiting."""
    poller = select.poll()  # not select(): it refuses descriptors past 1023
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class DatabaseBusy(Exception):
    """Another writer held the database longer than the busy timeout."""


class _Writer:
    """SQLite's writer in this process: the lock its writers queue on and the one
    connection they write on, kept between transactions.

    SQLite lets one connection write at a time, and the lock already lets one
    thread at a time here, so a write needs no connection of its own: checking
    one out of the pool and giving it back, and a session transaction around it,
    cost a tap more than its statements do (see benchmarks/README.md).
    """

    def __init__(self, engine: Engine) -> None:
        self.lock = threading.Lock()
        self._engine = engine
        self._connection: Connection | None = None

    def connection(self) -> Connection:
        """The writer connection; only for the thread holding `lock`."""
        conn = self._connection
        if conn is None or conn.closed or conn.invalidated:
            conn = self._connection = self._engine.connect().execution_options(**WRITE_OPTIONS)
        return conn

    def drop(self) -> None:
        """Close the connection (after a failed BEGIN, or when the engine is disposed);
        the next write opens another."""
        conn, self._connection = self._connection, None
        if conn is not None:
            conn.invalidate()
            conn.close()


_writers: dict[Engine, _Writer] = {}
_bookkeeping_locks: dict[Engine, threading.Lock] = {}
_registry_guard = threading.Lock()


def _writer(engine: Engine) -> _Writer:
    writer = _writers.get(engine)
    if writer is not None:
        return writer
    with _registry_guard:
        if engine not in _writers:
            _writers[engine] = _Writer(engine)
            event.listen(engine, "engine_disposed", _close_writer)
        return _writers[engine]


def _close_writer(engine: Engine) -> None:
    # The writer (and its lock) stays: the engine goes on with a new pool.
    _writers[engine].drop()


def _bookkeeping_lock(engine: Engine) -> threading.Lock:
    """On PostgreSQL one bookkeeping write at a time takes a second pooled connection,
    so many at once cannot drain the pool."""
    with _registry_guard:
        return _bookkeeping_locks.setdefault(engine, threading.Lock())


@contextmanager
def write_transaction() -> Iterator[scoped_session[FlaskSession]]:
    """Run a unit of work that writes: commit on success, roll back on any error.

    On SQLite, a read-only transaction already open is ended first, so the
    write lock is taken before the work reads anything; the work then runs on the
    process's writer connection (`_Writer`), and the session joins it if the work
    uses the ORM. Writers in this process queue on a plain lock: SQLite's own busy
    handler sleeps in steps of up to 100 ms, which made a tablet wait long after
    the lock was free (see benchmarks/README.md); BEGIN IMMEDIATE still guards
    against other processes such as the CLI. On PostgreSQL the work simply goes on
    in the session's transaction (row locks, not a database lock, order its
    writers): the reads already made (the caller's token, the store) carry on in it.

    Callbacks given to `after_commit` inside run once the work is committed.
    """
    session = _existing_session()
    if session is not None and session.in_transaction() and _has_changes(session):
        raise RuntimeError("unflushed changes outside a write transaction")
    engine = db.engine
    if engine.dialect.name == "sqlite":
        work = _sqlite_write(engine, session)
    else:
        work = _postgresql_write(db.session())
    with work as write:
        yield db.session
    for callback in write.after_commit:
        callback()


@contextmanager
def _sqlite_write(engine: Engine, session: Session | None) -> Iterator[_Write]:
    if session is not None and session.in_transaction():
        session.rollback()
    writer = _writer(engine)
    if not writer.lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
        raise DatabaseBusy("another write held the database too long")
    try:
        conn = writer.connection()
        try:
            transaction = conn.begin()  # BEGIN IMMEDIATE (`tune_engine`)
        except BaseException:
            # A begin listener that raised (another process held the database past the
            # busy timeout) leaves SQLAlchemy's Connection marked mid-begin: start afresh.
            writer.drop()
            raise
        kept = _write.set(write := _Write(conn))
        try:
            yield write
            session = _existing_session()  # the work may have used the ORM
            if session is not None and (session.in_transaction() or _has_changes(session)):
                # Flushes the ORM's work; joined to the writer's transaction, the
                # session leaves its commit to us.
                session.commit()
            transaction.commit()
        except BaseException:
            try:
                session = _existing_session()
                if session is not None and session.in_transaction():
                    session.rollback()  # rolls the writer's transaction back too
                if transaction.is_active:
                    transaction.rollback()
            except Exception:
                # The work's own error is the one to raise; a connection that could
                # not roll back is not written on again.
                log.exception("a write could not roll back; its connection is closed")
                writer.drop()
            raise
        finally:
            _write.reset(kept)
    finally:
        writer.lock.release()


@contextmanager
def _postgresql_write(session: Session) -> Iterator[_Write]:
    held = None
    kept = None
    try:
        held = session.connection()
        kept = _write.set(write := _Write(held))
        yield write
        driver_sql.commit(held)
        session.commit()
    except BaseException:
        if held is not None:
            driver_sql.discard(held)
        session.rollback()
        raise
    finally:
        if kept is not None:
            _write.reset(kept)


def _existing_session() -> Session | None:
    """This context's session if something made one: a tap on SQLite need not."""
    return db.session() if db.session.registry.has() else None


def _has_changes(session: Session) -> bool:
    return bool(session.new or session.dirty or session.deleted)


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the write transaction under way has committed (never if it
    rolls back): to wake a worker only for work it can already see."""
    write = _write.get()
    if write is None:
        raise RuntimeError("after_commit outside a write transaction")
    write.after_commit.append(callback)


def write_soon(statement: Executable, params: dict[str, Any]) -> None:
    """A small bookkeeping write (a token's last use) that a read must never wait for.

    Inside a write transaction it joins it and commits with it. From a read it
    runs in a short transaction of its own, and is skipped when another writer
    holds the database (SQLite) or another bookkeeping write is under way in
    this process: the next request writes it instead.
    """
    if _write.get() is not None:
        execute_core(statement, params)
        return
    engine = db.engine
    sqlite = engine.dialect.name == "sqlite"
    queue = _writer(engine).lock if sqlite else _bookkeeping_lock(engine)
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
