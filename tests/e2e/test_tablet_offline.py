"""Taps made without a connection, in Chromium: the meter counts them as pending, each can be
cancelled before it is sent, and every comp they give has its own Undo once they go."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pos_plugin.database import db
from pos_plugin.models import Comp, CompStatus

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.e2e


def comps_of(live) -> list[tuple[str, CompStatus]]:
    def read() -> list[tuple[str, CompStatus]]:
        found = db.session.scalars(select(Comp).order_by(Comp.created_at))
        return [(comp.item.name, comp.status) for comp in found]

    result: list[tuple[str, CompStatus]] = live.read(read)
    return result


def undo_named(name: str) -> re.Pattern[str]:
    # The item's name is read after the word, for a screen reader ("Undo : Free cookie").
    return re.compile(rf"^Undo\W+{name}$")


def tap(page, cafe, name: str) -> None:
    page.locator(f'[data-give="{cafe["items"][name]}"]').click()


def test_waiting_taps_count_against_the_meter_and_one_is_cancelled_before_it_goes(
    live, cafe, new_page, sign_in, shot
):
    page = new_page()
    sign_in(page, "Ana", "1111")
    page.context.set_offline(True)
    tap(page, cafe, "Extra cream")
    tap(page, cafe, "Free cookie")
    expect(page.locator("#meter-pending")).to_have_text(
        "Waiting to be sent: £2.30 (2). Left once sent: £12.70"
    )
    # The server's figure stays what the server said; the bar shows the waiting share.
    expect(page.locator("#meter-value")).to_have_text("£15.00")
    queue = page.locator("#queue")
    expect(queue.locator("li")).to_have_count(2)
    shot(page, "tablet-offline-waiting")

    queue.get_by_role("button", name=re.compile(r"^Cancel\W+Free cookie · £1\.80$")).click()
    expect(page.locator("#toast")).to_contain_text("Cancelled before it was sent: Free cookie")
    expect(queue.locator("li")).to_have_count(1)
    expect(page.locator("#meter-pending")).to_have_text(
        "Waiting to be sent: £0.50 (1). Left once sent: £14.50"
    )
    page.context.set_offline(False)
    expect(page.locator("#queue")).to_be_hidden(timeout=10_000)
    expect(page.locator("#meter-value")).to_have_text("£14.50")
    expect(page.locator("#meter-pending")).to_be_hidden()
    assert comps_of(live) == [("Extra cream", CompStatus.ACTIVE)]


def test_a_tap_that_may_have_reached_the_server_cannot_be_cancelled(live, cafe, new_page, sign_in):
    page = new_page()
    sign_in(page, "Ana", "1111")
    answered = []

    def lose_the_answer(route):
        if route.request.method == "POST" and not answered:
            route.fetch()
            answered.append(True)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/comps", lose_the_answer)
    tap(page, cafe, "Free cookie")
    row = page.locator("#queue li")
    expect(row).to_contain_text("Sending; it cannot be cancelled now")
    expect(row.get_by_role("button")).to_have_count(0)
    # The next poll sends it again with its key: given once, with its Undo.
    expect(page.locator("#queue")).to_be_hidden(timeout=10_000)
    expect(page.get_by_role("button", name=undo_named("Free cookie"))).to_be_visible()
    assert comps_of(live) == [("Free cookie", CompStatus.ACTIVE)]


def test_every_comp_given_after_reconnecting_has_its_own_undo(live, cafe, new_page, sign_in, shot):
    page = new_page()
    sign_in(page, "Ana", "1111")
    page.context.set_offline(True)
    tap(page, cafe, "Extra cream")
    tap(page, cafe, "Size upgrade")
    expect(page.locator("#queue li")).to_have_count(2)
    page.context.set_offline(False)
    undo_cream = page.get_by_role("button", name=undo_named("Extra cream"))
    undo_upgrade = page.get_by_role("button", name=undo_named("Size upgrade"))
    expect(undo_cream).to_be_visible(timeout=10_000)
    expect(undo_upgrade).to_be_visible()
    expect(page.locator("#meter-value")).to_have_text("£13.90")
    shot(page, "tablet-offline-two-undos")

    undo_cream.click()
    expect(page.locator("#meter-value")).to_have_text("£14.40")
    expect(undo_cream).to_have_count(0)
    undo_upgrade.click()
    expect(page.locator("#meter-value")).to_have_text("£15.00")
    assert sorted(comps_of(live)) == [
        ("Extra cream", CompStatus.VOIDED),
        ("Size upgrade", CompStatus.VOIDED),
    ]
