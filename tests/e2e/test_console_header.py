"""The console's header at desk sizes, and what the tablet's tiles hold, in headless Chromium.

Screenshots go to tests/artifacts/e2e/console-*.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from pos_plugin.database import db
from pos_plugin.models import CatalogItem

from .conftest import tap_pin

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.e2e

ONE_ROW = 72  # px: a 48 px tap target and the bar's padding, with room to spare


def _signed_in_console(live: Any, new_page: Any, width: int, height: int) -> Any:
    page = new_page({"width": width, "height": height})
    page.goto(f"{live.url}/manage")
    page.locator(".tile", has_text="Maya").click()
    tap_pin(page, "9999")
    page.get_by_role("button", name="OK").click()
    page.wait_for_url(f"{live.url}/manage")
    return page


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return dict(box)


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (1440, 900)])
def test_the_console_header_is_one_row_with_sign_out_beside_the_pages(
    live, cafe, new_page, shot, width, height
):
    page = _signed_in_console(live, new_page, width, height)

    header = _box(page, "header.topbar")
    assert header["height"] <= ONE_ROW
    sign_out = _box(page, "header.topbar button:has-text('Sign out')")
    today = _box(page, ".console-nav a:has-text('Today')")
    assert abs(sign_out["y"] + sign_out["height"] / 2 - (today["y"] + today["height"] / 2)) < 4
    assert sign_out["x"] + sign_out["width"] <= width
    shot(page, f"console-{width}")

    page.get_by_role("button", name="More").click()
    expect(page.get_by_role("link", name="Health")).to_be_visible()
    shot(page, f"console-{width}-more")
    page.get_by_role("link", name="Health").click()
    page.wait_for_url(f"{live.url}/manage/health")
    expect(page.locator(".more-button.current")).to_be_visible()
    assert _box(page, "header.topbar")["height"] <= ONE_ROW


def test_long_names_and_text_icons_stay_inside_their_tile(live, cafe, new_page, sign_in, shot):
    long_name = "Extra-extra-large oat milk hot chocolate with cream and marshmallows on top"

    def rename() -> None:
        cream = db.session.get(CatalogItem, cafe["items"]["Extra cream"])
        assert cream is not None
        cream.name = long_name
        cream.icon = "Cream!!"  # as stored before an icon had to be one emoji

    live.run(rename)
    page = new_page()
    sign_in(page, "Ana", "1111")

    # The whole name is the button's name for a screen reader, however it is cut on screen.
    tile = page.get_by_role("button", name=long_name).and_(page.locator(".comp"))
    expect(tile).to_be_visible()
    box = tile.bounding_box()
    assert box is not None
    for part in (".name", ".icon"):
        inner = tile.locator(part).bounding_box()
        assert inner is not None
        assert box["x"] <= inner["x"]
        assert inner["x"] + inner["width"] <= box["x"] + box["width"]
    name = tile.locator(".name")
    line = float(name.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert name.evaluate("e => e.getBoundingClientRect().height") <= 2 * line + 1
    assert name.evaluate("e => e.scrollHeight > e.clientHeight")  # the rest is behind "…"
    shot(page, "console-tablet-long-name")
