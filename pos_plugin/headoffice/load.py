"""Writing sets' rows: one COPY per kind for many store-days on PostgreSQL, bounded
executemany elsewhere, and the days' rollups summed from the rows as they pass.

The rows come as iterables, a store-day's from its own set; nothing here holds
more than one batch of them, so a set of any size loads in the same memory when
its rows stream (`verify.rows`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import chain, islice
from typing import Any, cast

from sqlalchemy import Table, Uuid, delete, insert, tuple_
from sqlalchemy.orm import Session

from pos_plugin.headoffice import rollups
from pos_plugin.headoffice.cells import ROW_COLUMNS
from pos_plugin.headoffice.models import ROW_TABLES

BATCH_ROWS = 1000  # rows per executemany where there is no COPY
# Fewer rows than this go in one multi-row INSERT: one round trip, where COPY takes two.
COPY_FROM_ROWS = 50
_LENGTH = re.compile(r"\(\d+\)")  # VARCHAR(16) is varchar to the driver


@dataclass(frozen=True)
class DayRows:
    """A store's business day as one set has it: the set's sequence and its rows of each
    kind (`ROW_COLUMNS` order)."""

    store_id: str
    day: date
    sequence: int
    rows: Mapping[str, Iterable[tuple[Any, ...]]]


def replace_days(
    session: Session, days: Sequence[DayRows], *, replacing: Collection[tuple[str, date]] = ()
) -> list[dict[str, int]]:
    """Each store-day of `days` gets exactly its rows, and its rollups summed from them
    as they pass (`replacing`: the (store, day) pairs that hold rows and rollups of an
    earlier sequence, deleted first); for each, the rows loaded of each kind."""
    counts = [dict.fromkeys(ROW_TABLES, 0) for _ in days]
    sums = rollups.Sums()
    for kind, model in ROW_TABLES.items():
        table = cast(Table, model.__table__)
        if replacing:
            keys = tuple_(table.c.store_id, table.c.business_date)
            session.execute(delete(table).where(keys.in_(list(replacing))))
        columns = ROW_COLUMNS[kind]
        dated = "business_date" in columns  # else each row is given its day
        names = (*columns, "store_id", "sequence", *(() if dated else ("business_date",)))

        def tagged(kind: str = kind, dated: bool = dated) -> Iterator[tuple[Any, ...]]:
            for count, day in zip(counts, days, strict=True):
                tail = (
                    (day.store_id, day.sequence) if dated else (day.store_id, day.sequence, day.day)
                )
                add = sums.adder(day.store_id, day.day) if kind == "comps" else None
                for row in day.rows[kind]:
                    count[kind] += 1
                    if add is not None:
                        add(row)
                    yield row + tail

        _insert(session, table, names, tagged())
    rollups.write(session, sums, replacing=replacing)
    return counts


def _insert(
    session: Session, table: Table, names: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
) -> None:
    found = _with_uuids(
        rows, [n for n, name in enumerate(names) if isinstance(table.c[name].type, Uuid)]
    )
    first = list(islice(found, COPY_FROM_ROWS))
    connection = session.connection()
    if len(first) < COPY_FROM_ROWS or connection.dialect.name != "postgresql":
        for batch in _batches(chain(first, found)):
            session.execute(insert(table), [dict(zip(names, row, strict=True)) for row in batch])
        return
    # COPY is psycopg's own API: SQLAlchemy hands out the driver's connection for it. In
    # binary: psycopg's C dumpers and the server's receive functions skip the text in
    # between, a third of text COPY's time on both sides (measured). Binary needs each
    # column's type, named as the database names it (without a length).
    types = [
        _LENGTH.sub("", table.c[name].type.compile(dialect=connection.dialect)).lower()
        for name in names
    ]
    driver = connection.connection.driver_connection
    assert driver is not None
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(types)
        for row in chain(first, found):
            copy.write_row(row)


def _with_uuids(rows: Iterable[tuple[Any, ...]], at: list[int]) -> Iterator[tuple[Any, ...]]:
    """The rows with their UUID columns (read as text, `cells.UUID`) made UUIDs, as the
    driver and SQLAlchemy take them: each made as its row is written, and gone with it."""
    if not at:
        yield from rows
        return
    for row in rows:
        for n in at:
            row = (*row[:n], uuid.UUID(row[n]), *row[n + 1 :])
        yield row


def _batches(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    while batch := list(islice(rows, BATCH_ROWS)):
        yield batch
