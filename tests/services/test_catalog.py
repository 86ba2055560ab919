"""The comp catalog a manager keeps: add, edit, reorder, retire and restore items."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pos_plugin.models import CatalogItem
from pos_plugin.money import Money
from pos_plugin.services import catalog
from pos_plugin.services.catalog import ItemFields
from pos_plugin.services.errors import InvalidInput, PermissionDenied
from pos_plugin.services.store import get_store

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


def add(do, actor, name="Free cookie", value=180, icon="🍪", **extra) -> CatalogItem:
    return do(
        catalog.add_item,
        actor,
        get_store(),
        name=name,
        value=Money(value, "EUR"),
        icon=icon,
        now=NOW,
        **extra,
    )


def test_an_item_keeps_its_suggested_notes_and_whether_it_prints(app_ctx, manager, do):
    item = add(
        do,
        manager,
        suggested_notes=["Happy birthday!", "  ", "Happy birthday!", "Enjoy"],
        prints_note=False,
    )
    assert item.suggested_notes == ["Happy birthday!", "Enjoy"]
    assert item.prints_note is False


@pytest.mark.parametrize(
    "icon",
    [
        "☕",
        "⬆️",
        "👩\u200d🍳",
        "👍🏽",
        "🇬🇧",
        "#️⃣",
        "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    ],
)
def test_an_icon_is_any_one_emoji_with_its_modifiers_joiners_flags_and_keycaps(
    app_ctx, manager, do, icon
):
    assert add(do, manager, icon=icon).icon == icon


@pytest.mark.parametrize("icon", ["Tea", "x", "7", "🍪🍪", "🍪 x", "🇬", "\u20e3"])
def test_an_icon_that_is_text_or_several_emoji_is_refused_in_plain_words(
    app_ctx, manager, do, icon
):
    with pytest.raises(InvalidInput) as refused:
        add(do, manager, icon=icon)
    assert refused.value.field == "icon"
    assert refused.value.detail == catalog.ONE_EMOJI


def test_too_many_or_too_long_suggested_notes_are_refused_naming_the_field(app_ctx, manager, do):
    with pytest.raises(InvalidInput) as refused:
        add(do, manager, suggested_notes=[f"note {n}" for n in range(9)])
    assert refused.value.field == "suggested_notes"
    with pytest.raises(InvalidInput) as refused:
        add(do, manager, suggested_notes=["x" * 281])
    assert refused.value.field == "suggested_notes"


def test_editing_an_item_changes_it_and_audits_only_what_changed(app_ctx, manager, do, audit_log):
    item = add(do, manager)
    edited = do(
        catalog.edit_item,
        manager,
        get_store(),
        item.id,
        ItemFields("Free cookie", Money(200, "EUR"), "🍪", per_shift_limit=3),
        NOW,
    )
    assert (edited.value_amount, edited.per_shift_limit) == (200, 3)
    [event] = audit_log("catalog_item.updated")
    assert event.data == {
        "before": {"value": 180, "per_shift_limit": None},
        "after": {"value": 200, "per_shift_limit": 3},
    }


def test_an_item_cannot_be_renamed_to_another_items_name(app_ctx, manager, do):
    add(do, manager, name="Size upgrade")
    item = add(do, manager)
    with pytest.raises(InvalidInput) as refused:
        do(
            catalog.edit_item,
            manager,
            get_store(),
            item.id,
            ItemFields("Size upgrade", Money(1, "EUR"), "⬆️"),
            NOW,
        )
    assert refused.value.field == "name"


def test_a_retired_item_stays_listed_inactive_and_can_be_restored(app_ctx, manager, do, audit_log):
    item = add(do, manager)
    do(catalog.set_active, manager, item.id, False, NOW)
    [listed] = do(catalog.list_items, manager)
    assert listed.active is False
    do(catalog.set_active, manager, item.id, True, NOW)
    assert [e.action for e in audit_log()][-2:] == [
        "catalog_item.retired",
        "catalog_item.restored",
    ]


def test_a_retired_item_cannot_be_tapped_but_its_comps_remain(
    app_ctx, manager, do, make_barista, tap
):
    item = add(do, manager)
    comp = tap(make_barista(), item.id).comp
    do(catalog.set_active, manager, item.id, False, NOW)
    with pytest.raises(InvalidInput) as refused:
        tap(make_barista(), item.id)
    assert refused.value.field == "item_id"
    assert comp.item_id == item.id


def test_moving_an_item_reorders_the_list(app_ctx, manager, do):
    *_, third = (add(do, manager, name=n) for n in ("A", "B", "C"))
    order = do(catalog.move, manager, third.id, -2, NOW)
    assert [i.name for i in order] == ["C", "A", "B"]
    do(catalog.move, manager, third.id, 10, NOW)
    assert [i.name for i in do(catalog.list_items, manager)] == ["A", "B", "C"]


def test_a_barista_may_not_change_the_catalog(app_ctx, manager, barista, do):
    item = add(do, manager)
    with pytest.raises(PermissionDenied):
        add(do, barista, name="Sneaky")
    with pytest.raises(PermissionDenied):
        do(catalog.set_active, barista, item.id, False, NOW)
    with pytest.raises(PermissionDenied):
        do(catalog.move, barista, item.id, 1, NOW)
    with pytest.raises(PermissionDenied):
        do(
            catalog.edit_item,
            barista,
            get_store(),
            item.id,
            ItemFields("x", Money(1, "EUR"), "x"),
            NOW,
        )


@pytest.mark.parametrize("value", [-1, 1_000_000])
def test_a_value_out_of_range_names_the_range_in_the_stores_money(app_ctx, manager, do, value):
    with pytest.raises(InvalidInput) as refused:
        add(do, manager, value=value)
    assert refused.value.detail == "Use an amount between €0.00 and €9,999.99."
    assert refused.value.field == "value.amount"
