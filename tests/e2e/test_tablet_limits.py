"""Each limit blocks the tiles it should and is named on the tile and in the dialog.

Screenshots go to tests/artifacts/e2e/ as limits-*.png.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pos_plugin.money import Money
from pos_plugin.services import catalog, shifts
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.store import get_store

expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def limits_shot(shot):
    """`limits_shot(page, "money")`: tests/artifacts/e2e/limits-money.png."""
    return lambda page, name: shot(page, f"limits-{name}")


@pytest.fixture
def counter(live, cafe):
    """The cafe with a free stamp and a birthday treat given at most once a shift."""

    def seed() -> dict[str, int]:
        now = datetime.now(UTC)
        store = get_store()
        stamp = catalog.add_item(
            SYSTEM, store, name="Extra stamp", value=Money(0, "GBP"), icon="⭐", now=now
        )
        treat = catalog.add_item(
            SYSTEM,
            store,
            name="Birthday treat",
            value=Money(350, "GBP"),
            icon="🎂",
            per_shift_limit=1,
            now=now,
        )
        return {**cafe["items"], "Extra stamp": stamp.id, "Birthday treat": treat.id}

    return live.run(seed)


def shift_caps(live, pence: int, max_comps: int | None = None, per_staff: int | None = None):
    def change() -> None:
        now = datetime.now(UTC)
        shifts.override_current(SYSTEM, get_store(), Money(pence, "GBP"), max_comps, now)
        shifts.open_current_shift(get_store(), now).max_comps_per_staff = per_staff

    live.run(change)


def tile(page, item_id):
    return page.locator(f'[data-give="{item_id}"]')


def give(page, item_id, meter_after: str) -> None:
    tile(page, item_id).click()
    expect(page.locator("#meter-value")).to_have_text(meter_after)


def dialog_for(page, item_id):
    """Tap a blocked tile: the manager's dialog opens and says why."""
    tile(page, item_id).click()
    dialog = page.locator("#approve")
    expect(dialog).to_be_visible()
    return dialog


def test_the_money_left_blocks_only_the_items_worth_more(
    live, counter, new_page, sign_in, limits_shot
):
    shift_caps(live, 200)
    page = new_page()
    sign_in(page, "Ana", "1111")
    give(page, counter["Free cookie"], "£0.20")
    cookie, stamp = tile(page, counter["Free cookie"]), tile(page, counter["Extra stamp"])
    expect(cookie).to_have_attribute("data-limit", "allowance")
    expect(cookie).to_contain_text("More than the £0.20 left: ask a manager")
    expect(stamp).to_have_attribute("data-over", "false")  # worth £0.00: money never blocks it
    limits_shot(page, "money-tiles")
    dialog = dialog_for(page, counter["Free cookie"])
    expect(dialog).to_contain_text("Free cookie (£1.80) is more than the £0.20 left this shift.")
    # The override lifted the count cap, so money is the one limit left to show.
    expect(dialog.locator("#approve-left")).to_have_text("Left: £0.20 of £2.00")
    limits_shot(page, "money")


def test_the_shifts_count_blocks_every_tile_though_money_is_left(
    live, counter, new_page, sign_in, limits_shot
):
    shift_caps(live, 2000, max_comps=2)
    page = new_page()
    sign_in(page, "Ana", "1111")
    give(page, counter["Extra stamp"], "£20.00")
    give(page, counter["Extra cream"], "£19.50")
    for item_id in counter.values():
        expect(tile(page, item_id)).to_have_attribute("data-limit", "max_comps")
    expect(tile(page, counter["Extra stamp"])).to_contain_text("Shift limit of 2 comps reached")
    expect(page.locator("#meter-count")).to_have_text("0 of 2 comps left")
    limits_shot(page, "count-tiles")
    dialog = dialog_for(page, counter["Extra stamp"])
    expect(dialog).to_contain_text("shift has given all 2 comps it may, whatever money is left")
    limits_shot(page, "count")


def test_the_baristas_own_cap_blocks_her_tiles_and_the_meter_says_why(
    live, counter, new_page, sign_in, limits_shot
):
    shift_caps(live, 1500, max_comps=20, per_staff=2)
    page = new_page()
    sign_in(page, "Ana", "1111")
    give(page, counter["Extra stamp"], "£15.00")
    expect(page.locator("#meter-own")).to_have_text("yours: 1 of 2 left")
    give(page, counter["Extra cream"], "£14.50")
    expect(page.locator("#meter-own")).to_have_text("yours: 0 of 2 left")
    for item_id in counter.values():
        expect(tile(page, item_id)).to_have_attribute("data-limit", "max_comps_per_staff")
    expect(tile(page, counter["Extra stamp"])).to_contain_text("Your limit of 2 comps reached")
    limits_shot(page, "own-cap-tiles")
    dialog = dialog_for(page, counter["Free cookie"])
    expect(dialog).to_contain_text("You have given your own 2 comps this shift")
    expect(dialog.locator("#approve-left")).to_have_text(
        "Left: £14.50 of £15.00 · 18 of 20 comps left · yours: 0 of 2 left"
    )
    limits_shot(page, "own-cap")


def test_an_items_limit_blocks_that_item_only(live, counter, new_page, sign_in, limits_shot):
    page = new_page()
    sign_in(page, "Ana", "1111")
    give(page, counter["Birthday treat"], "£11.50")
    treat = tile(page, counter["Birthday treat"])
    expect(treat).to_have_attribute("data-limit", "per_item")
    expect(treat).to_contain_text("Limit of 1 a shift reached: ask a manager")
    expect(tile(page, counter["Free cookie"])).to_have_attribute("data-over", "false")
    limits_shot(page, "item-tiles")
    dialog = dialog_for(page, counter["Birthday treat"])
    expect(dialog).to_contain_text(
        "Birthday treat has reached its limit of 1 a shift; other items are still fine."
    )
    limits_shot(page, "item")
