"""Sessions the server can end: a copied cookie stops working when its person signs out,
gets a new PIN or password, or is deactivated, and none outlives a shift."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from pos_plugin.models import Role, Staff
from pos_plugin.services import sessions, signin


@pytest.fixture
def ana(make_staff: Any) -> Staff:
    return make_staff(Role.BARISTA, name="Ana", pin="2468")


@pytest.fixture
def maya(make_staff: Any) -> Staff:
    return make_staff(Role.MANAGER, name="Maya", pin="9999")


@pytest.fixture
def browser(app: Flask, csrf_of: Any) -> Any:
    """`browser(staff, pin)`: a fresh browser signed in as `staff`."""

    def run(staff: Staff, pin: str) -> FlaskClient:
        client = app.test_client()
        token = csrf_of(client, f"/signin?staff={staff.id}")
        answer = client.post(
            "/signin", data={"csrf_token": token, "staff_id": staff.id, "pin": pin}
        )
        assert answer.status_code == 302, answer.get_data(as_text=True)
        return client

    return run


def copied(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of `client`'s session cookie, as a thief would."""
    thief = app.test_client()
    cookie = client.get_cookie("pos_session")
    assert cookie is not None
    thief.set_cookie("pos_session", cookie.value)
    return thief


def session_id(app: Flask, client: FlaskClient) -> str:
    cookie = client.get_cookie("pos_session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return str(serializer.loads(cookie.value)["staff"]["sid"])


def test_a_copied_managers_cookie_stops_working_when_she_signs_out(app, maya, browser, csrf_of):
    hers = browser(maya, "9999")
    stolen = copied(app, hers)
    assert stolen.get("/manage/staff").status_code == 200
    hers.post("/signout", data={"csrf_token": csrf_of(hers, "/manage")})
    answer = stolen.get("/manage/staff")
    assert answer.status_code == 302
    assert "/signin" in answer.headers["Location"]


def test_signing_out_on_one_tablet_signs_the_person_out_everywhere(app, ana, browser, csrf_of):
    front, back = browser(ana, "2468"), browser(ana, "2468")
    front.post("/signout", data={"csrf_token": csrf_of(front, "/tablet")})
    assert back.get("/tablet").status_code == 302


def test_a_pin_reset_ends_every_session_of_that_person(app, ana, maya, browser, csrf_of):
    stolen = copied(app, browser(ana, "2468"))
    assert stolen.get("/tablet").status_code == 200
    console = browser(maya, "9999")
    page = f"/manage/staff/{ana.id}"
    console.post(f"{page}/pin", data={"csrf_token": csrf_of(console, page), "pin": "1357"})
    assert stolen.get("/tablet").status_code == 302
    assert console.get("/manage/staff").status_code == 200  # the manager's own session goes on


def test_deactivation_ends_every_session_of_that_person(app, ana, maya, browser, csrf_of):
    stolen = copied(app, browser(ana, "2468"))
    console = browser(maya, "9999")
    console.post(
        f"/manage/staff/{ana.id}/deactivate",
        data={"csrf_token": csrf_of(console, "/manage/staff")},
    )
    assert stolen.get("/tablet").status_code == 302


def test_a_manager_sees_and_ends_a_persons_sessions(app, ana, maya, browser, csrf_of):
    hers = browser(ana, "2468")
    console = browser(maya, "9999")
    page = f"/manage/staff/{ana.id}"
    html = console.get(page).get_data(as_text=True)
    assert "Sign out everywhere" in html
    assert "127.0.0.1" in html  # where she signed in
    console.post(f"{page}/sessions/end", data={"csrf_token": csrf_of(console, page)})
    assert hers.get("/tablet").status_code == 302
    assert "Not signed in anywhere." in console.get(page).get_data(as_text=True)


def test_no_session_outlives_its_lifetime_however_busy(app, ana, browser, clock):
    hers = browser(ana, "2468")
    lifetime = sessions.LIFETIME[Role.BARISTA]
    step = signin.IDLE_TIMEOUT[Role.BARISTA] - timedelta(minutes=5)
    elapsed = timedelta(0)
    while elapsed + step < lifetime:
        clock.now += step
        elapsed += step
        assert hers.get("/tablet").status_code == 200  # a page view: activity
    clock.now += lifetime - elapsed + timedelta(minutes=1)
    assert hers.get("/tablet").status_code == 302


def test_each_sign_in_starts_a_new_session(app, ana, browser, csrf_of):
    client = browser(ana, "2468")
    first = session_id(app, client)
    token = csrf_of(client, f"/signin?staff={ana.id}")
    client.post("/signin", data={"csrf_token": token, "staff_id": ana.id, "pin": "2468"})
    assert session_id(app, client) != first
