"""The tablet's layout in the demo cafe on a phone and a 10" tablet both ways: the grid first on
a phone, nothing cut in the sheet, PIN pads sized to their dialog.

Screenshots go to tests/artifacts/e2e/tablet-*.png.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pos_plugin import demo
from pos_plugin.money import Money
from pos_plugin.services import shifts
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.store import get_store

from .conftest import ARTIFACTS, TABLET

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
LANDSCAPE = {"width": 1280, "height": 800}


@pytest.fixture
def demo_cafe(live):
    live.run(lambda: demo.seed_if_empty(get_store(), SYSTEM, datetime.now(UTC), days=0))


def box(page, selector):
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def test_on_a_phone_the_grid_comes_first_and_the_sheet_shows_each_price_in_full(
    live, demo_cafe, new_page, sign_in, shot
):
    page = new_page(PHONE)
    sign_in(page, "Ana", "1111")
    first = box(page, "[data-give]")
    assert first["y"] + first["height"] <= PHONE["height"]  # above the fold
    # The playbook after the grid, its chips in one row that scrolls.
    chips = [box(page, f".breakdowns .chip >> nth={n}") for n in range(5)]
    assert {chip["y"] for chip in chips} == {chips[0]["y"]}
    assert chips[0]["y"] > box(page, "[data-give] >> nth=-1")["y"]
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    shot(page, "tablet-phone")
    page.screenshot(path=str(ARTIFACTS / "tablet-phone-fold.png"))  # what the phone shows

    page.locator("[data-sheet]").first.click()
    expect(page.locator("#sheet")).to_be_visible()
    expect(page.locator("#sheet-value")).to_have_text("£0.50")
    cut = page.evaluate(
        """() => [...document.querySelectorAll('#sheet *')]
            .filter((el) => el.checkVisibility() && el.scrollWidth > el.clientWidth + 1)
            .map((el) => el.id || el.className || el.tagName)"""
    )
    assert cut == []
    shot(page, "tablet-phone-sheet")


def test_a_tablet_shows_the_meter_the_grid_and_the_playbook_at_once_both_ways(
    live, demo_cafe, new_page, sign_in, shot
):
    page = new_page(TABLET)
    sign_in(page, "Ana", "1111")
    for viewport in (TABLET, LANDSCAPE):
        page.set_viewport_size(viewport)
        for selector in ["#meter", "[data-give] >> nth=-1", ".breakdowns .chip >> nth=-1"]:
            found = box(page, selector)
            assert found["y"] + found["height"] <= viewport["height"], (viewport, selector)
        shot(page, f"tablet-{viewport['width']}x{viewport['height']}")


def test_the_approval_pin_pad_fits_its_dialog_with_keys_alike(
    live, demo_cafe, new_page, sign_in, shot
):
    live.run(
        lambda: shifts.override_current(
            SYSTEM, get_store(), Money(10, "GBP"), None, datetime.now(UTC)
        )
    )
    page = new_page(TABLET)
    sign_in(page, "Ana", "1111")
    page.locator("[data-give]").first.click()
    expect(page.locator("#approve")).to_be_visible()
    page.locator("#approve").get_by_role("button", name="Maya").click()
    expect(page.locator("#approve-pin-input")).to_be_focused()
    for viewport in (TABLET, LANDSCAPE, PHONE):
        page.set_viewport_size(viewport)
        shot(page, f"tablet-approve-{viewport['width']}x{viewport['height']}")
        pad, whole = box(page, "#approve .pinpad"), box(page, "#approve")
        field = box(page, "#approve-pin-input")
        # The pad as wide as the field above it, well under the dialog's area, all in view.
        assert (pad["x"], pad["width"]) == pytest.approx((field["x"], field["width"]), abs=1)
        assert pad["width"] * pad["height"] < 0.6 * whole["width"] * whole["height"]
        assert whole["height"] <= viewport["height"]
        digit, approve = box(page, '#approve [data-key="1"]'), box(page, "#approve-ok")
        assert (approve["width"], approve["height"]) == pytest.approx(
            (digit["width"], digit["height"]), abs=0.5
        )
        assert page.evaluate(
            "(() => { const k = document.getElementById('approve-ok');"
            " return k.scrollWidth <= k.clientWidth; })()"
        ), viewport
