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
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Plan:
    sql: str
    # Parameter names in the order the driver wants them (qmark), or None for named styles.
    order: tuple[str, ...] | None
    # Each parameter: its name, its type's processor, and its value when the statement fixes it.
    binds: tuple[tuple[str, Processor, Any], ...]
    row: type | None
    results: tuple[Processor, ...]
    # A write whose rows no caller asks back: one `pipelined(hold=True)` may gather.
    gathers: bool


_GIVEN = object()  # marks a parameter the caller passes
_plans: dict[tuple[int, str, tuple[str, ...]], _Plan | None] = {}
# Statements are module-level constants, kept alive here so their ids stay theirs.
_keep: dict[int, Executable] = {}


@dataclass
class _Held:
    """Writes gathered by `pipelined(hold=True)`, not sent yet."""

    writes: list[tuple[_Plan, Any]] = field(default_factory=list)
    gathering: bool = True  # the block is still open


# Writes held by `pipelined(hold=True)`, by id of their driver connection.
_held: dict[int, _Held] = {}
# The one statement that runs gathered writes, by the ids of their plans.
_combined: dict[tuple[int, ...], str] = {}
_BIND = re.compile(r"%\(([^)]+)\)s")
# Driver connections whose BEGIN waits for their first statement (`begin_later`).
_unbegun: set[int] = set()
_BEGIN = "BEGIN"


def execute(conn: Connection, statement: Executable, params: dict[str, Any]) -> Any:
    """Run `statement` with `params` on `conn`; a driver cursor, or a SQLAlchemy result."""
    plan = plan_for(conn.dialect, statement, params)
    if plan is None:
        # What is queued for the connection goes first: `begin_later`'s listener sees to it.
        return conn.execute(statement, params)
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
    arguments = values if plan.order is None else tuple(values[n] for n in plan.order)
    try:
        if _held:
            held = _held.get(id(driver))
            if held is not None and held.gathering and plan.gathers:
                held.writes.append((plan, arguments))
                return None
            settle(conn)
        if not (_unbegun and _owes_begin(driver)):  # SQLite never owes one
            return driver.execute(plan.sql, arguments)
        with driver.pipeline():
            driver.execute(_BEGIN)
            return driver.execute(plan.sql, arguments)
    except conn.dialect.loaded_dbapi.Error as exc:
        # The same exception SQLAlchemy raises, so callers and error handlers see no
        # difference. (A dropped PostgreSQL connection is not invalidated here; the
        # pool replaces it at its next checkout, which finds it broken: `tune_engine`.)
        raise _sqlalchemy_error(conn, exc, plan.sql, arguments) from exc


@contextmanager
def pipelined(conn: Connection, *, hold: bool = False) -> Iterator[None]:
    """Send the statements made inside together and wait for the server once, where
    the driver can (psycopg's pipeline mode on PostgreSQL); elsewhere simply run them.

    The server still runs them in order. A write's error surfaces when the block
    ends, still as SQLAlchemy's exception and still inside the transaction, which
    the caller rolls back as before; a read's row is taken after the block (`send`).

    With `hold`, the block's writes are not sent when it ends: they go to the server
    as one statement (`_one_statement`) with the COMMIT (`commit`), one wait for
    both, or before whatever else runs on the connection first (`settle`). Their
    errors surface there. One statement, not several in a pipeline, because the
    driver's Python costs more per statement than the server does. So the writes
    held together must not depend on one another: none may touch a row another
    one inserts or changes (PostgreSQL runs them in one snapshot). A read, or a
    write whose rows its caller asks back, sends what was held first and runs as usual.
    """
    driver = conn.connection.driver_connection
    start = getattr(driver, "pipeline", None)
    if start is None:
        yield
        return
    settle(conn)
    if hold:
        held = _held[id(driver)] = _Held()
        try:
            yield
        except BaseException:
            _held.pop(id(driver), None)
            raise
        held.gathering = False
        return
    pipeline = start()
    pipeline.__enter__()
    try:
        if _owes_begin(driver):
            driver.execute(_BEGIN)  # type: ignore[union-attr]
        yield
    except BaseException as exc:
        _leave_failed(conn, pipeline, exc)
        raise
    _close(conn, pipeline)


def begin_later(conn: Connection) -> None:
    """SQLAlchemy began a transaction on `conn`, whose driver is in autocommit mode
    (PostgreSQL): send its BEGIN with the first statement, not in a round trip of its
    own (psycopg, left to begin by itself, waits for BEGIN even in pipeline mode)."""
    _unbegun.add(id(conn.connection.driver_connection))


def ended(conn: Connection) -> None:
    """The transaction on `conn` ends (commit or rollback): a BEGIN not sent yet never will be."""
    _unbegun.discard(id(conn.connection.driver_connection))


def settle(conn: Connection) -> None:
    """Send what is queued for `conn` and wait for it: the BEGIN of `begin_later`, and
    the writes held by `pipelined(hold=True)`. Any other use of the driver connection
    comes after this."""
    driver = conn.connection.driver_connection
    if _held:
        held = _held.pop(id(driver), None)
        if held is not None and held.writes:
            _send_held(conn, held, commit=False)
    if _owes_begin(driver):
        try:
            driver.execute(_BEGIN)  # type: ignore[union-attr]
        except conn.dialect.loaded_dbapi.Error as exc:
            raise _sqlalchemy_error(conn, exc, _BEGIN) from exc


