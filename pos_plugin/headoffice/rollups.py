"""Rollups: each store's business days of comps summed by item, barista and breakdown.

`refresh` rewrites a store's days from the raw rows already in the database,
inside the transaction that loaded them (INSERT ... SELECT ... GROUP BY, so it
does not matter how the rows were loaded). A superseding sequence therefore
replaces the day's rollups with its own, and a replay, which loads nothing,
leaves them alone. The reports read these rows, a few per store-day, instead
of every comp.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import case, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from pos_plugin.headoffice.models import DayRollup, StoreComp

_active = StoreComp.status == "active"
RAW_SUMS = (
    func.sum(case((_active, 1), else_=0)),
    func.sum(case((_active, StoreComp.value_amount), else_=0)),
    func.sum(case((StoreComp.status == "voided", 1), else_=0)),
)
"""Active comps, their value and voided comps: what every rollup row holds."""
SUM_COLUMNS = ("comps", "value", "voids")

# Each dimension's name in the raw rows; a comp recorded by no barista counts under "".
DIMENSIONS: dict[str, Any] = {
    "item": StoreComp.item_name,
    "staff": func.coalesce(StoreComp.staff_name, ""),
    "breakdown": StoreComp.breakdown_title,
}


def raw_totals(dimension: str, store_id: str, days: Collection[date]) -> Any:
    """The SELECT that sums a store's raw comps on those days by one dimension."""
    name = DIMENSIONS[dimension]
    query = select(
        StoreComp.business_date,
        StoreComp.store_id,
        literal(dimension),
        name,
        StoreComp.currency,
        *RAW_SUMS,
    ).where(StoreComp.store_id == store_id, StoreComp.business_date.in_(days))
    if dimension == "breakdown":
        query = query.where(StoreComp.breakdown_title.is_not(None))
    return query.group_by(StoreComp.business_date, StoreComp.store_id, name, StoreComp.currency)


def refresh(session: Session, store_id: str, days: Collection[date]) -> None:
    """The store's rollups for these days become the sums of its raw rows on them now."""
    session.execute(
        delete(DayRollup).where(DayRollup.store_id == store_id, DayRollup.business_date.in_(days))
    )
    columns = ("business_date", "store_id", "dimension", "name", "currency")
    for dimension in DIMENSIONS:
        query = raw_totals(dimension, store_id, days)
        session.execute(insert(DayRollup).from_select([*columns, *SUM_COLUMNS], query))
