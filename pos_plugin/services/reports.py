"""The manager's reports: comps over the last days by day, shift, item, barista or breakdown.

Each report is one SQL aggregate over business dates (the store's zone and day
start decided them when each comp was given), so a chart, its table and its CSV
are the same numbers. Voided comps are counted apart, never in the value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from pos_plugin import csv_cells
from pos_plugin.database import db
from pos_plugin.models import Breakdown, CatalogItem, Comp, CompStatus, Shift, Staff, Store
from pos_plugin.money import Money
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.business_day import business_date_of
from pos_plugin.services.errors import InvalidInput, NotFound

PERIODS = (7, 30)
NO_STAFF = _l("(till, no barista)")


@dataclass(frozen=True)
class Row:
    label: str
    comps: int
    value: int
    voids: int


@dataclass(frozen=True)
class Report:
    name: str
    title: LazyString
    key: LazyString
    start: date
    end: date
    currency: str
    rows: list[Row]

    @property
    def total_value(self) -> int:
        return sum(row.value for row in self.rows)

    @property
    def total_comps(self) -> int:
        return sum(row.comps for row in self.rows)

    @property
    def total_voids(self) -> int:
        return sum(row.voids for row in self.rows)

    def csv(self) -> bytes:
        """The report as CSV (formula-safe cells): the value in major units ("49.00", as
        the page shows it), its currency in a column of its own, each header with its unit,
        in the store's language."""
        names = (
            self.key,
            _l("currency"),
            _l("comps (count)"),
            _l("value (%(currency)s)", currency=self.currency),
            _l("voids (count)"),
        )
        header = [str(name) for name in names]
        rows = (
            (r.label, self.currency, r.comps, Money(r.value, self.currency).plain(), r.voids)
            for r in self.rows
        )
        data, _ = csv_cells.to_bytes(header, rows)
        return data

    @property
    def filename(self) -> str:
        return f"comps-by-{self.name}_{self.start}_{self.end}.csv"


_active = case((Comp.status == CompStatus.ACTIVE, 1), else_=0)
_active_value = case((Comp.status == CompStatus.ACTIVE, Comp.value_amount), else_=0)
_voided = case((Comp.status == CompStatus.VOIDED, 1), else_=0)
_SUMS = (func.sum(_active), func.sum(_active_value), func.sum(_voided))


def period(store: Store, now: datetime, days: int) -> tuple[date, date]:
    """The last `days` business days, today's included."""
    if days not in PERIODS:
        raise InvalidInput(
            _l(
                "Choose the last %(first)s or %(second)s days.", first=PERIODS[0], second=PERIODS[1]
            ),
            field="days",
        )
    today = business_date_of(now, store.zone, store.business_day_starts)
    return today - timedelta(days=days - 1), today


def _grouped(label: Any, start: date, end: date, *joins: Any) -> list[Row]:
    query = select(label, *_SUMS).select_from(Comp)
    for target, on in joins:
        query = query.outerjoin(target, on)
    query = query.where(Comp.business_date >= start, Comp.business_date <= end)
    query = query.group_by(label).order_by(func.sum(_active_value).desc(), label)
    return [
        Row(str(name) if name is not None else "", int(c or 0), int(v or 0), int(x or 0))
        for name, c, v, x in db.session.execute(query)
    ]


def _by_day(start: date, end: date) -> list[Row]:
    """Every day of the period, the quiet ones as zeros, oldest first: a chart's x axis."""
    found = {row.label: row for row in _grouped(Comp.business_date, start, end)}
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return [found.get(str(day), Row(str(day), 0, 0, 0)) for day in days]


def _by_shift(start: date, end: date) -> list[Row]:
    return _grouped(Shift.name, start, end, (Shift, Shift.id == Comp.shift_id))


def _by_item(start: date, end: date) -> list[Row]:
    return _grouped(CatalogItem.name, start, end, (CatalogItem, CatalogItem.id == Comp.item_id))


def _by_barista(start: date, end: date) -> list[Row]:
    rows = _grouped(Staff.name, start, end, (Staff, Staff.id == Comp.staff_id))
    return [Row(r.label or str(NO_STAFF), r.comps, r.value, r.voids) for r in rows]


def _by_breakdown(start: date, end: date) -> list[Row]:
    rows = _grouped(Breakdown.title, start, end, (Breakdown, Breakdown.id == Comp.breakdown_id))
    return [r for r in rows if r.label]


# name: (title, what a row is, the query)
REPORTS: dict[str, tuple[LazyString, LazyString, Callable[[date, date], list[Row]]]] = {
    "day": (_l("Comps by day"), _l("business day"), _by_day),
    "shift": (_l("Comps by shift"), _l("shift"), _by_shift),
    "item": (_l("Comps by item"), _l("item"), _by_item),
    "barista": (_l("Comps by barista"), _l("barista"), _by_barista),
    "breakdown": (_l("Comps by playbook breakdown"), _l("breakdown"), _by_breakdown),
}


def report(actor: Actor, store: Store, name: str, days: int, now: datetime) -> Report:
    actor.require(Permission.MANAGE)
    if name not in REPORTS:
        raise NotFound(
            _l(
                "There is no report '%(name)s'; try one of %(known)s.",
                name=name,
                known=", ".join(REPORTS),
            )
        )
    start, end = period(store, now, days)
    title, key, make = REPORTS[name]
    return Report(name, title, key, start, end, store.currency, make(start, end))
