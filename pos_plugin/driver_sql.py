"""Prebuilt Core statements run straight on the driver connection of the session.

A tap runs a handful of small statements while it holds its shift's lock. Each
one executed through SQLAlchemy builds an execution context, looks up the
compiled cache, wraps a cursor and a result: about as much Python as the rest
of the tap. Here a statement is compiled once per dialect and set of
parameter names, with its type processors (UUIDs, enums, JSON, UTC times)
resolved once, and then runs as one driver call inside the session's
transaction. SQLAlchemy still writes the SQL and converts the values, so the
rows are exactly those the ORM would write and read.

Only statements that need nothing computed at execution time qualify (no
Python-side column defaults to fill, no expanding IN lists); others run
through SQLAlchemy as before.

On PostgreSQL, statements can also go to the server together (`pipelined`),
as one query string that runs each as its prepared twin (`_send`).
"""

from __future__ import annotations

import itertools
import logging
import re
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Executable
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql.compiler import SQLCompiler

log = logging.getLogger(__name__)

Processor = Callable[[Any], Any] | None
# A result column whose value needs converting: its position and its type's processor.
Convert = tuple[int, Callable[[Any], Any]]


@dataclass(frozen=True)
class _Plan:
    sql: str
    # Parameter names in the order the driver wants them (qmark), or None for named styles.
    order: tuple[str, ...] | None
    # Each parameter: its name, its type's processor, and its value when the statement fixes it.
    binds: tuple[tuple[str, Processor, Any], ...]
    row: type | None
    converts: tuple[Convert, ...]
    # A write whose rows no caller asks back: one `pipelined(hold=True)` may gather.
    gathers: bool
    # For a batch (psycopg only, whose parameters are named): the statement with its
    # values to be quoted in, and their names in turn; and its prepared twin on the
    # server: its name, how it is prepared, what runs it and the names it takes.
    batch_sql: str
    batch_names: tuple[str, ...]
    name: str
    prepare_sql: str
    execute_sql: str
    execute_names: tuple[str, ...]


_GIVEN = object()  # marks a parameter the caller passes
# Prepared statements' names: each plan its own, even when two threads compile at once.
_names = itertools.count()
_plans: dict[tuple[int, str, tuple[str, ...]], _Plan | None] = {}
# Statements are module-level constants, kept alive here so their ids stay theirs.
_keep: dict[int, Executable] = {}


@dataclass
class _Batch:
    """Statements `pipelined` gathered on one driver connection, not sent yet."""

    hold: bool  # writes only, sent with the COMMIT (`pipelined(hold=True)`)
    statements: list[tuple[_Plan, dict[str, Any], Pending]] = field(default_factory=list)
    gathering: bool = True  # the block is still open


# The batch being gathered, by id of its driver connection.
_batches: dict[int, _Batch] = {}
# A batch's SQL, by whether it begins and commits, the ids of its plans and which run prepared.
_joined: dict[tuple[bool, bool, tuple[int, ...], tuple[bool, ...]], str] = {}
_BIND = re.compile(r"%\(([^)]+)\)s")
# Driver connections whose BEGIN waits for their first statement (`begin_later`).
_unbegun: set[int] = set()
_BEGIN = "BEGIN"
# The names of the statements prepared on a connection, in its `info`.
_PREPARED = "pos_plugin_prepared"
# Plans PostgreSQL would not prepare, by id (see `_prepare`).
_unpreparable: set[int] = set()
_TRYING = "pos_plugin_prepare"
# psycopg's TransactionStatus values, without importing psycopg where it is not used.
_IDLE, _IN_TRANSACTION = 0, 2
_ALREADY_PREPARED = "42P05"


def execute(conn: Connection, statement: Executable, params: dict[str, Any]) -> None:
    """Run `statement` with `params` on `conn` (inside `pipelined`, when the block sends)."""
    send(conn, statement, params)


