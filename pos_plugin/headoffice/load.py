"""Writing a set's rows as they stream: COPY on PostgreSQL, bounded executemany elsewhere.

The rows come from `verify.rows`, one at a time; nothing here holds more than one
batch of them, so a set of any size loads in the same memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from itertools import chain, islice
from typing import Any, cast

from sqlalchemy import Table, delete, insert
from sqlalchemy.orm import Session

from pos_plugin.headoffice.cells import ROW_COLUMNS
from pos_plugin.headoffice.models import ROW_TABLES

BATCH_ROWS = 1000  # rows per executemany where there is no COPY
# A file of fewer rows goes in one multi-row INSERT: one round trip, where COPY takes two.
COPY_FROM_ROWS = 50


def replace_day(
    session: Session,
    store_id: str,
    day: date,
    sequence: int,
    rows: Mapping[str, Iterable[tuple[Any, ...]]],
    *,
    replacing: bool,
) -> dict[str, int]:
    """The day's rows of this store become exactly `rows` (`replacing`: the day had rows of an
    earlier sequence, deleted first); the number of rows loaded of each kind."""
    loaded: dict[str, int] = {}
    for kind, model in ROW_TABLES.items():
        table = cast(Table, model.__table__)
        if replacing:
            session.execute(
                delete(table).where(table.c.store_id == store_id, table.c.business_date == day)
            )
        columns = ROW_COLUMNS[kind]
        extra: dict[str, Any] = {"store_id": store_id, "sequence": sequence}
        if "business_date" not in columns:
            extra["business_date"] = day
        loaded[kind] = _insert(session, table, columns, rows[kind], extra)
    return loaded


def _insert(
    session: Session,
    table: Table,
    columns: tuple[str, ...],
    rows: Iterable[tuple[Any, ...]],
    extra: dict[str, Any],
) -> int:
    found = iter(rows)
    names = (*columns, *extra)
    tail = tuple(extra.values())
    first = list(islice(found, COPY_FROM_ROWS))  # all of a small file's rows
    connection = session.connection()
    if len(first) < COPY_FROM_ROWS or connection.dialect.name != "postgresql":
        count = 0
        for batch in _batches(chain(first, found)):
            batch_rows = [dict(zip(names, row + tail, strict=True)) for row in batch]
            session.execute(insert(table), batch_rows)
            count += len(batch)
        return count
    # COPY is psycopg's own API: SQLAlchemy hands out the driver's connection for it.
    driver = connection.connection.driver_connection
    assert driver is not None
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    count = 0
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in chain(first, found):
            copy.write_row(row + tail)
            count += 1
    return count


def _batches(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    while batch := list(islice(rows, BATCH_ROWS)):
        yield batch
