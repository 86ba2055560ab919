"""Shifts: the one running now, opened from the schedule or unscheduled, its tally and overrides.

The default clock is Tuesday 24 November 2026, 10:00 in London (GMT, so UTC = local);
Tuesday is weekday 1. Conftest's store defaults: 1500 EUR cents and 20 comps.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from pos_plugin.database import write_transaction
from pos_plugin.models import Role, Shift, ShiftTemplate
from pos_plugin.money import Money
from pos_plugin.services import shifts
from pos_plugin.services.actors import Actor
from pos_plugin.services.errors import InvalidInput, PermissionDenied
from pos_plugin.services.store import get_store

TUESDAY = 1
SUNDAY = 6


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def override(actor: Actor, amount: int, max_comps: int | None, now: datetime, currency="EUR"):
    with write_transaction():
        return shifts.override_current(actor, get_store(), Money(amount, currency), max_comps, now)


# -- opening the shift that runs now -------------------------------------------------------


def test_the_shift_running_now_opens_from_the_matching_template(make_template, current):
    template = make_template(
        TUESDAY,
        time(8),
        time(12),
        allowance=800,
        max_comps=5,
        max_comps_per_staff=2,
        name="Morning",
    )
    shift = current().shift
    assert shift.template_id == template.id
    assert shift.name == "Morning"
    assert shift.business_date == date(2026, 11, 24)
    assert (shift.starts_at, shift.ends_at) == (utc(2026, 11, 24, 8), utc(2026, 11, 24, 12))
    assert shift.allowance == Money(800, "EUR")
    assert (shift.max_comps, shift.max_comps_per_staff) == (5, 2)


def test_a_second_look_in_the_same_shift_reuses_the_same_shift(make_template, current, count):
    make_template(TUESDAY, time(8), time(12))
    first = current(utc(2026, 11, 24, 8)).shift
    again = current(utc(2026, 11, 24, 11, 59)).shift
    assert again.id == first.id
    assert count(Shift) == 1


def test_the_next_template_opens_a_new_shift_when_the_first_ends(make_template, current):
    make_template(TUESDAY, time(8), time(12), name="Morning")
    make_template(TUESDAY, time(12), time(16), name="Lunch")
    morning = current(utc(2026, 11, 24, 11, 59)).shift
    lunch = current(utc(2026, 11, 24, 12)).shift
    assert (morning.name, lunch.name) == ("Morning", "Lunch")
    assert lunch.id != morning.id


def test_an_unscheduled_shift_fills_exactly_the_gap_between_templates(make_template, current):
    make_template(TUESDAY, time(8), time(12), name="Morning")
    make_template(TUESDAY, time(16), time(20), name="Evening")
    shift = current(utc(2026, 11, 24, 14)).shift
    assert shift.name == shifts.UNSCHEDULED
    assert shift.template_id is None
    assert (shift.starts_at, shift.ends_at) == (utc(2026, 11, 24, 12), utc(2026, 11, 24, 16))
    assert shift.allowance == Money(1500, "EUR")
    assert shift.max_comps == 20


def test_unscheduled_shifts_run_from_the_day_start_and_to_the_day_end(make_template, current):
    make_template(TUESDAY, time(8), time(12))
    early = current(utc(2026, 11, 24, 5)).shift
    late = current(utc(2026, 11, 24, 21)).shift
    assert (early.starts_at, early.ends_at) == (utc(2026, 11, 24, 4), utc(2026, 11, 24, 8))
    assert (late.starts_at, late.ends_at) == (utc(2026, 11, 24, 12), utc(2026, 11, 25, 4))


def test_a_day_with_no_templates_is_one_unscheduled_shift_with_the_store_default(
    make_template, current
):
    make_template(0, time(8), time(12))  # Monday's schedule does not apply on a Tuesday
    tally = current()
    assert (tally.shift.starts_at, tally.shift.ends_at) == (
        utc(2026, 11, 24, 4),
        utc(2026, 11, 25, 4),
    )
    assert tally.shift.allowance == Money(1500, "EUR")
    assert tally.remaining == Money(1500, "EUR")
    assert tally.remaining_comps == 20


def test_a_late_shift_after_midnight_belongs_to_the_day_it_started(make_template, current):
    make_template(TUESDAY, time(22), time(2), name="Late")
    shift = current(utc(2026, 11, 25, 1, 30)).shift  # Wednesday 01:30
    assert shift.name == "Late"
    assert shift.business_date == date(2026, 11, 24)
    assert shift.ends_at == utc(2026, 11, 25, 2)


def test_a_template_keeps_its_wall_clock_times_when_the_clocks_go_forward(make_template, current):
    make_template(SUNDAY, time(8), time(12), name="Sunday morning")
    shift = current(utc(2026, 3, 29, 7, 30)).shift  # 08:30 BST
    assert shift.name == "Sunday morning"
    assert (shift.starts_at, shift.ends_at) == (utc(2026, 3, 29, 7), utc(2026, 3, 29, 11))


def test_a_template_keeps_its_wall_clock_times_when_the_clocks_go_back(make_template, current):
    make_template(SUNDAY, time(8), time(12), name="Sunday morning")
    make_template(5, time(20), time(2), name="Saturday late")
    late = current(utc(2026, 10, 25, 1, 30)).shift  # 01:30 GMT, the second time round
    morning = current(utc(2026, 10, 25, 8)).shift
    assert (late.starts_at, late.ends_at) == (utc(2026, 10, 24, 19), utc(2026, 10, 25, 2))
    assert (morning.starts_at, morning.ends_at) == (utc(2026, 10, 25, 8), utc(2026, 10, 25, 12))


# -- a shift already open keeps what it was given ------------------------------------------


def test_editing_a_template_does_not_change_the_shift_already_open(app_ctx, make_template, current):
    template = make_template(TUESDAY, time(8), time(12), allowance=800, max_comps=5)
    opened = current().shift
    with write_transaction() as session:
        edited = session.get_one(ShiftTemplate, template.id)
        edited.allowance_amount, edited.max_comps = 200, 1
    tally = current()
    assert tally.shift.id == opened.id
    assert (tally.shift.allowance, tally.shift.max_comps) == (Money(800, "EUR"), 5)


def test_adding_a_template_does_not_change_the_shift_already_open(make_template, current):
    opened = current().shift  # unscheduled, the whole day
    make_template(TUESDAY, time(12), time(16), allowance=300, name="Lunch")
    later = current(utc(2026, 11, 24, 13)).shift
    assert later.id == opened.id
    assert later.allowance == Money(1500, "EUR")


def test_after_a_template_is_lengthened_the_shift_found_is_one_running_now(
    app_ctx, make_template, current
):
    template = make_template(TUESDAY, time(8), time(12), name="Morning")
    morning = current(utc(2026, 11, 24, 9)).shift
    with write_transaction() as session:
        session.get_one(ShiftTemplate, template.id).ends = time(14)  # a busy day
    at_one = utc(2026, 11, 24, 13)
    shift = current(at_one).shift
    assert shift.starts_at <= at_one < shift.ends_at
    assert shift.id != morning.id


# -- a manager's override --------------------------------------------------------------------


def test_a_manager_override_changes_the_running_shift_and_is_audited(
    app_ctx, manager, make_template, current, audit_log
):
    make_template(TUESDAY, time(8), time(12), allowance=800, max_comps=5)
    at = utc(2026, 11, 24, 10, 5)
    tally = override(manager, 2500, None, at)
    assert tally.shift.allowance == Money(2500, "EUR")
    assert tally.remaining == Money(2500, "EUR")
    assert tally.remaining_comps is None
    assert (tally.shift.overridden_by, tally.shift.overridden_at) == ("Manager Mo", at)
    assert current().shift.allowance == Money(2500, "EUR")
    [event] = audit_log("shift.overridden")
    assert (event.actor, event.entity_id, event.at) == ("Manager Mo", str(tally.shift.id), at)
    assert event.data["before"] == {"allowance": 800, "max_comps": 5}
    assert event.data["after"] == {"allowance": 2500, "max_comps": None}


@pytest.mark.parametrize("role", [Role.BARISTA, Role.TILL])
def test_baristas_and_tills_may_not_override_the_allowance(app_ctx, current, audit_log, role):
    with pytest.raises(PermissionDenied):
        override(Actor(role=role, label="someone"), 9999, None, utc(2026, 11, 24, 10))
    assert current().shift.allowance == Money(1500, "EUR")
    assert audit_log("shift.overridden") == []


@pytest.mark.parametrize(
    ("amount", "currency", "max_comps", "field"),
    [
        pytest.param(1000, "GBP", 5, "allowance.currency", id="foreign currency"),
        pytest.param(-1, "EUR", 5, "allowance.amount", id="negative allowance"),
        pytest.param(1000, "EUR", 0, "max_comps", id="zero comps"),
    ],
)
def test_an_override_that_makes_no_sense_is_refused_naming_the_field(
    app_ctx, manager, amount, currency, max_comps, field
):
    with pytest.raises(InvalidInput) as refused:
        override(manager, amount, max_comps, utc(2026, 11, 24, 10), currency=currency)
    assert refused.value.field == field


# -- the tally -----------------------------------------------------------------------------


def test_the_tally_counts_only_comps_not_voided(make_item, make_barista, tap, void, current):
    barista = make_barista()
    cookie, cream = make_item(value=300), make_item(value=50)
    tap(barista, cookie.id)
    mistake = tap(barista, cream.id).comp
    void(barista, mistake.id)
    tally = current()
    assert (tally.used, tally.comps_count) == (Money(300, "EUR"), 1)
    assert (tally.remaining, tally.remaining_comps) == (Money(1200, "EUR"), 19)


def test_the_remaining_allowance_never_shows_below_zero(
    app_ctx, manager, make_item, make_barista, tap
):
    tap(make_barista(), make_item(value=1000).id)
    tally = override(manager, 600, 1, utc(2026, 11, 24, 10, 1))
    assert (tally.remaining, tally.remaining_comps) == (Money(0, "EUR"), 0)
    assert tally.used == Money(1000, "EUR")


def test_an_override_keeps_its_reason_on_the_shift_and_in_the_history(
    app_ctx, manager, make_template, do
):
    make_template(TUESDAY, time(8), time(12), allowance=800)
    at = utc(2026, 11, 24, 10, 5)
    with write_transaction():
        tally = shifts.override_current(
            manager, get_store(), Money(2000, "EUR"), None, at, "Coach party of 40"
        )
        shifts.override_current(
            manager, get_store(), Money(1200, "EUR"), 9, utc(2026, 11, 24, 11), "They left"
        )
    assert tally.shift.override_reason == "They left"
    history = do(shifts.override_history, manager)
    assert [e.data["reason"] for e in history.items] == ["They left", "Coach party of 40"]
    assert history.items[1].data["before"]["allowance"] == 800
    assert history.items[0].data["shift_name"] == "Morning"


def test_an_override_reason_is_held_to_the_text_rules(app_ctx, manager):
    with pytest.raises(InvalidInput) as refused, write_transaction():
        shifts.override_current(
            manager, get_store(), Money(2000, "EUR"), None, utc(2026, 11, 24, 10), "x" * 281
        )
    assert refused.value.field == "reason"


def test_only_a_manager_reads_the_override_history(app_ctx, barista, do):
    with pytest.raises(PermissionDenied):
        do(shifts.override_history, barista)


def test_an_override_out_of_range_names_the_range_in_the_stores_money(manager, do, clock):
    with pytest.raises(InvalidInput) as refused:
        do(shifts.override_current, manager, get_store(), Money(1_000_000, "EUR"), None, clock.now)
    assert refused.value.detail == "Use an amount between €0.00 and €9,999.99."
    assert refused.value.field == "allowance.amount"