def _run(conn: Connection, plan: _Plan, params: dict[str, Any]) -> Pending:
    try:
        values = {}
        for name, process, fixed in plan.binds:
            value = params[name] if fixed is _GIVEN else fixed
            values[name] = value if process is None else process(value)
    except Exception as exc:
        # As SQLAlchemy reports a value its types refuse (a naive time, unclean text).
        raise StatementError(str(exc), plan.sql, params, exc) from exc
    driver = conn.connection.driver_connection
    assert driver is not None
    if _batches:
        batch = _batches.get(id(driver))
        if batch is not None and batch.gathering and (plan.gathers or not batch.hold):
            pending = Pending(None, plan)
            batch.statements.append((plan, values, pending))
            return pending
        _flush(conn)
    if _unbegun and _owes_begin(driver):  # SQLite never owes one
        pending = Pending(None, plan)
        _send(conn, [(plan, values, pending)], begin=True, commit=False)
        return pending
    arguments = values if plan.order is None else tuple(map(values.__getitem__, plan.order))
    try:
        return Pending(driver.execute(plan.sql, arguments), plan)
    except conn.dialect.loaded_dbapi.Error as exc:
        # The same exception SQLAlchemy raises, so callers and error handlers see no
        # difference. (A dropped PostgreSQL connection is not invalidated here; the
        # pool replaces it at its next checkout, which finds it broken: `tune_engine`.)
        raise _sqlalchemy_error(conn, exc, plan.sql, arguments) from exc


@contextmanager
def pipelined(conn: Connection, *, hold: bool = False) -> Iterator[None]:
    """Send the statements made inside together and wait for the server once, where
    that pays (PostgreSQL); elsewhere simply run them.

    On PostgreSQL they leave when the block ends, as one query string that runs
    each as its prepared twin with its values quoted in (`_send`): psycopg's
    Python for a batch is then about that of one statement, where its pipeline
    mode costs as much per statement as waiting for each. The server
    still runs them in order and stops at the first error, which surfaces when
    the block ends, as SQLAlchemy's exception and inside the transaction, which
    the caller rolls back as before. A read's row is taken after the block (`send`).

    With `hold`, only writes are gathered, and they are not sent when the block
    ends: they go to the server with the COMMIT (`commit`), one wait for both, or
    before whatever else runs on the connection first (`settle`). Their errors
    surface there. A read, or a write whose rows its caller asks back, sends what
    was held first and runs as usual.
    """
    driver = conn.connection.driver_connection
    if conn.dialect.driver != "psycopg":
        yield
        return
    _flush(conn)
    batch = _batches[id(driver)] = _Batch(hold)
    try:
        yield
    except BaseException:
        _batches.pop(id(driver), None)
        raise
    if hold:
        batch.gathering = False
    else:
        _flush(conn)


def begin_later(conn: Connection) -> None:
    """SQLAlchemy began a transaction on `conn`, whose driver is in autocommit mode
    (PostgreSQL): send its BEGIN with the first statement, not in a round trip of its
    own (psycopg, left to begin by itself, waits for the BEGIN's answer first)."""
    _unbegun.add(id(conn.connection.driver_connection))


def ended(conn: Connection) -> None:
    """The transaction on `conn` ends (commit or rollback): a BEGIN not sent yet never will be."""
    _unbegun.discard(id(conn.connection.driver_connection))


def settle(conn: Connection) -> None:
    """Send what is queued for `conn` and wait for it: the BEGIN of `begin_later`, and
    the statements `pipelined` gathered. Any other use of the driver connection
    comes after this."""
    _flush(conn)
    driver = conn.connection.driver_connection
    if _owes_begin(driver):
        try:
            driver.execute(_BEGIN)  # type: ignore[union-attr]
        except conn.dialect.loaded_dbapi.Error as exc:
            raise _sqlalchemy_error(conn, exc, _BEGIN) from exc


def _flush(conn: Connection, *, commit: bool = False) -> None:
    """Send the statements `pipelined` gathered on `conn`, if any, with a BEGIN still
    owed and, if asked, the COMMIT."""
    if _batches:
        driver = conn.connection.driver_connection
        batch = _batches.pop(id(driver), None)
        if batch is not None and batch.statements:
            _send(conn, batch.statements, begin=_owes_begin(driver), commit=commit)


def commit(conn: Connection) -> None:
    """Send the writes `pipelined(hold=True)` held, and COMMIT, and wait once for both.

    A failed write makes the server skip the COMMIT, and the error is raised here
    for the caller to roll back. Without held writes this does nothing: the caller
    commits as usual (after this, that finds no transaction open and sends nothing).
    """
    _flush(conn, commit=True)


def discard(conn: Connection) -> None:
    """Forget gathered statements before a rollback: none of them has reached the server."""
    _batches.pop(id(conn.connection.driver_connection), None)


