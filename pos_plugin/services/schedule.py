"""The weekly schedule: shift templates per weekday and window, and the week they make.

A template is a wall-clock window inside one business day, with a value cap and
optional count caps. Windows on one weekday never overlap. Editing or
deactivating a template changes shifts opened from now on; a shift already
running keeps the allowance it copied when it opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from babel.dates import format_time
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pos_plugin.database import db
from pos_plugin.models import ShiftTemplate, Store
from pos_plugin.money import Money
from pos_plugin.services import audit
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.business_day import fits_in_business_day, window_in_day
from pos_plugin.services.errors import InvalidInput, NotFound
from pos_plugin.services.shifts import check_allowance_values
from pos_plugin.services.text_input import required_text

NAME_MAX = 40
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class TemplateFields:
    """What a manager sets on a template, whether adding or editing it."""

    name: str
    weekday: int
    starts: time
    ends: time
    allowance: Money
    max_comps: int | None = None
    max_comps_per_staff: int | None = None


def add_template(
    actor: Actor,
    store: Store,
    *,
    name: str,
    weekday: int,
    starts: time,
    ends: time,
    allowance: Money,
    max_comps: int | None,
    max_comps_per_staff: int | None,
    now: datetime,
) -> ShiftTemplate:
    """Add one weekday window to the schedule; windows on a day may not overlap."""
    actor.require(Permission.MANAGE)
    fields = _checked(
        store,
        TemplateFields(name, weekday, starts, ends, allowance, max_comps, max_comps_per_staff),
        editing=None,
    )
    template = ShiftTemplate(active=True)
    _apply(template, fields)
    db.session.add(template)
    db.session.flush()
    audit.record(
        actor, "shift_template.created", "shift_template", template.id, now, **_described(template)
    )
    return template


def edit_template(
    actor: Actor, store: Store, template_id: int, fields: TemplateFields, now: datetime
) -> ShiftTemplate:
    actor.require(Permission.MANAGE)
    template = _get(template_id)
    if not template.active:
        raise InvalidInput(_l("This shift was taken off the schedule; add it again instead."))
    checked = _checked(store, fields, editing=template.id)
    before = _described(template)
    _apply(template, checked)
    audit.record_changes(
        actor,
        "shift_template.updated",
        "shift_template",
        template.id,
        now,
        before,
        _described(template),
    )
    db.session.flush()
    return template


def deactivate_template(actor: Actor, template_id: int, now: datetime) -> ShiftTemplate:
    """Take a window off the schedule; shifts it opened stay in the history."""
    actor.require(Permission.MANAGE)
    template = _get(template_id)
    if template.active:
        template.active = False
        audit.record(
            actor,
            "shift_template.deactivated",
            "shift_template",
            template.id,
            now,
            name=template.name,
            weekday=template.weekday,
        )
        db.session.flush()
    return template


def get_template(actor: Actor, template_id: int) -> ShiftTemplate:
    actor.require(Permission.MANAGE)
    return _get(template_id)


def week(actor: Actor, store: Store) -> list[tuple[str, list[ShiftTemplate]]]:
    """Each weekday, Monday first, with its active windows in the order of the business day."""
    actor.require(Permission.MANAGE)
    templates = db.session.scalars(select(ShiftTemplate).where(ShiftTemplate.active)).all()
    days: list[tuple[str, list[ShiftTemplate]]] = []
    for weekday, label in enumerate(WEEKDAYS):
        of_day = [t for t in templates if t.weekday == weekday]
        of_day.sort(key=lambda t: _window(store, t.starts, t.ends)[0])
        days.append((label, of_day))
    return days


def _get(template_id: int) -> ShiftTemplate:
    template = db.session.get(ShiftTemplate, template_id)
    if template is None:
        raise NotFound(_l("No shift template %(id)s.", id=template_id))
    return template


def _window(store: Store, starts: time, ends: time) -> tuple[datetime, datetime]:
    probe = date(2001, 1, 1)  # any date: overlap is about wall-clock order only
    return window_in_day(probe, starts, ends, store.zone, store.business_day_starts)


def _checked(store: Store, fields: TemplateFields, *, editing: int | None) -> TemplateFields:
    name = required_text(
        fields.name, field="name", max_length=NAME_MAX, empty=_l("Name the shift, e.g. Morning.")
    )
    if not 0 <= fields.weekday <= 6:
        raise InvalidInput(_l("Use 0 (Monday) to 6 (Sunday)."), field="weekday")
    starts, ends = fields.starts, fields.ends
    if not fits_in_business_day(starts, ends, store.business_day_starts):
        raise InvalidInput(
            _l(
                "%(starts)s to %(ends)s must end after it starts and stay inside one "
                "business day (which starts at %(day_starts)s).",
                starts=format_time(starts, "short", locale=store.locale),
                ends=format_time(ends, "short", locale=store.locale),
                day_starts=format_time(store.business_day_starts, "short", locale=store.locale),
            ),
            field="ends",
        )
    check_allowance_values(
        store,
        fields.allowance,
        max_comps=fields.max_comps,
        max_comps_per_staff=fields.max_comps_per_staff,
    )
    new_start, new_end = _window(store, starts, ends)
    others = select(ShiftTemplate).where(
        ShiftTemplate.weekday == fields.weekday, ShiftTemplate.active
    )
    if editing is not None:
        others = others.where(ShiftTemplate.id != editing)
    for other in db.session.scalars(others):
        start, end = _window(store, other.starts, other.ends)
        if new_start < end and start < new_end:
            raise InvalidInput(
                _l("Overlaps the '%(name)s' shift.", name=other.name), field="starts"
            )
    return TemplateFields(
        name,
        fields.weekday,
        starts,
        ends,
        fields.allowance,
        fields.max_comps,
        fields.max_comps_per_staff,
    )


def _apply(template: ShiftTemplate, fields: TemplateFields) -> None:
    template.name = fields.name
    template.weekday = fields.weekday
    template.starts = fields.starts
    template.ends = fields.ends
    template.allowance_amount = fields.allowance.amount
    template.currency = fields.allowance.currency
    template.max_comps = fields.max_comps
    template.max_comps_per_staff = fields.max_comps_per_staff


def _described(template: ShiftTemplate) -> dict[str, object]:
    return {
        "name": template.name,
        "weekday": template.weekday,
        "starts": f"{template.starts:%H:%M}",
        "ends": f"{template.ends:%H:%M}",
        "allowance": template.allowance_amount,
        "max_comps": template.max_comps,
        "max_comps_per_staff": template.max_comps_per_staff,
    }
