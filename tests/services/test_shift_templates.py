"""The weekly schedule: which shift templates a manager may add.

Windows are wall-clock times inside one business day (which starts at 04:00), in
the store's currency, and never overlap another window on the same weekday.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from pos_plugin.database import write_transaction
from pos_plugin.models import Role, ShiftTemplate
from pos_plugin.money import Money
from pos_plugin.services import schedule
from pos_plugin.services.actors import SYSTEM, Actor
from pos_plugin.services.errors import InvalidInput, PermissionDenied
from pos_plugin.services.store import get_store

TUESDAY = 1
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


def add_template(actor: Actor = SYSTEM, **fields: object) -> ShiftTemplate:
    values: dict[str, object] = {
        "name": "Morning",
        "weekday": TUESDAY,
        "starts": time(8),
        "ends": time(12),
        "allowance": Money(1000, "EUR"),
        "max_comps": None,
        "max_comps_per_staff": None,
        "now": NOW,
    }
    values.update(fields)
    with write_transaction():
        return schedule.add_template(actor, get_store(), **values)  # type: ignore[arg-type]


def test_a_manager_adds_a_template_and_it_is_audited(app_ctx, manager, audit_log):
    template = add_template(manager, name="Brunch", starts=time(9), ends=time(13))
    [event] = audit_log("shift_template.created")
    assert (event.actor, event.entity_id) == ("Manager Mo", str(template.id))
    assert (event.data["starts"], event.data["ends"]) == ("09:00", "13:00")


def test_a_barista_may_not_change_the_schedule(app_ctx):
    with pytest.raises(PermissionDenied):
        add_template(Actor(role=Role.BARISTA, label="Bea"))


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        pytest.param(time(11), time(14), id="overlaps the end"),
        pytest.param(time(6), time(9), id="overlaps the start"),
        pytest.param(time(9), time(10), id="inside"),
        pytest.param(time(7), time(13), id="around"),
    ],
)
def test_templates_on_one_day_may_not_overlap(app_ctx, starts, ends):
    add_template(starts=time(8), ends=time(12))
    with pytest.raises(InvalidInput) as refused:
        add_template(name="Clash", starts=starts, ends=ends)
    assert refused.value.field == "starts"
    assert "Morning" in refused.value.detail


def test_templates_may_touch_and_other_weekdays_are_free(app_ctx, count):
    add_template(starts=time(8), ends=time(12))
    add_template(name="Lunch", starts=time(12), ends=time(16))
    add_template(name="Monday morning", weekday=0, starts=time(8), ends=time(12))
    assert count(ShiftTemplate) == 3


def test_late_templates_across_midnight_are_checked_for_overlap_too(app_ctx):
    add_template(name="Late", starts=time(22), ends=time(2))
    with pytest.raises(InvalidInput) as refused:
        add_template(name="Night", starts=time(1), ends=time(3))
    assert "Late" in refused.value.detail


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        pytest.param(time(3), time(5), id="across the 04:00 day start"),
        pytest.param(time(12), time(8), id="ends before it starts"),
        pytest.param(time(9), time(9), id="empty"),
    ],
)
def test_a_template_must_stay_inside_one_business_day(app_ctx, starts, ends):
    with pytest.raises(InvalidInput) as refused:
        add_template(starts=starts, ends=ends)
    assert refused.value.field == "ends"


def test_a_template_in_a_foreign_currency_is_refused(app_ctx):
    with pytest.raises(InvalidInput) as refused:
        add_template(allowance=Money(1000, "GBP"))
    assert refused.value.field == "allowance.currency"


def test_a_template_with_a_negative_allowance_is_refused_naming_the_field(app_ctx):
    with pytest.raises(InvalidInput) as refused:
        add_template(allowance=Money(-100, "EUR"))
    assert refused.value.field == "allowance.amount"


# -- editing, deactivating, the week -------------------------------------------------------


def fields(**changes: object) -> schedule.TemplateFields:
    values: dict[str, object] = {
        "name": "Morning",
        "weekday": TUESDAY,
        "starts": time(8),
        "ends": time(12),
        "allowance": Money(1000, "EUR"),
        "max_comps": None,
        "max_comps_per_staff": None,
    }
    values.update(changes)
    return schedule.TemplateFields(**values)  # type: ignore[arg-type]


def test_a_manager_edits_a_template_and_only_the_changes_are_audited(
    app_ctx, manager, do, audit_log
):
    template = add_template()
    edited = do(
        schedule.edit_template,
        manager,
        get_store(),
        template.id,
        fields(allowance=Money(2500, "EUR"), max_comps_per_staff=4),
        NOW,
    )
    assert (edited.allowance_amount, edited.max_comps_per_staff) == (2500, 4)
    [event] = audit_log("shift_template.updated")
    assert event.data == {
        "before": {"allowance": 1000, "max_comps_per_staff": None},
        "after": {"allowance": 2500, "max_comps_per_staff": 4},
    }


def test_a_template_may_keep_its_own_window_when_edited_but_not_take_anothers(app_ctx, manager, do):
    morning = add_template()
    add_template(name="Lunch", starts=time(12), ends=time(16))
    do(schedule.edit_template, manager, get_store(), morning.id, fields(ends=time(11)), NOW)
    with pytest.raises(InvalidInput) as refused:
        do(schedule.edit_template, manager, get_store(), morning.id, fields(ends=time(13)), NOW)
    assert (refused.value.field, "Lunch" in refused.value.detail) == ("starts", True)


def test_a_deactivated_template_leaves_the_week_and_frees_its_window(app_ctx, manager, do):
    morning = add_template()
    do(schedule.deactivate_template, manager, morning.id, NOW)
    week = do(schedule.week, manager, get_store())
    assert [len(day) for _, day in week] == [0] * 7
    add_template(name="New morning")  # the window is free again


def test_the_week_lists_each_day_in_the_order_of_the_business_day(app_ctx, manager, do):
    add_template(name="Late", starts=time(22), ends=time(2))
    add_template(name="Early", starts=time(6), ends=time(9))
    add_template(name="Monday", weekday=0)
    week = do(schedule.week, manager, get_store())
    assert week[0][0] == "Monday"
    assert [t.name for t in week[0][1]] == ["Monday"]
    assert [t.name for t in week[TUESDAY][1]] == ["Early", "Late"]


def test_a_barista_may_not_edit_deactivate_or_read_the_schedule(app_ctx, barista, do):
    template = add_template()
    with pytest.raises(PermissionDenied):
        do(schedule.edit_template, barista, get_store(), template.id, fields(), NOW)
    with pytest.raises(PermissionDenied):
        do(schedule.deactivate_template, barista, template.id, NOW)
    with pytest.raises(PermissionDenied):
        do(schedule.week, barista, get_store())


def test_a_per_barista_cap_above_the_shifts_count_is_refused_with_the_cap_to_use(app_ctx):
    with pytest.raises(InvalidInput) as refused:
        add_template(max_comps=5, max_comps_per_staff=8)
    assert refused.value.field == "max_comps_per_staff"
    assert "use 5 or less" in refused.value.detail


def test_a_template_allowance_out_of_range_names_the_range(app_ctx):
    with pytest.raises(InvalidInput) as refused:
        add_template(allowance=Money(1_000_000, "EUR"))
    assert refused.value.detail == "Use an amount between €0.00 and €9,999.99."