def _send(
    conn: Connection,
    statements: list[tuple[_Plan, dict[str, Any], Pending]],
    *,
    begin: bool,
    commit: bool,
) -> None:
    """Send `statements` as one query string, between BEGIN and COMMIT as asked, and
    give each read its row.

    Each statement runs as `EXECUTE` of its prepared twin with its values quoted
    in, so the server parses a line and plans nothing, as for psycopg's own
    prepared statements; a statement is prepared on a connection the first time
    one of its batches goes out on it (`_prepare`).
    """
    from psycopg import ClientCursor  # loaded already: only psycopg's connections batch

    cursor = ClientCursor(cast(Any, conn.connection.driver_connection))
    plans = [plan for plan, _, _ in statements]
    prepared = _prepare(conn, cursor, plans)
    key = (begin, commit, tuple(id(plan) for plan in plans), prepared)
    sql = _joined.get(key)
    if sql is None:
        parts = [
            plan.execute_sql if ready else plan.batch_sql
            for plan, ready in zip(plans, prepared, strict=True)
        ]
        sql = _joined[key] = "; ".join(
            ([_BEGIN] if begin else []) + parts + (["COMMIT"] if commit else [])
        )
    arguments = [
        values[name]
        for (plan, values, _), ready in zip(statements, prepared, strict=True)
        for name in (plan.execute_names if ready else plan.batch_names)
    ]
    try:
        cursor.execute(sql, arguments)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _sqlalchemy_error(conn, exc, sql, arguments) from exc
    if begin:
        cursor.nextset()
    for plan, _, pending in statements:
        if plan.row is not None:
            pending.arrived(cursor.fetchone())
        cursor.nextset()


def _prepare(conn: Connection, cursor: Any, plans: list[_Plan]) -> tuple[bool, ...]:
    """Which of `plans` run as their prepared twin; those not yet prepared on the
    connection are prepared first (once in its life: SQLAlchemy clears the
    connection's `info` when it opens a new one).

    A statement PostgreSQL will not prepare (a parameter whose type it cannot
    infer) runs with its values quoted in instead, and the transaction goes on:
    inside one, the attempt is wrapped in a savepoint.
    """
    done: set[str] = conn.connection.info.setdefault(_PREPARED, set())
    status = cursor.connection.info.transaction_status
    if status not in (_IDLE, _IN_TRANSACTION):  # a failed transaction: the batch fails anyway
        return tuple(plan.name in done for plan in plans)
    inside = status == _IN_TRANSACTION
    for plan in plans:
        if plan.name in done or id(plan) in _unpreparable:
            continue
        try:
            cursor.execute(
                f"SAVEPOINT {_TRYING}; {plan.prepare_sql}; RELEASE SAVEPOINT {_TRYING}"
                if inside
                else plan.prepare_sql
            )
        except conn.dialect.loaded_dbapi.ProgrammingError as exc:
            if inside:
                _undo_try(conn, cursor)
            if exc.sqlstate != _ALREADY_PREPARED:
                log.warning("PostgreSQL would not prepare %s: %s", plan.sql, exc)
                _unpreparable.add(id(plan))
                continue
        except conn.dialect.loaded_dbapi.Error as exc:
            raise _sqlalchemy_error(conn, exc, plan.prepare_sql) from exc
        done.add(plan.name)
    return tuple(plan.name in done for plan in plans)


def _undo_try(conn: Connection, cursor: Any) -> None:
    try:
        cursor.execute(f"ROLLBACK TO SAVEPOINT {_TRYING}; RELEASE SAVEPOINT {_TRYING}")
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _sqlalchemy_error(conn, exc) from exc


def driver_of(conn: Connection) -> Any:
    """`conn`'s driver connection, for work SQLAlchemy cannot express (COPY), once
    what is queued for it has gone first."""
    settle(conn)
    return conn.connection.driver_connection


def _owes_begin(driver: Any) -> bool:
    """Whether `driver`'s transaction still waits for its BEGIN; the caller sends it now."""
    if id(driver) not in _unbegun:
        return False
    _unbegun.discard(id(driver))
    return True


def _sqlalchemy_error(
    conn: Connection, exc: Exception, sql: str | None = None, params: Any = None
) -> Exception:
    """The exception SQLAlchemy would raise for the driver's `exc`."""
    return DBAPIError.instance(
        sql, params, exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
    )


