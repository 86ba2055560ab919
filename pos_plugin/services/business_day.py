"""Business dates: a comp at 01:30 belongs to yesterday when the day starts at 04:00.

Every conversion goes through the store's IANA zone, so DST change days have
23 or 25 hours and a shift keeps its wall-clock times.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def business_date_of(instant: datetime, zone: ZoneInfo, day_starts: time) -> date:
    local = instant.astimezone(zone)
    if local.time() < day_starts:
        return local.date() - timedelta(days=1)
    return local.date()


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _calendar_day(business_date: date, at: time, day_starts: time) -> date:
    """Wall-clock times before the day start belong to the next calendar day."""
    return business_date + timedelta(days=1) if at < day_starts else business_date


def business_day_bounds(
    business_date: date, zone: ZoneInfo, day_starts: time
) -> tuple[datetime, datetime]:
    start = local_to_utc(business_date, day_starts, zone)
    end = local_to_utc(business_date + timedelta(days=1), day_starts, zone)
    return start, end


def window_in_day(
    business_date: date, starts: time, ends: time, zone: ZoneInfo, day_starts: time
) -> tuple[datetime, datetime]:
    """The UTC instants of a local [starts, ends) window inside one business day."""
    start = local_to_utc(_calendar_day(business_date, starts, day_starts), starts, zone)
    end_day = _calendar_day(business_date, ends, day_starts)
    if ends == day_starts:
        end_day = business_date + timedelta(days=1)
    return start, local_to_utc(end_day, ends, zone)


def fits_in_business_day(starts: time, ends: time, day_starts: time) -> bool:
    """True when [starts, ends) lies inside one business day, in wall-clock order."""

    def minutes_into_day(at: time) -> int:
        minutes = at.hour * 60 + at.minute - (day_starts.hour * 60 + day_starts.minute)
        return minutes % (24 * 60)

    end = minutes_into_day(ends) or 24 * 60
    return minutes_into_day(starts) < end
