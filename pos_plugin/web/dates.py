"""Dates and times as a person in the store reads them: Babel's patterns for the store's
locale, in the store's time zone (Flask-Babel's timezone selector, `i18n.py`).

Templates call these (`when`, `clock`, `day`, `short_day`, `stamp`); no page formats a date itself.
"""

from __future__ import annotations

from datetime import date, datetime, time

from babel import dates
from flask_babel import format_datetime, get_locale, to_user_timezone


def clock(moment: datetime | time | None, *, seconds: bool = False) -> str:
    """A time of day ("15:02", "3:02 pm"), a stored moment first put in the store's zone."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = to_user_timezone(moment).timetz()
    return dates.format_time(moment, "medium" if seconds else "short", locale=get_locale())


def day(value: date | str | None) -> str:
    """A date ("Mon, 7 Dec 2026", "Mo., 7. Dez. 2026"); a moment's in the store's zone; an
    ISO date as the audit log keeps it ("2026-12-07")."""
    if not value:
        return ""
    if isinstance(value, datetime):
        shown: date = to_user_timezone(value).date()
    else:
        shown = date.fromisoformat(value) if isinstance(value, str) else value
    return dates.format_skeleton("yMMMEd", shown, locale=get_locale())


def when(moment: datetime | None) -> str:
    """A recent moment, weekday, day and time ("Mon 7 Dec, 15:02")."""
    if moment is None:
        return ""
    local = to_user_timezone(moment)
    locale = get_locale()
    shown_day = dates.format_skeleton("MMMEd", local, locale=locale)
    shown_time = dates.format_time(local.timetz(), "short", locale=locale)
    # The locale's own way of joining a date and a time ("{1}, {0}"; {1} is the date).
    joined = str(dates.get_datetime_format("medium", locale=locale))
    return joined.replace("{1}", shown_day).replace("{0}", shown_time)


def stamp(moment: datetime | None) -> str:
    """A moment in full, to the second (the audit log's)."""
    return format_datetime(moment, "medium") if moment is not None else ""


def short_day(value: date) -> str:
    """A day on a chart's axis or a report's row ("Mon 7 Dec")."""
    return dates.format_skeleton("MMMEd", value, locale=get_locale())
