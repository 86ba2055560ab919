"""Rollups: each store's business days of comps summed, in all and by item, barista, breakdown.

An ingest sums a set's comps as they pass on their way to the database (`Sums`)
and writes the sums (`write`) in the transaction that loads the rows: a
superseding sequence therefore replaces the day's rollups with its own, and a
replay, which loads nothing, leaves them alone. Summing in passing spares the
database a second reading of every row it has just been sent (four GROUP BYs
over a batch's rows took a third of its time on PostgreSQL). `raw_totals` is the
same sum as SQL over the raw rows, and `refresh` rewrites rollups from it: for
rows that came another way (the reports' benchmark makes them in SQL), and for
the tests, which hold the two sums equal after any sequence of ingests.
The reports read these rows, a few per store-day, instead of every comp.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date
from typing import Any

from sqlalchemy import case, delete, func, insert, select, tuple_
from sqlalchemy.orm import Session

from pos_plugin.headoffice.cells import ROW_COLUMNS
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


_COMPS = ROW_COLUMNS["comps"]
_STATUS, _VALUE, _CURRENCY, _ITEM, _STAFF, _BREAKDOWN = (
    _COMPS.index(column)
    for column in (
        "status",
        "value_amount",
        "currency",
        "item_name",
        "staff_name",
        "breakdown_title",
    )
)
_Key = tuple[type[Any], date, str, str, str | None]  # rollup, day, store, currency, name


class Sums:
    """Rollup rows summed from comps rows (`ROW_COLUMNS` order) as they pass, as
    `raw_totals` sums them: [active comps, their value, voided comps] by key."""

    def __init__(self) -> None:
        self.by_key: dict[_Key, list[int]] = {}

    def adder(self, store_id: str, day: date) -> Callable[[tuple[Any, ...]], None]:
        """`add(row)` for the comps of this store-day."""
        by_key = self.by_key
        # Keyed by (rollup, currency, name) while the day's rows pass: a short key a row.
        day_sums: dict[tuple[type[Any], str, str | None], list[int]] = {}

        def add(row: tuple[Any, ...]) -> None:
            currency, breakdown = row[_CURRENCY], row[_BREAKDOWN]
            keys = [
                (DayTotal, currency, None),
                (ItemRollup, currency, row[_ITEM]),
                (BaristaRollup, currency, row[_STAFF] or ""),
            ]
            if breakdown is not None:
                keys.append((BreakdownRollup, currency, breakdown))
            voided = row[_STATUS] == "voided"
            for key in keys:
                sums = day_sums.get(key)
                if sums is None:
                    rollup, _, name = key
                    sums = [0, 0, 0]
                    day_sums[key] = by_key[(rollup, day, store_id, currency, name)] = sums
                if voided:
                    sums[2] += 1
                else:
                    sums[0] += 1
                    sums[1] += row[_VALUE]

        return add


def write(session: Session, sums: Sums, *, replacing: Collection[tuple[str, date]]) -> None:
    """The rollups of the summed store-days become `sums` (`replacing`: the (store, day)
    pairs whose earlier rollups are deleted first)."""
    if replacing:
        for rollup in ROLLUPS:
            session.execute(delete(rollup).where(_of(rollup, replacing)))
    rows: dict[type[Any], list[dict[str, Any]]] = {rollup: [] for rollup in ROLLUPS}
    for (rollup, day, store_id, currency, name), (comps, value, voids) in sums.by_key.items():
        row = {"business_date": day, "store_id": store_id, "currency": currency}
        row.update(zip(SUM_COLUMNS, (comps, value, voids), strict=True))
        if name is not None:
            row["name"] = name
        rows[rollup].append(row)
    for rollup, found in rows.items():
        if found:
            session.execute(insert(rollup), found)


def _of(model: type[Any], store_days: Collection[tuple[str, date]]) -> Any:
    return tuple_(model.store_id, model.business_date).in_(list(store_days))
