"""Shifts: opening the one now running from the schedule, its tallies, and overrides.

A shift opens on first use. If a template covers the moment it copies the
template's allowance; otherwise an unscheduled shift fills the gap between
scheduled ones with the store's default allowance. Either way the allowance is
copied in, so editing the schedule never changes a shift already running.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError

from pos_plugin.database import db
from pos_plugin.models import AuditEvent, CatalogItem, Comp, CompStatus, Shift, ShiftTemplate, Store
from pos_plugin.money import Money
from pos_plugin.services import audit, events, paging
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.amounts import check_amount
from pos_plugin.services.business_day import business_date_of, business_day_bounds, window_in_day
from pos_plugin.services.errors import InvalidInput
from pos_plugin.services.limits import Standing
from pos_plugin.services.paging import Page
from pos_plugin.services.text_input import optional_text

UNSCHEDULED = "Unscheduled"


def shown_name(name: str) -> str:
    """A shift's name as a person reads it: the product's own (Unscheduled) in the store's
    language, a name the manager typed as it is."""
    return str(_l("Unscheduled")) if name == UNSCHEDULED else name


OVERRIDDEN = "shift.overridden"
REASON_MAX = 280


@dataclass(frozen=True)
class ShiftTally:
    """A shift with what has been given so far and what is left."""

    shift: Shift
    used: Money
    comps_count: int
    # The asking staff member's own active comps, where a per-barista cap applies.
    own_comps_count: int | None = None
    # Active comps of each item that has a per-shift limit, by item id (0 if none given),
    # and those limits, where the tally was asked for every item (`current_tally`).
    item_given: Mapping[int, int] = field(default_factory=dict)
    item_limits: Mapping[int, int] = field(default_factory=dict)

    @property
    def remaining(self) -> Money:
        return (self.shift.allowance - self.used).clamp_at_zero()

    @property
    def remaining_comps(self) -> int | None:
        if self.shift.max_comps is None:
            return None
        return max(0, self.shift.max_comps - self.comps_count)

    @property
    def own_remaining_comps(self) -> int | None:
        cap = self.shift.max_comps_per_staff
        if cap is None or self.own_comps_count is None:
            return None
        return max(0, cap - self.own_comps_count)

    @property
    def items_remaining(self) -> dict[int, int]:
        """What is left of each item's per-shift limit, by item id."""
        return {
            item_id: max(0, limit - self.item_given.get(item_id, 0))
            for item_id, limit in self.item_limits.items()
        }

    def standing(self, item: CatalogItem) -> Standing:
        """What is left of each limit for giving `item` now."""
        limit = item.per_shift_limit
        given = self.item_given.get(item.id, 0)
        return Standing(
            remaining=self.remaining,
            remaining_comps=self.remaining_comps,
            own_remaining_comps=self.own_remaining_comps,
            item_remaining=None if limit is None else max(0, limit - given),
        )


def open_current_shift(store: Store, now: datetime) -> Shift:
    """The shift running at `now`, opened if this is its first use, and locked until commit.

    The lock makes allowance checks on one shift run one at a time: PostgreSQL
    takes a row lock (a shift this transaction inserts is invisible to others
    until commit); SQLite already holds the database write lock (see
    `database.write_transaction`) and renders no FOR UPDATE.
    """
    running = _running_at(now)
    if running is not None:
        return running
    shift = _planned_shift(store, now)
    _clip_to_free_time(shift, now)
    try:
        # A savepoint, so a tablet that lost the race to open it reads the winner's row.
        with db.session.begin_nested():
            db.session.add(shift)
    except IntegrityError:
        winner = _running_at(now)
        if winner is None:
            raise
        return winner
    return shift


