"""The clock check: the store's time zone is known and the computer's clock is plausible.

A till PC whose clock battery went flat wakes up in 1970 or 2000, or a clock
set by hand goes back an hour: comps then land on the wrong business day, so a
clock before the newest recorded comp is a failure.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from pos_plugin.checks.result import Finding, check, fail, ok
from pos_plugin.database import db
from pos_plugin.models import Comp
from pos_plugin.settings import Settings

# This version was written in 2026: a clock before it is certainly wrong.
EARLIEST_PLAUSIBLE = datetime(2026, 1, 1, tzinfo=UTC)
# Clocks are nudged by a few seconds when they synchronise; that is not going back.
SLACK = timedelta(minutes=5)
SHOWN = "%Y-%m-%d %H:%M"
FIX = _l("Set the date and time (and have the clock battery checked), then restart the server.")


@check("clock")
def clock(settings: Settings, now: datetime) -> Finding:
    name = settings.store.timezone
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fail(
            _l(
                "The store's time zone %(zone)s is not known on this computer. Check "
                "[store] timezone, or install the tzdata package.",
                zone=name,
            )
        )
    local = now.astimezone(zone).strftime(SHOWN)
    newest = db.session.scalar(select(func.max(Comp.created_at)))
    if now < EARLIEST_PLAUSIBLE:
        return fail(
            _l(
                "The computer's clock says %(local)s (%(zone)s), before this version was even "
                "written: the clock is wrong. %(fix)s",
                local=local,
                zone=name,
                fix=FIX,
            )
        )
    if newest is not None and now < newest - SLACK:
        return fail(
            _l(
                "The computer's clock says %(local)s (%(zone)s), before the newest comp "
                "(%(newest)s): the clock went back. %(fix)s",
                local=local,
                zone=name,
                newest=newest.astimezone(zone).strftime(SHOWN),
                fix=FIX,
            )
        )
    return ok(_l("It is %(local)s in %(zone)s, the store's time.", local=local, zone=name))
