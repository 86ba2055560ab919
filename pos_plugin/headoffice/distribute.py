"""Distributing head office's tables by store on Citus (`pos-plugin headoffice distribute`).

Every table whose primary key holds `store_id` is distributed by it, all
co-located with `ho_set`, so one store-day's ingest touches one shard group;
every other table (registered stores, users) is small and shared, a reference
table copied to every node. Tables already distributed are left as they are,
so the command can run again after an upgrade adds a table.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from pos_plugin.headoffice.models import HeadOfficeBase, IngestedSet

DISTRIBUTION_COLUMN = "store_id"
COLOCATED_WITH = IngestedSet.__tablename__


class NoCitus(Exception):
    """This database cannot distribute its tables."""


@dataclass(frozen=True)
class Plan:
    reference: list[str]
    distributed: list[str]


def plan() -> Plan:
    """Which tables are shared and which are split by store, in the order to make them."""
    tables: list[Table] = list(HeadOfficeBase.metadata.sorted_tables)
    by_store = [t.name for t in tables if DISTRIBUTION_COLUMN in t.primary_key.columns]
    by_store.sort(key=lambda name: name != COLOCATED_WITH)  # the group's first member first
    return Plan([t.name for t in tables if t.name not in by_store], by_store)


def citus_version(session: Session) -> str | None:
    if session.get_bind().dialect.name != "postgresql":
        return None
    return session.scalar(text("SELECT extversion FROM pg_extension WHERE extname = 'citus'"))


def distribute(session: Session) -> list[str]:
    """Distribute what is not yet; one line for each table, saying what became of it."""
    if citus_version(session) is None:
        raise NoCitus(
            "This database has no citus extension: head office's tables stay on this one server."
        )
    # Names as this search path shows them: the tables of another schema come qualified.
    done = set(session.scalars(text("SELECT logicalrelid::regclass::text FROM pg_dist_partition")))
    tables = plan()
    told: list[str] = []
    for name in tables.reference:
        if name not in done:
            session.execute(select(func.create_reference_table(name)))
        told.append(f"{name}: reference table (a copy on every node)")
    for name in tables.distributed:
        if name not in done:
            colocate = "none" if name == COLOCATED_WITH else COLOCATED_WITH
            session.execute(
                text("SELECT create_distributed_table(:name, :column, colocate_with => :with)"),
                {"name": name, "column": DISTRIBUTION_COLUMN, "with": colocate},
            )
        told.append(f"{name}: distributed by {DISTRIBUTION_COLUMN}")
    return told
