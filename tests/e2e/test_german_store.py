"""A German store in headless Chromium, walked through as its staff would: a lock-out on the
tablet, a sign-in, a tap over the allowance, every console page and report tab, and the
CSV, with none of the catalogue's English left on any of them (`english_left`).

Screenshots go to tests/artifacts/e2e/i18n-*.png.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from pos_plugin.caller import TABLET_COOKIE
from pos_plugin.models import Breakdown, CatalogItem, Staff
from pos_plugin.money import Money
from pos_plugin.services import devices, reports, shifts
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.store import get_store

from .conftest import tap_pin

expect = pytest.importorskip("playwright.sync_api").expect

GERMAN = {"locale": "de_DE", "timezone": "Europe/Berlin"}
CONSOLE = [
    ("home", "/manage"),
    ("allowances", "/manage/allowances"),
    ("catalog", "/manage/catalog"),
    ("devices", "/manage/devices"),
    ("staff", "/manage/staff"),
    ("playbook", "/manage/playbook"),
    ("delight", "/manage/delight"),
    ("webhooks", "/manage/webhooks"),
    ("audit", "/manage/audit"),
    ("health", "/manage/health"),
]

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("live", [GERMAN], indirect=True)]


def typed(live) -> list[str]:
    """The cafe's own text (names, notes), typed in English by whoever set it up."""

    def read() -> list[str]:
        from pos_plugin.database import db

        names = [*db.session.scalars(db.select(CatalogItem.name))]
        names += [
            n for notes in db.session.scalars(db.select(CatalogItem.suggested_notes)) for n in notes
        ]
        names += [*db.session.scalars(db.select(Staff.name))]
        names += [*db.session.scalars(db.select(Breakdown.title))]
        names += [*db.session.scalars(db.select(Breakdown.recovery))]
        return names

    return list(live.read(read))


def no_english(english_left, live, page: Any) -> None:
    left = english_left("de", page.content(), typed(live))
    assert left == [], f"{page.url}: {left}"


def test_a_german_store_reads_german_from_sign_in_to_the_csv(
    live, cafe, console, new_page, shot, english_left
):
    tablet = new_page()
    _, secret = live.run(lambda: devices.enrol(SYSTEM, "Theke", datetime.now(UTC)))
    tablet.context.add_cookies([{"name": TABLET_COOKIE, "value": secret, "url": live.url}])

    # Five wrong PINs lock Ben on this tablet, in German, with the store's time.
    tablet.goto(f"{live.url}/signin?staff={cafe['staff']['Ben']}")
    no_english(english_left, live, tablet)
    for _ in range(5):
        tap_pin(tablet, "1234")
        tablet.get_by_role("button", name="OK").click()
        tablet.wait_for_load_state()
    said = tablet.locator("#pin-errors").inner_text()
    assert re.search(r"bis \d\d:\d\d gesperrt", said), said
    no_english(english_left, live, tablet)
    shot(tablet, "i18n-locked-out")

    # Ana signs in on the same tablet and taps a cookie the allowance cannot pay for.
    live.run(
        lambda: shifts.override_current(
            SYSTEM, get_store(), Money(100, "GBP"), None, datetime.now(UTC), reason="Ruhig"
        )
    )
    tablet.goto(f"{live.url}/signin")
    tablet.get_by_role("link", name="Ana", exact=True).click()
    tap_pin(tablet, "1111")
    tablet.get_by_role("button", name="OK").click()
    tablet.wait_for_url(f"{live.url}/tablet")
    no_english(english_left, live, tablet)
    shot(tablet, "i18n-tablet")
    cookie = tablet.locator(f'[data-give="{cafe["items"]["Free cookie"]}"]')
    expect(cookie).to_have_attribute("data-over", "true")
    cookie.click()
    dialog = tablet.locator("#approve")
    expect(dialog).to_be_visible()
    assert "Leitung" in dialog.inner_text()
    no_english(english_left, live, tablet)
    shot(tablet, "i18n-over-the-allowance")

    # Maya walks through every console page and report tab, then downloads a CSV.
    desk = console
    for name, path in CONSOLE:
        desk.goto(f"{live.url}{path}")
        no_english(english_left, live, desk)
        shot(desk, f"i18n-console-{name}")
    for report in reports.REPORTS:
        desk.goto(f"{live.url}/manage/reports?report={report}&days=7")
        no_english(english_left, live, desk)
    shot(desk, "i18n-console-reports")
    with desk.expect_download() as downloading:
        desk.get_by_role("link", name="CSV herunterladen").click()
    table = downloading.value.path().read_text(encoding="utf-8-sig")
    header = table.splitlines()[0]
    assert english_left("de", header) == [], header
    assert "Währung" in header
