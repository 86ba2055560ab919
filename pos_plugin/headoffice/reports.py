"""Reports across stores, over a range of business days: each a title, columns and rows.

The rows are those of each day's current sequence (a superseding set
replaced the earlier rows), so every report reads the latest truth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from pos_plugin.headoffice.models import StoreComp, StoreShift, StoreStory

DETAIL_LIMIT = 5000


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


_active = case((StoreComp.status == "active", 1), else_=0)
_active_value = case((StoreComp.status == "active", StoreComp.value_amount), else_=0)
_voided = case((StoreComp.status == "voided", 1), else_=0)
SUMS = (
    func.sum(_active).label("comps"),
    func.sum(_active_value).label("value"),
    func.sum(_voided).label("voids"),
)


def _in_range(query: Any, model: Any, start: date, end: date) -> Any:
    return query.where(model.business_date >= start, model.business_date <= end)


def _grouped(session: Session, start: date, end: date, *keys: Any) -> list[tuple[Any, ...]]:
    query = _in_range(select(*keys, StoreComp.currency, *SUMS), StoreComp, start, end)
    query = query.group_by(*keys, StoreComp.currency).order_by(*keys, StoreComp.currency)
    return [tuple(row) for row in session.execute(query)]


def by_store(session: Session, start: date, end: date) -> Report:
    rows = _grouped(session, start, end, StoreComp.store_id)
    return Report(
        "stores", "Comps by store", ("store", "currency", "comps", "value", "voids"), rows
    )


def by_day(session: Session, start: date, end: date) -> Report:
    rows = _grouped(session, start, end, StoreComp.business_date)
    return Report(
        "days", "Comps by day", ("business day", "currency", "comps", "value", "voids"), rows
    )


def by_item(session: Session, start: date, end: date) -> Report:
    rows = _grouped(session, start, end, StoreComp.item_name)
    return Report("items", "Comps by item", ("item", "currency", "comps", "value", "voids"), rows)


def by_breakdown(session: Session, start: date, end: date) -> Report:
    query = _in_range(
        select(StoreComp.breakdown_title, StoreComp.currency, *SUMS), StoreComp, start, end
    ).where(StoreComp.breakdown_title.is_not(None))
    query = query.group_by(StoreComp.breakdown_title, StoreComp.currency).order_by(
        StoreComp.breakdown_title
    )
    rows = [tuple(row) for row in session.execute(query)]
    return Report(
        "breakdowns",
        "Comps by playbook breakdown",
        ("breakdown", "currency", "comps", "value", "voids"),
        rows,
    )


def overrides(session: Session, start: date, end: date) -> Report:
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
    query = query.order_by(StoreShift.business_date, StoreShift.store_id).limit(DETAIL_LIMIT)
    columns = ("store", "business day", "shift", "currency", "allowance", "used", "by", "at")
    return Report("overrides", "Allowance overrides", columns, _rows(session, query))


def voids(session: Session, start: date, end: date) -> Report:
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
    query = query.order_by(StoreComp.business_date, StoreComp.store_id).limit(DETAIL_LIMIT)
    columns = ("store", "business day", "item", "currency", "value", "voided by", "reason", "at")
    return Report("voids", "Voids", columns, _rows(session, query))


def approvals(session: Session, start: date, end: date) -> Report:
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
    query = query.order_by(StoreComp.business_date, StoreComp.store_id).limit(DETAIL_LIMIT)
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


def stories(session: Session, start: date, end: date) -> Report:
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
        .limit(DETAIL_LIMIT)
    )
    columns = ("store", "business day", "staff", "item", "customer", "note", "starred by", "at")
    return Report("stories", "Starred stories", columns, _rows(session, query))


def _rows(session: Session, query: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in session.execute(query)]


REPORTS: dict[str, Callable[[Session, date, date], Report]] = {
    "stores": by_store,
    "days": by_day,
    "items": by_item,
    "breakdowns": by_breakdown,
    "overrides": overrides,
    "voids": voids,
    "approvals": approvals,
    "stories": stories,
}
