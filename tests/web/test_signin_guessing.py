"""A determined guesser on the shop LAN: bursts of parallel PIN tries, fresh cookie jars,
and a manager who unlocks. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from pos_plugin.database import db
from pos_plugin.models import Role, SignInAttempt, Staff
from pos_plugin.services import signin

BURST = 32
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@pytest.fixture
def ana(make_staff: Any) -> Staff:
    return make_staff(Role.BARISTA, name="Ana", pin="2468")


def pins_checked(app: Flask, staff: Staff) -> int:
    """Every PIN the server checked left a row; a try refused while locked leaves none."""
    with app.app_context():
        try:
            query = select(func.count()).where(SignInAttempt.staff_id == staff.id)
            return db.session.scalar(query) or 0
        finally:
            db.session.remove()


def tries_checked(app: Flask, staff: Staff) -> list[bool]:
    """Whether each PIN the server checked was right, in the order it checked them."""
    with app.app_context():
        try:
            query = (
                select(SignInAttempt.succeeded)
                .where(SignInAttempt.staff_id == staff.id)
                .order_by(SignInAttempt.id)
            )
            return list(db.session.scalars(query))
        finally:
            db.session.remove()


def burst(app: Flask, staff: Staff, pins: list[str], **browser: Any) -> list[int]:
    """Each PIN from a fresh cookie jar, all at once; `browser` shapes each jar: `tablet`
    (the enrolled tablet's cookie) or `addresses` (one client address per try)."""
    start = threading.Barrier(len(pins))
    statuses: list[int] = [0] * len(pins)

    def one(n: int) -> None:
        address = browser.get("addresses", ["127.0.0.1"] * len(pins))[n]
        client = app.test_client()
        at = {"REMOTE_ADDR": address}
        if "tablet" in browser:
            client.set_cookie("pos_tablet", browser["tablet"])
        page = client.get(f"/signin?staff={staff.id}", environ_base=at).get_data(as_text=True)
        found = _CSRF.search(page)
        assert found is not None
        form = {"csrf_token": found.group(1), "staff_id": staff.id, "pin": pins[n]}
        start.wait(timeout=30)
        statuses[n] = client.post("/signin", data=form, environ_base=at).status_code

    threads = [threading.Thread(target=one, args=(n,)) for n in range(len(pins))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


@pytest.fixture
def tablet_cookie(app: Flask, clock: Any) -> str:
    from pos_plugin.services import devices
    from pos_plugin.services.actors import SYSTEM

    with app.app_context():
        from pos_plugin.database import write_transaction

        with write_transaction():
            _, token = devices.enrol(SYSTEM, "Front", clock.now)
    return token


def test_32_parallel_tries_on_the_tablet_check_at_most_5_pins(app, ana, tablet_cookie):
    # The right PIN sits at position 12: it must not get in after 11 wrong ones.
    pins = ["0000"] * 11 + ["2468"] + ["0000"] * (BURST - 12)
    statuses = burst(app, ana, pins, tablet=tablet_cookie)
    checked = tries_checked(app, ana)
    assert set(statuses) <= {302, 401, 429}
    if True in checked:
        # The right PIN got in only among the first five checked; a signing in forgives
        # the wrong tries before it, so five more may be checked after it, no more.
        right = checked.index(True)
        assert right < signin.STAFF_MAX_FAILURES
        assert len(checked) - right - 1 <= signin.STAFF_MAX_FAILURES
        assert statuses.count(302) == 1
    else:
        assert len(checked) <= signin.STAFF_MAX_FAILURES
        assert statuses.count(302) == 0
    assert statuses.count(429) >= BURST - 2 * signin.STAFF_MAX_FAILURES - 1


def test_32_parallel_tries_from_32_addresses_check_at_most_5_pins(app, ana):
    addresses = [f"10.0.{n // 250}.{n % 250 + 1}" for n in range(BURST)]
    statuses = burst(app, ana, ["0000"] * BURST, addresses=addresses)
    assert pins_checked(app, ana) == signin.STAFF_MAX_FAILURES
    # Four wrong PINs, then the fifth locks and every later try is refused unchecked.
    assert statuses.count(401) == signin.STAFF_MAX_FAILURES - 1


def test_fresh_cookie_jars_from_one_browser_check_at_most_3_pins(app, ana):
    statuses = burst(app, ana, ["0000"] * BURST)
    assert pins_checked(app, ana) == signin.ADDRESS_MAX_FAILURES
    assert statuses.count(401) == signin.ADDRESS_MAX_FAILURES - 1


def test_guessing_from_other_browsers_never_locks_a_person_out_of_the_tablet(
    app, ana, tablet_cookie
):
    addresses = [f"10.1.0.{n + 1}" for n in range(BURST)]
    burst(app, ana, ["0000"] * BURST, addresses=addresses)
    assert burst(app, ana, ["2468"], tablet=tablet_cookie) == [302]


def test_a_manager_unlocks_a_person_from_the_console(
    app, client, ana, make_staff, tablet_cookie, sign_in, csrf
):
    burst(app, ana, ["0000"] * 6, tablet=tablet_cookie)
    assert burst(app, ana, ["2468"], tablet=tablet_cookie) == [429]
    maya = make_staff(Role.MANAGER, name="Maya", pin="9999")
    sign_in(maya, "9999")
    page = f"/manage/staff/{ana.id}"
    answer = client.post(f"{page}/unlock", data={"csrf_token": csrf(page)})
    assert answer.status_code == 302
    assert "Ana may sign in again." in client.get(page).get_data(as_text=True)
    assert burst(app, ana, ["2468"], tablet=tablet_cookie) == [302]
