"""ho_comp's monthly partitions on PostgreSQL: made ahead of time, and analysed after loads.

`pos-plugin headoffice partitions --months-ahead N` (run it from cron, monthly or
more often) makes the coming months' partitions, so an ingest finds its month's
partition there and never takes a lock beyond its own store's. Only a set for a
month still missing makes it, in a short transaction of its own under one
advisory lock (two ingests may both find it missing), before its load begins.
pg_partman would do the same, but it is an extension the database server must
have installed, and head office must also run on a PostgreSQL it cannot extend.

A partition's planner statistics go stale as loads change it, and autovacuum
analyses it only later (and never the partitioned parent), so reports planned in
between get row estimates far off. A run of ingests therefore analyses each
month's partition it loaded, once the run is done, where `needs_analyze` says the
rows changed since the last ANALYZE are material: once a run rather than after
every batch, which cost a night's run of 150,000 comps eight ANALYZEs (a fifth of
its time).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, column, func, select, table, text
from sqlalchemy.orm import Session

from pos_plugin.headoffice.models import StoreComp

PARTITION_LOCK = 0x686F5F636F6D70  # any fixed number: one advisory lock for making partitions
ANALYZE_LOCK = 0x686F5F616E61  # plus the partition's month: one ANALYZE of a partition at a time
# A partition is analysed again once the rows changed since its last ANALYZE (inserted or
# deleted) reach a fifth of the rows it then held, and at least this many: autovacuum's rule
# (a tenth), made coarser, so that a month of small sets costs a few dozen ANALYZEs at most.
ANALYZE_FRACTION = 0.2
ANALYZE_MIN_ROWS = 5000
_PG_CLASS = table("pg_class", column("oid"), column("reltuples"))


class MissingPartition(Exception):
    """The month of `day` has no partition yet: make it (`create`) before loading."""

    def __init__(self, day: date) -> None:
        super().__init__(f"no partition of {StoreComp.__tablename__} for {day:%Y-%m}")
        self.day = day


@dataclass(frozen=True)
class PartitionState:
    name: str
    estimated_rows: float  # pg_class.reltuples: as of its last ANALYZE, -1 if never
    changed_rows: int  # changed since its last ANALYZE, as far as the statistics know yet


def partition_name(day: date) -> str:
    return f"{StoreComp.__tablename__}_p{day.year:04d}_{day.month:02d}"


def month_of(day: date, months_later: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months_later
    return date(index // 12, index % 12 + 1, 1)


def states(session: Session, days: Collection[date]) -> dict[date, PartitionState]:
    """The partitions of the months of `days`, by month, as the statistics know them: one
    query however many months; `MissingPartition` when a month has none."""
    months = sorted({month_of(day) for day in days})
    found = session.execute(select(*(c for m in months for c in _state_columns(m)))).one()
    result: dict[date, PartitionState] = {}
    for n, month in enumerate(months):
        estimated, changed = found[2 * n], found[2 * n + 1]
        if estimated is None:
            raise MissingPartition(month)
        result[month] = PartitionState(partition_name(month), float(estimated), int(changed or 0))
    return result


def _state_columns(month: date) -> tuple[Any, Any]:
    """The partition's estimated rows and rows changed since its last ANALYZE, as two
    columns (NULL, NULL when it is missing)."""
    partition = func.to_regclass(partition_name(month))
    estimated = select(_PG_CLASS.c.reltuples).where(_PG_CLASS.c.oid == partition)
    return estimated.scalar_subquery(), func.pg_stat_get_mod_since_analyze(partition)


def create(engine: Engine, months: list[date]) -> list[str]:
    """Make the partitions of the months of `months` that are missing; their names."""
    made: list[str] = []
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PARTITION_LOCK})
        for month in sorted({month_of(day) for day in months}):
            name = partition_name(month)
            if connection.scalar(text("SELECT to_regclass(:name)"), {"name": name}) is not None:
                continue
            # IF NOT EXISTS all the same: after waiting on the advisory lock this backend may
            # still see its cached "missing" for a partition another ingest has just made
            # (an advisory lock, unlike a table's, does not read the catalog's news), and
            # CREATE looks again once it holds the parent's lock.
            connection.execute(
                text(
                    f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {StoreComp.__tablename__} "
                    f"FOR VALUES FROM ('{month.isoformat()}') TO ('{month_of(month, 1)}')"
                )
            )
            made.append(name)
    return made


def ahead(engine: Engine, today: date, months_ahead: int) -> list[str]:
    """`pos-plugin headoffice partitions`: this month's and the next months' partitions."""
    return create(engine, [month_of(today, n) for n in range(months_ahead + 1)])


def needs_analyze(changed_rows: int, estimated_rows: float) -> bool:
    """True when `changed_rows` since the last ANALYZE make its statistics stale."""
    return changed_rows >= max(ANALYZE_MIN_ROWS, ANALYZE_FRACTION * max(estimated_rows, 0.0))


def analyze(engine: Engine, day: date) -> bool:
    """ANALYZE the month's partition, unless another ingest is doing so right now."""
    key = ANALYZE_LOCK * 10_000 + day.year * 100 + day.month
    with engine.begin() as connection:
        if not connection.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}):
            return False
        connection.execute(text(f"ANALYZE {partition_name(day)}"))
    return True
