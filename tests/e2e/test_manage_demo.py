"""The issue's "done when": a new user signs in as the demo manager (with the password the demo
prints), changes the afternoon allowance, and sees two weeks of demo history as charts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from pos_plugin import demo
from pos_plugin.database import db
from pos_plugin.models import ShiftTemplate
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.business_day import business_date_of
from pos_plugin.services.store import get_store

pytestmark = pytest.mark.e2e

DESK = {"width": 1280, "height": 900}


def test_the_demo_manager_changes_the_afternoon_and_sees_two_weeks(live, new_page, shot):
    live.run(lambda: demo.seed_if_empty(get_store(), SYSTEM, datetime.now(UTC)))

    def afternoon() -> int:
        store = get_store()
        today = business_date_of(datetime.now(UTC), store.zone, store.business_day_starts)
        query = (
            select(ShiftTemplate.id)
            .where(ShiftTemplate.weekday == today.weekday(), ShiftTemplate.active)
            .order_by(ShiftTemplate.starts.desc())
        )
        found: int = db.session.scalars(query).first()
        return found

    template_id = live.read(afternoon)
    page = new_page(DESK)
    page.goto(f"{live.url}/manage")
    page.locator(".tile", has_text="Maya").click()
    page.locator("#use-password").click()
    page.get_by_label("Password").fill(demo.DEMO_PASSWORDS["Maya"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live.url}/manage")
    shot(page, "manage-demo-live-today")

    page.get_by_role("link", name="Allowances").click()
    page.locator(f"#template-{template_id}").get_by_role("link", name="Edit").click()
    page.get_by_label("Allowance").fill("12.00")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live.url}/manage/allowances")
    assert "£12.00" in page.locator(f"#template-{template_id}").inner_text()
    shot(page, "manage-demo-allowances")
    saved = live.read(lambda: db.session.get(ShiftTemplate, template_id).allowance_amount)
    assert saved == 1200

    page.get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Last 30 days").click()
    values = [
        int(v or 0)
        for v in page.locator("#chart rect").evaluate_all(
            "rects => rects.map(r => r.dataset.value)"
        )
    ]
    assert len(values) == 30
    assert sum(1 for v in values if v > 0) >= 14
    shot(page, "manage-demo-reports-30-days")
