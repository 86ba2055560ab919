"""Live today: the running shift's allowance, and today's comps by item and barista,
overrides and voids, for the manager's home page that refreshes by itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from pos_plugin.database import db
from pos_plugin.models import CatalogItem, Comp, CompStatus, Shift, Staff, Store
from pos_plugin.money import Money
from pos_plugin.services import shifts
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.reports import NO_STAFF
from pos_plugin.services.shifts import ShiftTally

RECENT_VOIDS = 20


@dataclass(frozen=True)
class Count:
    label: str
    comps: int
    value: Money


@dataclass(frozen=True)
class Today:
    business_date: date
    shift: ShiftTally
    comps: int
    value: Money
    by_item: list[Count]
    by_barista: list[Count]
    overrides: list[Shift]
    voids: list[tuple[Comp, str | None]]


def today(actor: Actor, store: Store, now: datetime) -> Today:
    """What today looks like now; opens the running shift if nobody has tapped yet (a write)."""
    actor.require(Permission.MANAGE)
    running = shifts.tally(shifts.open_current_shift(store, now))
    day = running.shift.business_date
    by_item = _counts(store, day, CatalogItem.name, CatalogItem, CatalogItem.id == Comp.item_id)
    by_barista = [
        Count(c.label or str(NO_STAFF), c.comps, c.value)
        for c in _counts(store, day, Staff.name, Staff, Staff.id == Comp.staff_id)
    ]
    overrides = db.session.scalars(
        select(Shift)
        .where(Shift.business_date == day, Shift.overridden_at.is_not(None))
        .order_by(Shift.starts_at)
    ).all()
    voids = db.session.execute(
        select(Comp, Staff.name)
        .outerjoin(Staff, Staff.id == Comp.staff_id)
        .where(Comp.business_date == day, Comp.status == CompStatus.VOIDED)
        .order_by(Comp.voided_at.desc())
        .limit(RECENT_VOIDS)
    ).all()
    return Today(
        business_date=day,
        shift=running,
        comps=sum(c.comps for c in by_item),
        value=Money(sum(c.value.amount for c in by_item), store.currency),
        by_item=by_item,
        by_barista=by_barista,
        overrides=list(overrides),
        voids=[(row[0], row[1]) for row in voids],
    )


def _counts(store: Store, day: date, label: Any, target: Any, on: Any) -> list[Count]:
    query = (
        select(label, func.count(), func.coalesce(func.sum(Comp.value_amount), 0))
        .select_from(Comp)
        .outerjoin(target, on)
        .where(Comp.business_date == day, Comp.status == CompStatus.ACTIVE)
        .group_by(label)
        .order_by(func.count().desc())
    )
    return [
        Count(str(name or ""), int(n), Money(int(v), store.currency))
        for name, n, v in db.session.execute(query)
    ]
