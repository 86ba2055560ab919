"""Rollups: each store's business days of comps summed, in all and by item, barista, breakdown.

`refresh` rewrites store-days from the raw rows already in the database,
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

from sqlalchemy import case, delete, func, insert, select, tuple_
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


def raw_totals(rollup: type[Any], store_days: Collection[tuple[str, date]]) -> Any:
    """The SELECT that sums the raw comps of those (store, day) pairs as `rollup` holds them."""
    keys = (StoreComp.business_date, StoreComp.store_id, StoreComp.currency, *ROLLUPS[rollup])
    query = select(*keys, *RAW_SUMS).where(_of(StoreComp, store_days))
    if rollup is BreakdownRollup:
        query = query.where(StoreComp.breakdown_title.is_not(None))
    return query.group_by(*keys)


def refresh(session: Session, store_days: Collection[tuple[str, date]]) -> None:
    """The rollups of these (store, day) pairs become the sums of their raw rows now."""
    if not store_days:
        return
    for rollup in ROLLUPS:
        session.execute(delete(rollup).where(_of(rollup, store_days)))
        columns = ["business_date", "store_id", "currency"] + (["name"] if ROLLUPS[rollup] else [])
        query = raw_totals(rollup, store_days)
        session.execute(insert(rollup).from_select([*columns, *SUM_COLUMNS], query))


def _of(model: type[Any], store_days: Collection[tuple[str, date]]) -> Any:
    return tuple_(model.store_id, model.business_date).in_(list(store_days))
