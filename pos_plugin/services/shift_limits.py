"""Every limit of the running shift at once, for the manager who is about to override it.

The override changes the shift's money and count only; a barista's own cap and
an item's per-shift limit stay as they are, so the form says which limits block
now, and which would still block whatever the override sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from pos_plugin.database import db
from pos_plugin.models import CatalogItem, Comp, CompStatus, Staff, Store
from pos_plugin.services import shifts
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.limits import Limit
from pos_plugin.services.shifts import ShiftTally

# The limits a manager's override sets; the others it leaves standing.
OVERRIDE_SETS = frozenset({Limit.ALLOWANCE, Limit.MAX_COMPS})


@dataclass(frozen=True)
class LimitState:
    """One limit: its cap (money in minor units for the allowance), what is given, and
    whom or what it blocks now (`blocked`: baristas or items by name)."""

    limit: Limit
    cap: int | None
    given: int
    left: int | None
    blocks: bool
    blocked: tuple[str, ...] = ()
    # An item's limit names its item; empty otherwise.
    item: str = ""

    @property
    def override_sets(self) -> bool:
        return self.limit in OVERRIDE_SETS


@dataclass(frozen=True)
class RunningLimits:
    tally: ShiftTally
    states: list[LimitState]

    @property
    def blocking(self) -> list[LimitState]:
        return [state for state in self.states if state.blocks]


def running_limits(actor: Actor, store: Store, now: datetime) -> RunningLimits:
    """The running shift's money, count, per-barista cap and item limits, each with
    whom it blocks. Runs inside `write_transaction()` (the shift opens on first use)."""
    actor.require(Permission.MANAGE)
    tally = shifts.current_tally(actor, store, now)
    shift = tally.shift
    items = _active_items()
    too_dear = tuple(item.name for item in items if item.value.amount > tally.remaining.amount)
    states = [
        LimitState(
            Limit.ALLOWANCE,
            shift.allowance_amount,
            tally.used.amount,
            tally.remaining.amount,
            blocks=bool(too_dear),
            blocked=too_dear,
        )
    ]
    if shift.max_comps is not None:
        states.append(
            LimitState(
                Limit.MAX_COMPS,
                shift.max_comps,
                tally.comps_count,
                tally.remaining_comps,
                blocks=tally.remaining_comps == 0,
            )
        )
    cap = shift.max_comps_per_staff
    if cap is not None:
        at_cap = _staff_at(shift.id, cap)
        states.append(
            LimitState(Limit.MAX_COMPS_PER_STAFF, cap, 0, None, blocks=bool(at_cap), blocked=at_cap)
        )
    left = tally.items_remaining
    for item in items:
        if item.per_shift_limit is None:
            continue
        states.append(
            LimitState(
                Limit.PER_ITEM,
                item.per_shift_limit,
                tally.item_given.get(item.id, 0),
                left.get(item.id),
                blocks=left.get(item.id) == 0,
                item=item.name,
            )
        )
    return RunningLimits(tally, states)


def _active_items() -> list[CatalogItem]:
    query = select(CatalogItem).where(CatalogItem.active.is_(True))
    return list(db.session.scalars(query.order_by(CatalogItem.position, CatalogItem.id)))


def _staff_at(shift_id: int, cap: int) -> tuple[str, ...]:
    """The staff members who have given `cap` active comps or more in the shift."""
    query = (
        select(Staff.name)
        .join(Comp, Comp.staff_id == Staff.id)
        .where(Comp.shift_id == shift_id, Comp.status == CompStatus.ACTIVE)
        .group_by(Staff.id, Staff.name)
        .having(func.count() >= cap)
        .order_by(Staff.name)
    )
    return tuple(db.session.scalars(query))
