"""The console's layout in headless Chromium: the header at desk sizes, the report chart, a
shift's actions, and what the tablet's tiles hold.

Screenshots go to tests/artifacts/e2e/console-*.png.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from pos_plugin.database import db
from pos_plugin.models import CatalogItem, Role
from pos_plugin.money import Money
from pos_plugin.services import comps, schedule
from pos_plugin.services.actors import SYSTEM, Actor
from pos_plugin.services.comps import CompRequest
from pos_plugin.services.store import get_store

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.e2e

ONE_ROW = 72  # px: a 48 px tap target and the bar's padding, with room to spare


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return dict(box)


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (1440, 900)])
def test_the_console_header_is_one_row_with_sign_out_beside_the_pages(
    live, console_at, shot, width, height
):
    page = console_at({"width": width, "height": height})

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
    more = page.locator("#console-more-button")
    expect(more).to_have_class("more-button current")
    expect(more).to_have_accessible_name(re.compile(r"^More\s*:\s*Health$"))
    assert _box(page, "header.topbar")["height"] <= ONE_ROW


def test_on_a_phone_the_pages_take_one_row_of_their_own_that_scrolls(console_at, shot):
    page = console_at({"width": 390, "height": 844})

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    header = _box(page, "header.topbar")
    nav = _box(page, ".console-nav")
    assert nav["height"] <= ONE_ROW
    assert header["height"] <= 2 * ONE_ROW + 16
    assert _box(page, "header.topbar button:has-text('Sign out')")["y"] < nav["y"]
    shot(page, "console-390")


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


def test_the_report_chart_fills_its_box_with_labels_the_size_of_the_text(
    live, cafe, console_at, shot
):
    def give() -> None:
        ana = Actor(role=Role.BARISTA, label="Ana", staff_id=cafe["staff"]["Ana"])
        for days_ago, item in [(1, "Free cookie"), (2, "Extra cream"), (2, "Size upgrade")]:
            request = CompRequest(item_id=cafe["items"][item])
            at = datetime.now(UTC) - timedelta(days=days_ago)
            comps.record_comp(ana, get_store(), request, at)

    live.run(give)
    page = console_at({"width": 1024, "height": 768})
    page.goto(f"{live.url}/manage/reports?report=item&days=7")

    box = _box(page, "#chart")
    chart = _box(page, "#chart svg")
    assert chart["width"] >= box["width"] - 2 * 20  # the figure's padding and border
    label = page.locator("#chart svg text").first
    assert label.evaluate("e => e.getBoundingClientRect().height") >= 16
    shot(page, "console-report-chart")


def test_a_shifts_edit_and_remove_are_one_family_of_buttons(live, console_at, shot):
    def plan() -> None:
        for weekday in range(7):
            schedule.add_template(
                SYSTEM,
                get_store(),
                name="Morning rush",
                weekday=weekday,
                starts=time(7),
                ends=time(11),
                allowance=Money(1500, "GBP"),
                max_comps=20,
                max_comps_per_staff=None,
                now=datetime.now(UTC),
            )

    live.run(plan)
    page = console_at({"width": 1024, "height": 768})
    page.goto(f"{live.url}/manage/allowances")

    actions = page.locator(".slot-actions").first
    edit, remove = actions.get_by_role("link", name="Edit"), actions.get_by_role("button")
    style = (
        "e => [getComputedStyle(e).borderStyle, getComputedStyle(e).borderRadius,"
        " getComputedStyle(e).fontSize, e.getBoundingClientRect().height]"
    )
    assert edit.evaluate(style) == remove.evaluate(style)
    shot(page, "console-shift-actions")
