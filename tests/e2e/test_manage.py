"""The manager's console in headless Chromium: what a manager does, and what the tablet then shows.

Screenshots go to tests/artifacts/e2e/manage-*.png.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from pos_plugin.database import db
from pos_plugin.models import Breakdown, BreakdownStatus, CatalogItem, Comp, Role
from pos_plugin.services import comps, playbook
from pos_plugin.services.actors import Actor
from pos_plugin.services.comps import CompRequest
from pos_plugin.services.store import get_store
from pos_plugin.web.manage import home

# Waits for the page (a form posts and the page reloads); `is_visible()` would not.
expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.e2e


def _give(live, cafe, name: str, item: str, at: datetime, **fields: Any) -> Comp:
    def work() -> Comp:
        actor = Actor(role=Role.BARISTA, label=name, staff_id=cafe["staff"][name])
        request = CompRequest(item_id=cafe["items"][item], **fields)
        return comps.record_comp(actor, get_store(), request, at).comp

    result: Comp = live.run(work)
    return result


def test_an_override_shows_on_the_tablets_meter(live, cafe, console, new_page, sign_in, shot):
    console.get_by_role("link", name="Allowances").click()
    console.get_by_label("New allowance for this shift").fill("25.00")
    console.get_by_label("Why").fill("Coach party of forty")
    console.locator("#override-submit").click()
    console.wait_for_url(f"{live.url}/manage/allowances")
    assert "£25.00" in console.locator("#running-allowance").inner_text()
    expect(console.get_by_role("cell", name="Coach party of forty")).to_be_visible()
    shot(console, "manage-allowances-override")

    tablet = new_page()
    sign_in(tablet, "Ana", "1111")
    assert "£25.00" in tablet.locator("#meter-of").inner_text()
    shot(tablet, "manage-tablet-meter-after-override")


def test_a_refused_override_says_why_beside_the_field(live, cafe, console, shot):
    console.goto(f"{live.url}/manage/allowances")
    console.get_by_label("New allowance for this shift").fill("lots")
    console.locator("#override-submit").click()
    error = console.locator("#allowance-errors")
    assert "Type an amount like 2.50" in error.inner_text()
    shot(console, "manage-allowances-field-error")


def test_a_retired_item_leaves_the_tablet(live, cafe, console, new_page, sign_in, shot):
    console.get_by_role("link", name="Catalog").click()
    row = console.locator(f"#item-{cafe['items']['Free cookie']}")
    row.get_by_role("button", name="Retire").click()
    expect(row.get_by_text("retired")).to_be_visible()
    shot(console, "manage-catalog-retired")

    tablet = new_page()
    sign_in(tablet, "Ana", "1111")
    tiles = tablet.locator("[data-give]").all_inner_texts()
    assert not any("Free cookie" in tile for tile in tiles)
    assert any("Extra cream" in tile for tile in tiles)
    item = live.read(lambda: db.session.get(CatalogItem, cafe["items"]["Free cookie"]))
    assert item.active is False


def test_an_approved_proposal_joins_the_tablets_playbook(
    live, cafe, console, new_page, sign_in, shot
):
    def propose() -> int:
        ana = Actor(role=Role.BARISTA, label="Ana", staff_id=cafe["staff"]["Ana"])
        return playbook.propose(
            ana,
            title="Wi-Fi down",
            recovery="Offer the paper and a refill.",
            suggested_item_id=cafe["items"]["Extra cream"],
            proposed_by_id=cafe["staff"]["Ana"],
            now=datetime.now(UTC),
        ).id

    proposal = live.run(propose)
    console.get_by_role("button", name="More").click()
    console.get_by_role("link", name="Playbook").click()
    row = console.locator(f"#breakdown-{proposal}")
    expect(row.get_by_text("proposed")).to_be_visible()
    shot(console, "manage-playbook-proposal")
    row.get_by_role("button", name="Approve").click()
    expect(row.get_by_text("approved")).to_be_visible()

    status = live.read(lambda: db.session.get(Breakdown, proposal).status)
    assert status is BreakdownStatus.APPROVED
    tablet = new_page()
    sign_in(tablet, "Ana", "1111")
    expect(tablet.locator(f'[data-breakdown="{proposal}"]')).to_be_visible()


def test_a_starred_story_is_marked_for_head_office(live, cafe, console, shot):
    story = _give(
        live,
        cafe,
        "Ben",
        "Free cookie",
        datetime.now(UTC) - timedelta(minutes=5),
        note="Happy birthday, Priya!",
        customer_name="Priya",
    )
    console.get_by_role("button", name="More").click()
    console.get_by_role("link", name="Delight wall").click()
    card = console.locator(f"#story-{story.id}")
    assert "Happy birthday, Priya!" in card.inner_text()
    card.get_by_role("button", name="Star").click()
    card = console.locator(f"#story-{story.id}")
    assert "starred by" in card.inner_text()
    shot(console, "manage-delight-starred")
    starred = live.read(
        lambda: db.session.scalar(select(Comp.starred_by).where(Comp.id == story.id))
    )
    assert starred == "manager 'Maya'"


def test_the_downloaded_csv_has_the_charts_numbers(live, cafe, console, shot, tmp_path):
    now = datetime.now(UTC)
    for days_ago, name, item in [
        (1, "Ana", "Free cookie"),
        (1, "Ben", "Extra cream"),
        (3, "Ana", "Size upgrade"),
        (5, "Ben", "Free cookie"),
    ]:
        _give(live, cafe, name, item, now - timedelta(days=days_ago))
    console.get_by_role("link", name="Reports").click()
    console.get_by_role("link", name="Comps by item").first.click()
    console.wait_for_url("**report=item**")
    bars = {
        rect.get_attribute("data-label"): int(rect.get_attribute("data-value") or 0)
        for rect in console.locator("#chart rect").all()
    }
    assert bars == {"Free cookie": 360, "Size upgrade": 60, "Extra cream": 50}
    shot(console, "manage-reports-by-item")
    with console.expect_download() as download_info:
        console.locator("#csv-link").click()
    saved = tmp_path / "report.csv"
    download_info.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert {row["item"]: row["value (GBP)"] for row in rows} == {
        "Free cookie": "3.60",
        "Size upgrade": "0.60",
        "Extra cream": "0.50",
    }
    assert {row["currency"] for row in rows} == {"GBP"}


def test_live_today_refreshes_by_itself(live, cafe, console, shot, monkeypatch):
    # Every 2 seconds rather than 15: the same script, without waiting out the interval.
    monkeypatch.setattr(home, "REFRESH_SECONDS", 2)
    console.goto(f"{live.url}/manage")
    assert console.locator("#live").get_attribute("data-refresh-seconds") == "2"
    assert "No comps yet today." in console.locator("#live").inner_text()
    _give(live, cafe, "Ana", "Extra cream", datetime.now(UTC))
    # The page asks again every few seconds (data-refresh-seconds); no reload needed.
    console.locator("#live").get_by_text("Extra cream").wait_for(timeout=20_000)
    shot(console, "manage-live-today")