def commit(conn: Connection) -> None:
    """Send the writes `pipelined(hold=True)` held, and COMMIT, and wait once for both.

    A failed write makes the server skip the COMMIT, and the error is raised here
    for the caller to roll back. Without held writes this does nothing: the caller
    commits as usual (after this, that finds no transaction open and sends nothing).
    """
    held = _held.pop(id(conn.connection.driver_connection), None)
    if held is not None and held.writes:
        _send_held(conn, held, commit=True)


def discard(conn: Connection) -> None:
    """Forget held writes before a rollback: none of them has reached the server."""
    _held.pop(id(conn.connection.driver_connection), None)


def _send_held(conn: Connection, held: _Held, *, commit: bool) -> None:
    driver: Any = conn.connection.driver_connection
    sql, arguments = _one_statement(held.writes)
    try:
        with driver.pipeline():
            if _owes_begin(driver):
                driver.execute(_BEGIN)
            driver.execute(sql, arguments)
            if commit:
                driver.execute("COMMIT")
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _sqlalchemy_error(conn, exc, sql, arguments) from exc


def _one_statement(writes: list[tuple[_Plan, Any]]) -> tuple[str, Any]:
    """Writes as one statement: `WITH w0 AS (INSERT ...), w1 AS (UPDATE ...) SELECT 1`.

    PostgreSQL runs every data-modifying WITH part once and to completion, all in
    one snapshot, and checks foreign keys at the end of the statement, so a key
    row may name the comp inserted beside it. The writes a tap holds touch
    different rows and read nothing the others write.
    """
    if len(writes) == 1:
        return writes[0][0].sql, writes[0][1]
    key = tuple(id(plan) for plan, _ in writes)
    sql = _combined.get(key)
    if sql is None:
        # Only psycopg gathers, and its parameters are named: part n's get the prefix wn_.
        parts = []
        for n, (plan, _) in enumerate(writes):
            renamed = _BIND.sub(rf"%(w{n}_\1)s", plan.sql)
            parts.append(f"w{n} AS ({renamed})")
        sql = _combined[key] = "WITH " + ", ".join(parts) + " SELECT 1"
    return sql, {
        f"w{n}_{name}": value
        for n, (_, values) in enumerate(writes)
        for name, value in values.items()
    }


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


def _leave_failed(conn: Connection, pipeline: Any, exc: BaseException) -> None:
    """Leave `pipeline` after `exc`; a driver error is raised as SQLAlchemy's."""
    # psycopg logs and drops its own error here, so `exc` is the one raised.
    pipeline.__exit__(type(exc), exc, exc.__traceback__)
    if isinstance(exc, conn.dialect.loaded_dbapi.Error):
        raise _sqlalchemy_error(conn, exc) from exc


def _close(conn: Connection, pipeline: Any) -> None:
    try:
        pipeline.__exit__(None, None, None)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _sqlalchemy_error(conn, exc) from exc


def _sqlalchemy_error(
    conn: Connection, exc: Exception, sql: str | None = None, params: Any = None
) -> Exception:
    """The exception SQLAlchemy would raise for the driver's `exc`."""
    return DBAPIError.instance(
        sql, params, exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
    )


class Pending:
    """A read already sent; its first row is taken when asked for (see `send`)."""

    def __init__(self, sent: Any, plan: _Plan | None) -> None:
        self._sent = sent
        self._plan = plan

    def first(self) -> Any:
        """The first row, with attribute access by column name, or None."""
        if self._plan is None or self._plan.row is None:
            return self._sent.first()
        raw = self._sent.fetchone()
        if raw is None:
            return None
        return self._plan.row._make(  # type: ignore[attr-defined]
            value if process is None else process(value)
            for value, process in zip(raw, self._plan.results, strict=True)
        )


def send(conn: Connection, statement: Executable, params: dict[str, Any]) -> Pending:
    """Send a read now and take its row later: reads sent inside `pipelined` on
    PostgreSQL reach the server together and share one wait."""
    plan = plan_for(conn.dialect, statement, params)
    return Pending(execute(conn, statement, params), plan)


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
    row, results = _row_shape(dialect, statement)
    # PostgreSQL's INSERTs return their new keys unasked (implicit RETURNING), which no
    # caller here reads; only a RETURNING the statement asks for keeps it out.
    asked = compiled.effective_returning and not compiled.implicit_returning
    gathers = bool(getattr(statement, "is_dml", False) and not asked)
    return _Plan(compiled.string, order, tuple(binds), row, results, gathers)


def _row_shape(
    dialect: Dialect, statement: Executable
) -> tuple[type | None, tuple[Processor, ...]]:
    columns: Sequence[Any] = getattr(statement, "selected_columns", ())
    if not columns:
        return None, ()
    row = namedtuple("Row", [c.key for c in columns])  # type: ignore[misc]
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    return row, results
