"""Reports across stores, over a range of business days: each a title, columns and rows.

The rows are those of each day's current sequence (a superseding set
replaced the earlier rows), so every report reads the latest truth. The
summaries read the store-day rollups (`rollups`), the detail lists at most
DETAIL_LIMIT rows through partial indexes: neither grows with the raw rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pos_plugin.headoffice import rollups
from pos_plugin.headoffice.models import (
    BaristaRollup,
    BreakdownRollup,
    DayTotal,
    ItemRollup,
    StoreComp,
    StoreShift,
    StoreStory,
)

DETAIL_LIMIT = 5000
"""The most rows a detail report (one row a comp, shift or story) gives; its `limit`."""


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def _in_range(query: Any, model: Any, start: date, end: date) -> Any:
    return query.where(model.business_date >= start, model.business_date <= end)


def _summed(session: Session, start: date, end: date, key: Any) -> list[tuple[Any, ...]]:
    """One rollup's rows in the range, summed by key (one of its columns) and currency."""
    rollup = key.class_
    sums = [func.sum(getattr(rollup, column)) for column in rollups.SUM_COLUMNS]
    query = _in_range(select(key, rollup.currency, *sums), rollup, start, end)
    query = query.group_by(key, rollup.currency).order_by(key, rollup.currency)
    return [tuple(row) for row in session.execute(query)]


SUMMED = ("currency", "comps", "value", "voids")


def by_store(session: Session, start: date, end: date) -> Report:
    rows = _summed(session, start, end, DayTotal.store_id)
    return Report("stores", "Comps by store", ("store", *SUMMED), rows)


def by_day(session: Session, start: date, end: date) -> Report:
    rows = _summed(session, start, end, DayTotal.business_date)
    return Report("days", "Comps by day", ("business day", *SUMMED), rows)


def by_item(session: Session, start: date, end: date) -> Report:
    rows = _summed(session, start, end, ItemRollup.name)
    return Report("items", "Comps by item", ("item", *SUMMED), rows)


def by_barista(session: Session, start: date, end: date) -> Report:
    rows = _summed(session, start, end, BaristaRollup.name)
    return Report("baristas", "Comps by barista", ("barista", *SUMMED), rows)


def by_breakdown(session: Session, start: date, end: date) -> Report:
    rows = _summed(session, start, end, BreakdownRollup.name)
    return Report("breakdowns", "Comps by playbook breakdown", ("breakdown", *SUMMED), rows)


def overrides(session: Session, start: date, end: date, limit: int = DETAIL_LIMIT) -> Report:
    query = _in_range(
        select(
            StoreShift.store_id,
            StoreShift.business_date,
            StoreShift.name,
            StoreShift.currency,
            StoreShift.allowance_amount,
            StoreShift.used_amount,
            StoreShift.overridden_by,
            StoreShift.overridden_at,
        ),
        StoreShift,
        start,
        end,
    ).where(StoreShift.overridden_at.is_not(None))
    query = query.order_by(StoreShift.business_date, StoreShift.store_id).limit(limit)
    columns = ("store", "business day", "shift", "currency", "allowance", "used", "by", "at")
    return Report("overrides", "Allowance overrides", columns, _rows(session, query))


def voids(session: Session, start: date, end: date, limit: int = DETAIL_LIMIT) -> Report:
    query = _in_range(
        select(
            StoreComp.store_id,
            StoreComp.business_date,
            StoreComp.item_name,
            StoreComp.currency,
            StoreComp.value_amount,
            StoreComp.voided_by,
            StoreComp.void_reason,
            StoreComp.voided_at,
        ),
        StoreComp,
        start,
        end,
    ).where(StoreComp.status == "voided")
    query = query.order_by(StoreComp.business_date, StoreComp.store_id).limit(limit)
    columns = ("store", "business day", "item", "currency", "value", "voided by", "reason", "at")
    return Report("voids", "Voids", columns, _rows(session, query))


def approvals(session: Session, start: date, end: date, limit: int = DETAIL_LIMIT) -> Report:
    query = _in_range(
        select(
            StoreComp.store_id,
            StoreComp.business_date,
            StoreComp.item_name,
            StoreComp.currency,
            StoreComp.value_amount,
            StoreComp.staff_name,
            StoreComp.approved_by_name,
            StoreComp.status,
            StoreComp.created_at,
        ),
        StoreComp,
        start,
        end,
    ).where(StoreComp.approved_by_id.is_not(None))
    query = query.order_by(StoreComp.business_date, StoreComp.store_id).limit(limit)
    columns = (
        "store",
        "business day",
        "item",
        "currency",
        "value",
        "asked by",
        "approved by",
        "status",
        "at",
    )
    return Report("approvals", "Comps approved over the allowance", columns, _rows(session, query))


def stories(session: Session, start: date, end: date, limit: int = DETAIL_LIMIT) -> Report:
    query = (
        _in_range(
            select(
                StoreStory.store_id,
                StoreStory.business_date,
                StoreStory.staff_name,
                StoreStory.item_name,
                StoreStory.customer_name,
                StoreStory.note,
                StoreStory.starred_by,
                StoreStory.starred_at,
            ),
            StoreStory,
            start,
            end,
        )
        .order_by(StoreStory.business_date.desc(), StoreStory.starred_at.desc())
        .limit(limit)
    )
    columns = ("store", "business day", "staff", "item", "customer", "note", "starred by", "at")
    return Report("stories", "Starred stories", columns, _rows(session, query))


def _rows(session: Session, query: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in session.execute(query)]


SUMMARIES: dict[str, Callable[[Session, date, date], Report]] = {
    "stores": by_store,
    "days": by_day,
    "items": by_item,
    "baristas": by_barista,
    "breakdowns": by_breakdown,
}
DETAILS: dict[str, Callable[..., Report]] = {
    "overrides": overrides,
    "voids": voids,
    "approvals": approvals,
    "stories": stories,
}
REPORTS: dict[str, Callable[..., Report]] = {**SUMMARIES, **DETAILS}
