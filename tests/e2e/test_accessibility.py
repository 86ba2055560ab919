"""axe-core in Chromium on every page of the demo cafe: the sign-in pages, the tablet in each of
its states (dialogs, waiting taps, toasts) and every console page; no violation of any impact.

axe is the vendored tests/e2e/vendor/axe-core/axe.min.js; what it found on each page is written
to tests/artifacts/e2e/axe-<test>.json.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from pos_plugin import demo
from pos_plugin.database import db
from pos_plugin.models import Breakdown, CatalogItem, ShiftTemplate, Staff
from pos_plugin.money import Money
from pos_plugin.services import shifts
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.reports import REPORTS
from pos_plugin.services.store import get_store

from .conftest import ARTIFACTS, sign_in_console

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.e2e

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
DESK = {"width": 1280, "height": 900}


@pytest.fixture
def demo_cafe(live) -> dict[str, int]:
    def seed() -> dict[str, int]:
        demo.seed_if_empty(get_store(), SYSTEM, datetime.now(UTC), days=2)
        first = {
            model.__name__: db.session.scalars(select(model.id).order_by(model.id)).first()
            for model in (Breakdown, CatalogItem, ShiftTemplate, Staff)
        }
        return first

    found: dict[str, int] = live.run(seed)
    return found


class Axe:
    """Runs axe on a page as it is now, and keeps what it found under the page's name."""

    def __init__(self) -> None:
        self.source = AXE.read_text(encoding="utf-8")
        self.found: dict[str, list[str]] = {}

    def check(self, page: Any, name: str) -> None:
        # Evaluated through the DevTools protocol, so the page's CSP (no inline script) stays on.
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(self.source)
        self.found[name] = page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
                .map((v) => `${v.id} (${v.impact}): ${v.help} at `
                    + v.nodes.map((n) => n.target.join(' ')).join(', '))"""
        )

    def assert_clean(self) -> None:
        assert self.found == {name: [] for name in self.found}


@pytest.fixture
def axe(request: pytest.FixtureRequest) -> Iterator[Axe]:
    checks = Axe()
    yield checks
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / f"axe-{request.node.name}.json"
    out.write_text(json.dumps(checks.found, indent=2, ensure_ascii=False))


def test_the_sign_in_pages_and_the_tablet_in_each_state(live, demo_cafe, new_page, sign_in, axe):
    page = new_page()
    page.goto(f"{live.url}/signin?next=/tablet")
    axe.check(page, "sign-in: who")
    page.get_by_role("link", name="Ana", exact=True).click()
    axe.check(page, "sign-in: PIN")
    page.goto(f"{live.url}/signin?staff={demo_cafe['Staff']}&with=password")
    axe.check(page, "sign-in: password")
    page.goto(f"{live.url}/nowhere")
    axe.check(page, "not found")

    sign_in(page, "Ana", "1111")
    axe.check(page, "tablet")
    page.locator("[data-give]").first.click()
    expect(page.locator("#toast [data-comp]")).to_have_count(1)
    axe.check(page, "tablet: given, with its Undo")
    page.context.set_offline(True)
    page.locator("[data-give]").first.click()
    expect(page.locator("#queue li")).to_have_count(1)
    axe.check(page, "tablet: a tap waiting")
    page.locator("#queue").get_by_role("button").click()
    page.context.set_offline(False)
    page.locator("[data-sheet]").first.click()
    axe.check(page, "tablet: name & note")
    page.keyboard.press("Escape")
    page.locator("#propose-open").click()
    axe.check(page, "tablet: propose a breakdown")
    page.keyboard.press("Escape")
    live.run(
        lambda: shifts.override_current(
            SYSTEM, get_store(), Money(10, "GBP"), None, datetime.now(UTC)
        )
    )
    over = page.locator('[data-give][data-over="true"]').first
    over.wait_for(timeout=10_000)  # the next poll
    over.click()
    expect(page.locator("#approve")).to_be_visible()
    page.get_by_role("button", name="Maya").click()
    axe.check(page, "tablet: ask a manager")
    axe.assert_clean()


def test_every_console_page(live, demo_cafe, new_page, axe):
    page = new_page(DESK)
    sign_in_console(page, live.url)
    paths = [
        "/manage",
        "/manage/allowances",
        f"/manage/allowances/templates/{demo_cafe['ShiftTemplate']}",
        "/manage/catalog",
        f"/manage/catalog/{demo_cafe['CatalogItem']}",
        "/manage/staff",
        f"/manage/staff/{demo_cafe['Staff']}",
        "/manage/devices",
        "/manage/webhooks",
        "/manage/playbook",
        f"/manage/playbook/{demo_cafe['Breakdown']}",
        *(f"/manage/reports?report={name}&days=7" for name in REPORTS),
        "/manage/reports?report=day&days=30",
        "/manage/delight",
        "/manage/audit",
        "/manage/health",
    ]
    for path in paths:
        page.goto(f"{live.url}{path}")
        axe.check(page, path)
    axe.assert_clean()
