"""Writing a checked set's rows: COPY on PostgreSQL, executemany elsewhere; monthly partitions."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import Table, delete, insert, text
from sqlalchemy.orm import Session

from pos_plugin.headoffice.models import ROW_TABLES, StoreComp

PARTITION_LOCK = 0x686F5F636F6D70  # any fixed number: one advisory lock for making partitions


def replace_day(
    session: Session, store_id: str, day: date, sequence: int, rows: dict[str, list[dict[str, Any]]]
) -> None:
    """The day's rows of this store become exactly `rows` (a later sequence replaces all)."""
    if session.get_bind().dialect.name == "postgresql":
        ensure_partition(session, day)
    for kind, model in ROW_TABLES.items():
        table = cast(Table, model.__table__)
        session.execute(
            delete(table).where(table.c.store_id == store_id, table.c.business_date == day)
        )
        extra = {"store_id": store_id, "business_date": day, "sequence": sequence}
        _insert(session, table, rows[kind], extra)


def _insert(
    session: Session, table: Table, rows: list[dict[str, Any]], extra: dict[str, Any]
) -> None:
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(table), [{**row, **extra} for row in rows])
        return
    columns = [column.name for column in table.columns]
    # COPY is psycopg's own API: SQLAlchemy hands out the driver's connection for it.
    driver = connection.connection.driver_connection
    assert driver is not None
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            merged = {**row, **extra}
            copy.write_row([merged[name] for name in columns])


def partition_name(day: date) -> str:
    return f"{StoreComp.__tablename__}_p{day.year:04d}_{day.month:02d}"


def ensure_partition(session: Session, day: date) -> None:
    """Make the month's partition of ho_comp if it is not there yet (PostgreSQL only)."""
    start = day.replace(day=1)
    end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PARTITION_LOCK})
    session.execute(
        text(
            f"CREATE TABLE IF NOT EXISTS {partition_name(day)} PARTITION OF "
            f"{StoreComp.__tablename__} FOR VALUES FROM ('{start.isoformat()}') "
            f"TO ('{end.isoformat()}')"
        )
    )
