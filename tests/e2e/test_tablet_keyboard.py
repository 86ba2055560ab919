"""The tablet with a keyboard alone, in Chromium: the PIN field has focus when the pad opens,
typing the PIN and Enter signs in, and Tab and Enter give a comp; focus is always seen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pos_plugin.money import Money
from pos_plugin.services import shifts
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.store import get_store

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.e2e


def tab_to(page, text: str, most: int = 40) -> None:
    """Press Tab until the focused element's text starts with `text`, each stop with a ring."""
    for _ in range(most):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const el = document.activeElement;
                if (el === document.body) return ['', 'past the last stop'];
                return [el.innerText || '', getComputedStyle(el).outlineStyle]; }"""
        )
        assert focused[1] != "none", f"no focus ring on {focused[0]!r}"
        if focused[0].strip().startswith(text):
            return
    raise AssertionError(f"Tab never reached {text!r}")


def test_a_barista_signs_in_and_gives_a_comp_with_the_keyboard_alone(live, cafe, new_page):
    page = new_page()
    page.goto(f"{live.url}/tablet")
    tab_to(page, "Ana")
    page.keyboard.press("Enter")
    expect(page.locator("#pin")).to_be_focused()
    page.keyboard.type("1111")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live.url}/tablet")

    tab_to(page, "🍪")  # the Free cookie tile: its icon, name and value
    page.keyboard.press("Enter")
    expect(page.locator("#meter-value")).to_have_text("£13.20")
    tab_to(page, "🥛")
    page.keyboard.press("Space")
    expect(page.locator("#meter-value")).to_have_text("£12.70")


def test_a_manager_approves_with_the_keyboard_alone(live, cafe, new_page, sign_in):
    live.run(
        lambda: shifts.override_current(
            SYSTEM, get_store(), Money(100, "GBP"), None, datetime.now(UTC)
        )
    )
    page = new_page()
    sign_in(page, "Ana", "1111")
    tab_to(page, "🍪")
    page.keyboard.press("Enter")
    expect(page.locator("#approve")).to_be_visible()
    expect(page.get_by_role("button", name="Maya")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#approve-pin-input")).to_be_focused()
    page.keyboard.type("9999")
    page.keyboard.press("Enter")
    expect(page.locator("#toast")).to_contain_text("Given with Maya's approval: Free cookie")