_NOT_YET = object()  # the row of a gathered read, before its batch is sent


class Pending:
    """A read already sent, or gathered to be sent when its `pipelined` block ends; its
    first row is taken when asked for (see `send`)."""

    def __init__(self, sent: Any, plan: _Plan | None) -> None:
        self._sent = sent  # a driver cursor, a SQLAlchemy result, or None: see `arrived`
        self._plan = plan
        self._raw: Any = _NOT_YET

    def arrived(self, raw: Any) -> None:
        """The gathered read was sent; `raw` is its first row as the driver gives it."""
        self._raw = raw

    def first(self) -> Any:
        """The first row, with attribute access by column name, or None."""
        if self._plan is None or self._plan.row is None:
            return self._sent.first()
        raw = self._raw if self._sent is None else self._sent.fetchone()
        if raw is _NOT_YET:
            raise RuntimeError("a read gathered by `pipelined` is taken only after the block")
        if raw is None:
            return None
        if self._plan.converts:
            raw = list(raw)
            for position, process in self._plan.converts:
                raw[position] = process(raw[position])
        return self._plan.row._make(raw)  # type: ignore[attr-defined]


def send(conn: Connection, statement: Executable, params: dict[str, Any]) -> Pending:
    """Send a read now and take its row later: reads sent inside `pipelined` on
    PostgreSQL reach the server together and share one wait."""
    plan = plan_for(conn.dialect, statement, params)
    if plan is None:
        # What is queued for the connection goes first: `begin_later`'s listener sees to it.
        return Pending(conn.execute(statement, params), None)
    return _run(conn, plan, params)


def plan_for(dialect: Dialect, statement: Executable, params: dict[str, Any]) -> _Plan | None:
    key = (id(statement), dialect.name, tuple(params))
    try:
        return _plans[key]
    except KeyError:
        pass
    _keep[id(statement)] = statement
    plan = _compile(dialect, statement, params)
    _plans[key] = plan
    return plan


def _compile(dialect: Dialect, statement: Executable, params: dict[str, Any]) -> _Plan | None:
    compiled = statement.compile(dialect=dialect, column_keys=list(params))  # type: ignore[attr-defined]
    assert isinstance(compiled, SQLCompiler)
    needs_python = (
        compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.literal_execute_params
        or compiled.post_compile_params
    )
    if needs_python:
        return None
    names = list(compiled.bind_names.values())
    binds = []
    for bind, name in compiled.bind_names.items():
        if name in params:
            fixed = _GIVEN
        elif bind.required or bind.callable is not None:
            return None
        else:
            fixed = bind.value  # a value built into the statement, such as LIMIT 1
        binds.append((name, bind.type.dialect_impl(dialect).bind_processor(dialect), fixed))
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    if compiled.positional and order is None and names:
        return None
    row, converts = _row_shape(dialect, statement)
    # PostgreSQL's INSERTs return their new keys unasked (implicit RETURNING), which no
    # caller here reads; only a RETURNING the statement asks for keeps it out.
    asked = compiled.effective_returning and not compiled.implicit_returning
    gathers = bool(getattr(statement, "is_dml", False) and not asked)
    sql = compiled.string
    name = f"pos_plugin_{next(_names)}"
    numbers = {n: f"${i}" for i, n in enumerate(dict.fromkeys(_BIND.findall(sql)), start=1)}
    prepare_sql = _BIND.sub(lambda m: numbers[m[1]], sql).replace("%%", "%")
    execute_sql = f"EXECUTE {name}" + (f"({', '.join(['%s'] * len(numbers))})" if numbers else "")
    return _Plan(
        sql,
        order,
        tuple(binds),
        row,
        converts,
        gathers,
        _BIND.sub("%s", sql),
        tuple(_BIND.findall(sql)),
        name,
        f"PREPARE {name} AS {prepare_sql}",
        execute_sql,
        tuple(numbers),
    )


def _row_shape(dialect: Dialect, statement: Executable) -> tuple[type | None, tuple[Convert, ...]]:
    columns: Sequence[Any] = getattr(statement, "selected_columns", ())
    if not columns:
        return None, ()
    row = namedtuple("Row", [c.key for c in columns])  # type: ignore[misc]
    processors = (c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    converts = tuple(
        (position, process) for position, process in enumerate(processors) if process is not None
    )
    return row, converts