def _running_at(now: datetime) -> Shift | None:
    return db.session.scalars(
        select(Shift)
        .where(Shift.starts_at <= now, Shift.ends_at > now)
        .order_by(Shift.starts_at.desc())
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _clip_to_free_time(shift: Shift, now: datetime) -> None:
    """Shifts already opened keep their times (the schedule may have changed since):
    a new shift fills only the free time around `now`."""
    ended = db.session.scalar(
        select(func.max(Shift.ends_at)).where(Shift.ends_at <= now, Shift.ends_at > shift.starts_at)
    )
    upcoming = db.session.scalar(
        select(func.min(Shift.starts_at)).where(
            Shift.starts_at > now, Shift.starts_at < shift.ends_at
        )
    )
    if ended is not None:
        shift.starts_at = ended
    if upcoming is not None:
        shift.ends_at = upcoming


def tally(shift: Shift) -> ShiftTally:
    return ShiftTally(
        shift=shift, used=Money(shift.used_amount, shift.currency), comps_count=shift.comps_count
    )


def active_count(shift: Shift, where: ColumnElement[bool]) -> int:
    """Active comps of the shift that also match `where` (one barista's, one item's).

    Only asked where a cap applies, and the cap bounds the rows counted, so the
    cost stays flat however long the shift or the history grows.
    """
    query = select(func.count()).where(
        Comp.shift_id == shift.id, Comp.status == CompStatus.ACTIVE, where
    )
    return db.session.scalar(query) or 0


def record_use(shift: Shift, value: Money) -> None:
    """A comp was given: its value and one place in the count are taken from the shift,
    which the caller holds locked (`open_current_shift`)."""
    shift.used_amount += value.amount
    shift.comps_count += 1


def record_return(shift_id: int, value: Money) -> None:
    """A comp was voided: its value and its place in the count go back to the shift."""
    shift = db.session.get(Shift, shift_id, with_for_update=True, populate_existing=True)
    assert shift is not None  # a comp's shift is never deleted
    shift.used_amount -= value.amount
    shift.comps_count -= 1


def close_ended(now: datetime) -> list[Shift]:
    """Close every shift that has ended by `now`, oldest first, announcing each once.

    A shift takes no taps after its end anyway; closing is the moment the store
    tells the outside world its tally is final (the delivery worker asks each round).
    """
    ended = db.session.scalars(
        select(Shift)
        .where(Shift.closed_at.is_(None), Shift.ends_at <= now)
        .order_by(Shift.ends_at)
        .with_for_update()
    ).all()
    for shift in ended:
        shift.closed_at = now
        events.announce(events.SHIFT_CLOSED, tally(shift), now, occurred_at=shift.ends_at)
    db.session.flush()
    return list(ended)


def current_tally(actor: Actor, store: Store, now: datetime) -> ShiftTally:
    """The running shift's tally; for a staff member under a per-barista cap, their own too,
    and how often each item with a per-shift limit was given, so a tile can say which blocks."""
    actor.require(Permission.READ_CATALOG)
    shift = open_current_shift(store, now)
    limited = db.session.execute(
        select(CatalogItem.id, CatalogItem.per_shift_limit).where(
            CatalogItem.active.is_(True), CatalogItem.per_shift_limit.is_not(None)
        )
    )
    item_limits = {item_id: limit for item_id, limit in limited if limit is not None}
    result = dataclasses.replace(
        tally(shift), item_given=items_given(shift, list(item_limits)), item_limits=item_limits
    )
    if actor.staff_id is not None and shift.max_comps_per_staff is not None:
        own = active_count(shift, Comp.staff_id == actor.staff_id)
        result = dataclasses.replace(result, own_comps_count=own)
    return result


def items_given(shift: Shift, item_ids: list[int]) -> dict[int, int]:
    """Active comps of the shift per item of `item_ids` (0 if none)."""
    given = dict.fromkeys(item_ids, 0)
    if given:
        counted = db.session.execute(
            select(Comp.item_id, func.count())
            .where(
                Comp.shift_id == shift.id,
                Comp.status == CompStatus.ACTIVE,
                Comp.item_id.in_(item_ids),
            )
            .group_by(Comp.item_id)
        )
        given.update({item_id: int(n) for item_id, n in counted})
    return given


def override_current(
    actor: Actor,
    store: Store,
    allowance: Money,
    max_comps: int | None,
    now: datetime,
    reason: str | None = None,
) -> ShiftTally:
    """A manager changes the running shift's allowance: more on a busy day, less on a slow one.

    The reason is kept on the shift and in the audit log, so the override
    history says why; the API's older clients may leave it out.
    """
    actor.require(Permission.MANAGE)
    check_allowance_values(store, allowance, max_comps=max_comps)
    why = optional_text(reason or "", field="reason", max_length=REASON_MAX, multiline=True)
    shift = open_current_shift(store, now)
    before = {"allowance": shift.allowance_amount, "max_comps": shift.max_comps}
    shift.allowance_amount = allowance.amount
    shift.max_comps = max_comps
    shift.overridden_at = now
    shift.overridden_by = actor.label
    shift.override_reason = why or None
    audit.record(
        actor,
        OVERRIDDEN,
        "shift",
        shift.id,
        now,
        before=before,
        after={"allowance": allowance.amount, "max_comps": max_comps},
        reason=why or None,
        shift_name=shift.name,
        business_date=shift.business_date.isoformat(),
    )
    db.session.flush()
    return tally(shift)


def override_history(actor: Actor, *, offset: int = 0, limit: int = 20) -> Page[AuditEvent]:
    """Every override ever made, newest first: the shift row keeps only the latest one."""
    actor.require(Permission.MANAGE)
    query = (
        select(AuditEvent)
        .where(AuditEvent.action == OVERRIDDEN)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    return paging.fetch(query, offset=offset, limit=limit)


def check_allowance_values(store: Store, allowance: Money, **caps: int | None) -> None:
    if allowance.currency != store.currency:
        raise InvalidInput(
            _l(
                "The store counts in %(store)s, not %(given)s.",
                store=store.currency,
                given=allowance.currency,
            ),
            field="allowance.currency",
        )
    check_amount(allowance, store.locale, field="allowance.amount")
    for name, cap in caps.items():
        if cap is not None and cap < 1:
            raise InvalidInput(_l("Use at least 1, or no cap."), field=name)
    shift_cap, own_cap = caps.get("max_comps"), caps.get("max_comps_per_staff")
    if shift_cap is not None and own_cap is not None and own_cap > shift_cap:
        raise InvalidInput(
            _l(
                "A barista's own cap (%(own)s) cannot be above the shift's %(shift)s comps; "
                "use %(shift)s or less.",
                own=own_cap,
                shift=shift_cap,
            ),
            field="max_comps_per_staff",
        )


def _planned_shift(store: Store, now: datetime) -> Shift:
    zone, day_starts = store.zone, store.business_day_starts
    business_date = business_date_of(now, zone, day_starts)
    templates = db.session.scalars(
        select(ShiftTemplate).where(
            ShiftTemplate.weekday == business_date.weekday(), ShiftTemplate.active.is_(True)
        )
    ).all()
    windows = [
        (template, *window_in_day(business_date, template.starts, template.ends, zone, day_starts))
        for template in templates
    ]
    for template, start, end in sorted(windows, key=lambda w: w[1]):
        if start <= now < end:
            return Shift(
                template_id=template.id,
                name=template.name,
                business_date=business_date,
                starts_at=start,
                ends_at=end,
                allowance_amount=template.allowance_amount,
                currency=template.currency,
                max_comps=template.max_comps,
                max_comps_per_staff=template.max_comps_per_staff,
            )
    day_start, day_end = business_day_bounds(business_date, zone, day_starts)
    gap_start = max([end for _, _, end in windows if end <= now], default=day_start)
    gap_end = min([start for _, start, _ in windows if start > now], default=day_end)
    return Shift(
        name=UNSCHEDULED,
        business_date=business_date,
        starts_at=gap_start,
        ends_at=gap_end,
        allowance_amount=store.default_allowance_amount,
        currency=store.currency,
        max_comps=store.default_max_comps,
        max_comps_per_staff=store.default_max_comps_per_staff,
    )


def shifts_of_day(actor: Actor, business_date: date) -> list[ShiftTally]:
    """The shifts opened on one business day, in order, each with its tally."""
    actor.require(Permission.READ_COMPS)
    query = select(Shift).where(Shift.business_date == business_date).order_by(Shift.starts_at)
    return [tally(shift) for shift in db.session.scalars(query)]


def first_business_date() -> date | None:
    """The first business day any shift opened on: where the store's history begins."""
    return db.session.scalar(select(func.min(Shift.business_date)))
