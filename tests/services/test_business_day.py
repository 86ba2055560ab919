"""Business dates and shift windows in the store's zone: pure functions, no app needed.

Europe/London changes clocks at 01:00 UTC: on 2026-03-29 (01:00 GMT -> 02:00 BST)
and on 2026-10-25 (02:00 BST -> 01:00 GMT). With the business day starting at
04:00 both changes fall in the night of the business day that began the day
before, so that is the business day with 23 or 25 hours.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from pos_plugin.services.business_day import (
    business_date_of,
    business_day_bounds,
    fits_in_business_day,
    window_in_day,
)

LONDON = ZoneInfo("Europe/London")
FOUR = time(4, 0)
MIDNIGHT = time(0, 0)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def hours(bounds: tuple[datetime, datetime]) -> float:
    start, end = bounds
    return (end - start) / timedelta(hours=1)


# -- which business date a moment belongs to ----------------------------------------------


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        pytest.param(utc(2026, 11, 24, 23, 59), date(2026, 11, 24), id="late evening"),
        pytest.param(utc(2026, 11, 25, 0, 0), date(2026, 11, 24), id="midnight"),
        pytest.param(utc(2026, 11, 25, 1, 30), date(2026, 11, 24), id="01:30 after midnight"),
        pytest.param(utc(2026, 11, 25, 3, 59, 59), date(2026, 11, 24), id="a second before 04:00"),
        pytest.param(utc(2026, 11, 25, 4, 0), date(2026, 11, 25), id="04:00 exactly"),
        pytest.param(utc(2026, 11, 25, 9, 0), date(2026, 11, 25), id="morning"),
    ],
)
def test_a_comp_after_midnight_belongs_to_the_business_day_until_four(instant, expected):
    assert business_date_of(instant, LONDON, FOUR) == expected


def test_business_date_follows_local_time_not_utc_in_summer():
    # 00:30 UTC on 2 July is 01:30 BST: still the business day of 1 July.
    assert business_date_of(utc(2026, 7, 2, 0, 30), LONDON, FOUR) == date(2026, 7, 1)
    # 03:00 UTC is 04:00 BST: the new business day has begun, an hour "early" in UTC.
    assert business_date_of(utc(2026, 7, 2, 3, 0), LONDON, FOUR) == date(2026, 7, 2)
    assert business_date_of(utc(2026, 7, 2, 2, 59), LONDON, FOUR) == date(2026, 7, 1)


def test_a_midnight_day_start_makes_business_dates_calendar_dates():
    assert business_date_of(utc(2026, 7, 1, 22, 59), LONDON, MIDNIGHT) == date(2026, 7, 1)
    assert business_date_of(utc(2026, 7, 1, 23, 0), LONDON, MIDNIGHT) == date(2026, 7, 2)


def test_the_business_date_of_a_moment_in_the_doubled_hour_of_autumn_is_the_night_before():
    # 00:30 and 01:30 UTC on 25 October are both 01:30 local (BST, then GMT).
    assert business_date_of(utc(2026, 10, 25, 0, 30), LONDON, FOUR) == date(2026, 10, 24)
    assert business_date_of(utc(2026, 10, 25, 1, 30), LONDON, FOUR) == date(2026, 10, 24)


# -- how long a business day is -------------------------------------------------------------


def test_an_ordinary_business_day_runs_from_four_to_four_local():
    assert business_day_bounds(date(2026, 11, 24), LONDON, FOUR) == (
        utc(2026, 11, 24, 4),
        utc(2026, 11, 25, 4),
    )
    assert business_day_bounds(date(2026, 7, 1), LONDON, FOUR) == (
        utc(2026, 7, 1, 3),
        utc(2026, 7, 2, 3),
    )


def test_the_business_day_holding_the_spring_change_has_23_hours():
    start, end = business_day_bounds(date(2026, 3, 28), LONDON, FOUR)
    assert (start, end) == (utc(2026, 3, 28, 4), utc(2026, 3, 29, 3))
    assert hours((start, end)) == 23
    # Sunday 29 March itself starts after the change: a full 24 hours of BST.
    assert hours(business_day_bounds(date(2026, 3, 29), LONDON, FOUR)) == 24


def test_the_business_day_holding_the_autumn_change_has_25_hours():
    start, end = business_day_bounds(date(2026, 10, 24), LONDON, FOUR)
    assert (start, end) == (utc(2026, 10, 24, 3), utc(2026, 10, 25, 4))
    assert hours((start, end)) == 25
    assert hours(business_day_bounds(date(2026, 10, 25), LONDON, FOUR)) == 24


@pytest.mark.parametrize(
    ("day", "expected_hours"), [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25)]
)
def test_with_a_midnight_start_the_change_day_itself_is_short_or_long(day, expected_hours):
    assert hours(business_day_bounds(day, LONDON, MIDNIGHT)) == expected_hours


def test_consecutive_business_days_meet_without_gap_or_overlap_across_a_change():
    for first in (date(2026, 3, 27), date(2026, 10, 23)):
        days = [first + timedelta(days=n) for n in range(4)]
        bounds = [business_day_bounds(d, LONDON, FOUR) for d in days]
        for (_, end), (next_start, _) in pairwise(bounds):
            assert end == next_start


# -- a shift template's window on a given business date -----------------------------------


def test_a_morning_window_keeps_its_wall_clock_times_on_the_spring_change_day():
    assert window_in_day(date(2026, 3, 28), time(8), time(12), LONDON, FOUR) == (
        utc(2026, 3, 28, 8),
        utc(2026, 3, 28, 12),
    )
    assert window_in_day(date(2026, 3, 29), time(8), time(12), LONDON, FOUR) == (
        utc(2026, 3, 29, 7),
        utc(2026, 3, 29, 11),
    )


def test_a_morning_window_keeps_its_wall_clock_times_on_the_autumn_change_day():
    assert window_in_day(date(2026, 10, 24), time(8), time(12), LONDON, FOUR) == (
        utc(2026, 10, 24, 7),
        utc(2026, 10, 24, 11),
    )
    assert window_in_day(date(2026, 10, 25), time(8), time(12), LONDON, FOUR) == (
        utc(2026, 10, 25, 8),
        utc(2026, 10, 25, 12),
    )


def test_a_late_window_ends_on_the_next_calendar_day():
    assert window_in_day(date(2026, 11, 24), time(22), time(2), LONDON, FOUR) == (
        utc(2026, 11, 24, 22),
        utc(2026, 11, 25, 2),
    )


def test_a_late_window_across_the_spring_change_is_an_hour_shorter():
    window = window_in_day(date(2026, 3, 28), time(22), time(3), LONDON, FOUR)
    assert window == (utc(2026, 3, 28, 22), utc(2026, 3, 29, 2))
    assert hours(window) == 4


def test_a_late_window_across_the_autumn_change_is_an_hour_longer():
    window = window_in_day(date(2026, 10, 24), time(22), time(3), LONDON, FOUR)
    assert window == (utc(2026, 10, 24, 21), utc(2026, 10, 25, 3))
    assert hours(window) == 6


def test_a_window_may_end_at_midnight_or_at_the_day_start():
    day = date(2026, 11, 24)
    assert window_in_day(day, time(20), MIDNIGHT, LONDON, FOUR)[1] == utc(2026, 11, 25, 0)
    assert window_in_day(day, time(20), FOUR, LONDON, FOUR)[1] == utc(2026, 11, 25, 4)


def test_a_window_from_day_start_to_day_start_is_the_whole_business_day():
    for day in (date(2026, 11, 24), date(2026, 3, 28), date(2026, 10, 24)):
        assert window_in_day(day, FOUR, FOUR, LONDON, FOUR) == business_day_bounds(
            day, LONDON, FOUR
        )


# -- which windows a template may have ------------------------------------------------------


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        pytest.param(time(8), time(12), id="morning"),
        pytest.param(time(22), time(2), id="across midnight"),
        pytest.param(time(20), MIDNIGHT, id="ends at midnight"),
        pytest.param(time(18), FOUR, id="ends at the day start"),
        pytest.param(FOUR, time(9), id="starts at the day start"),
        pytest.param(FOUR, FOUR, id="the whole day"),
    ],
)
def test_windows_inside_one_business_day_fit(starts, ends):
    assert fits_in_business_day(starts, ends, FOUR)


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        pytest.param(time(3), time(5), id="across the day start"),
        pytest.param(time(12), time(8), id="ends before it starts"),
        pytest.param(time(2), time(1), id="ends before it starts, after midnight"),
        pytest.param(time(10), time(10), id="empty"),
    ],
)
def test_windows_that_cross_the_day_start_or_run_backwards_do_not_fit(starts, ends):
    assert not fits_in_business_day(starts, ends, FOUR)
