"""Rollups: each store's business days of comps summed, in all and by item, barista, breakdown.

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

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.orm import Session

from pos_plugin.headoffice.models import (
    BaristaRollup,
    BreakdownRollup,
    DayTotal,
    ItemRollup,
    StoreComp,
)

_active = StoreComp.status == "active"
RAW_SUMS = (
    func.sum(case((_active, 1), else_=0)),
    func.sum(case((_active, StoreComp.value_amount), else_=0)),
    func.sum(case((StoreComp.status == "voided", 1), else_=0)),
)
"""Active comps, their value and voided comps: what every rollup row holds."""
SUM_COLUMNS = ("comps", "value", "voids")

# Each rollup and what it sums by in the raw rows, beyond the store, day and currency.
ROLLUPS: dict[type[Any], tuple[Any, ...]] = {
    DayTotal: (),
    ItemRollup: (StoreComp.item_name,),
    BaristaRollup: (func.coalesce(StoreComp.staff_name, ""),),
    BreakdownRollup: (StoreComp.breakdown_title,),
}


def raw_totals(rollup: type[Any], store_id: str, days: Collection[date]) -> Any:
    """The SELECT that sums a store's raw comps on those days as `rollup` holds them."""
    keys = (StoreComp.business_date, StoreComp.store_id, StoreComp.currency, *ROLLUPS[rollup])
    query = select(*keys, *RAW_SUMS).where(
        StoreComp.store_id == store_id, StoreComp.business_date.in_(days)
    )
    if rollup is BreakdownRollup:
        query = query.where(StoreComp.breakdown_title.is_not(None))
    return query.group_by(*keys)


def refresh(session: Session, store_id: str, days: Collection[date]) -> None:
    """The store's rollups for these days become the sums of its raw rows on them now."""
    for rollup in ROLLUPS:
        session.execute(
            delete(rollup).where(rollup.store_id == store_id, rollup.business_date.in_(days))
        )
        columns = ["business_date", "store_id", "currency"] + (["name"] if ROLLUPS[rollup] else [])
        query = raw_totals(rollup, store_id, days)
        session.execute(insert(rollup).from_select([*columns, *SUM_COLUMNS], query))
