"""The manager's reports: the last 7 or 30 business days, grouped, with a formula-safe CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta

import pytest

from pos_plugin.money import Money
from pos_plugin.services import live, reports, shifts
from pos_plugin.services.errors import InvalidInput, NotFound, PermissionDenied
from pos_plugin.services.store import get_store

# Tuesday 24 November 2026, 10:00 in London (GMT).
NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


@pytest.fixture
def history(make_item, make_barista, make_template, tap, void):
    """Comps on three business days; one given at 01:30 belongs to the day before."""
    make_template(1, time(8), time(12), name="Morning")
    cookie = make_item(180, name="=cookie()")
    cream = make_item(50, name="Extra cream")
    ana, ben = make_barista("Ana"), make_barista("Ben")
    tap(ana, cookie.id, now=NOW)
    tap(ben, cream.id, now=NOW)
    voided = tap(ben, cookie.id, now=NOW).comp
    void(ben, voided.id, now=NOW + timedelta(seconds=10))
    tap(ana, cream.id, now=NOW - timedelta(days=2))
    tap(ana, cookie.id, now=datetime(2026, 11, 24, 1, 30, tzinfo=UTC))  # Monday's business day
    return cookie, cream


def run(do, manager, name, days=7):
    return do(reports.report, manager, get_store(), name, days, NOW)


def test_by_day_has_every_day_of_the_period_and_business_dates_decide(
    app_ctx, manager, do, history
):
    report = run(do, manager, "day")
    assert len(report.rows) == 7
    assert [r.label for r in report.rows][-3:] == ["2026-11-22", "2026-11-23", "2026-11-24"]
    assert [(r.comps, r.value, r.voids) for r in report.rows][-3:] == [
        (1, 50, 0),
        (1, 180, 0),
        (2, 230, 1),
    ]
    assert report.total_value == 460


def test_by_item_barista_and_shift_sum_to_the_same_total(app_ctx, manager, do, history):
    totals = {name: run(do, manager, name).total_value for name in ("item", "barista", "shift")}
    assert set(totals.values()) == {460}
    by_barista = {r.label: (r.comps, r.value, r.voids) for r in run(do, manager, "barista").rows}
    assert by_barista == {"Ana": (3, 410, 0), "Ben": (1, 50, 1)}
    assert {r.label for r in run(do, manager, "shift").rows} == {"Morning", "Unscheduled"}


def test_comps_older_than_the_period_are_left_out(
    app_ctx, manager, do, make_item, make_barista, tap
):
    item = make_item(100)
    tap(make_barista(), item.id, now=NOW - timedelta(days=7))
    assert run(do, manager, "day").total_value == 0
    assert run(do, manager, "day", days=30).total_value == 100


def test_the_csv_has_the_reports_numbers_and_no_formula_cells(app_ctx, manager, do, history):
    report = run(do, manager, "item")
    rows = list(csv.reader(io.StringIO(report.csv().decode())))
    assert rows[0] == ["item", "currency", "comps (count)", "value (EUR)", "voids (count)"]
    assert ["'=cookie()", "EUR", "2", "3.60", "1"] in rows
    assert report.filename == "comps-by-item_2026-11-18_2026-11-24.csv"


def test_a_breakdown_report_counts_only_playbook_comps(app_ctx, manager, do, history):
    assert run(do, manager, "breakdown").rows == []


def test_unknown_reports_and_periods_are_refused(app_ctx, manager, do):
    with pytest.raises(NotFound):
        run(do, manager, "weather")
    with pytest.raises(InvalidInput) as refused:
        run(do, manager, "day", days=9)
    assert refused.value.field == "days"


def test_a_barista_sees_no_reports_and_no_live_view(app_ctx, barista, do):
    with pytest.raises(PermissionDenied):
        run(do, barista, "day")
    with pytest.raises(PermissionDenied):
        do(live.today, barista, get_store(), NOW)


def test_live_today_shows_the_running_shift_and_todays_comps(app_ctx, manager, do, history):
    do(shifts.override_current, manager, get_store(), Money(2000, "EUR"), None, NOW, "busy")
    today = do(live.today, manager, get_store(), NOW)
    assert today.shift.shift.name == "Morning"
    assert (today.shift.used, today.shift.remaining) == (Money(230, "EUR"), Money(1770, "EUR"))
    assert (today.comps, today.value) == (2, Money(230, "EUR"))
    assert {(c.label, c.comps) for c in today.by_item} == {("=cookie()", 1), ("Extra cream", 1)}
    assert {c.label for c in today.by_barista} == {"Ana", "Ben"}
    assert [s.override_reason for s in today.overrides] == ["busy"]
    [(voided, by)] = today.voids
    assert (voided.void_reason, by) == ("Tapped the wrong item", "Ben")
