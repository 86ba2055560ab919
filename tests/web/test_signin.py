"""Sign-in pages: name tiles, the PIN pad, lockout shown plainly, sign-out and switch."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from pos_plugin.models import Role
from pos_plugin.services import signin
from pos_plugin.web.session import signed_in


@pytest.fixture
def ana(make_staff):
    return make_staff(Role.BARISTA, name="Ana", pin="2468")


def test_the_sign_in_page_shows_a_tile_per_active_staff_member(client, make_staff):
    make_staff(Role.BARISTA, name="Ana")
    make_staff(Role.MANAGER, name="Morgan")
    html = client.get("/signin").get_data(as_text=True)
    assert "Ana" in html
    assert "Morgan" in html
    managers_only = client.get("/signin?role=manager").get_data(as_text=True)
    assert "Morgan" in managers_only
    assert "Ana" not in managers_only


def test_a_tile_opens_the_pin_pad_for_that_person(client, ana):
    html = client.get(f"/signin?staff={ana.id}").get_data(as_text=True)
    assert "Hi Ana" in html
    # The pad is the touch keyboard: the system's stays down; a real keyboard types at once.
    assert re.search(r'<input id="pin"[^>]*inputmode="none"[^>]*autofocus', html, re.S)
    assert '<label for="pin">PIN</label>' in html


def test_the_right_pin_signs_in_and_goes_to_the_tablet(client, ana, sign_in):
    response = sign_in(ana, "2468")
    assert response.status_code == 302
    assert response.headers["Location"] == "/tablet"
    page = client.get("/tablet")
    assert page.status_code == 200
    assert "Ana" in page.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in_and_brought_back(client, ana, sign_in):
    response = client.get("/tablet")
    assert response.status_code == 302
    assert response.headers["Location"] == "/signin?next=/tablet"
    assert sign_in(ana, "2468", next="/tablet").headers["Location"] == "/tablet"


def test_next_never_leads_off_the_site(client, ana, sign_in):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        assert sign_in(ana, "2468", next=target).headers["Location"] == "/tablet"


def test_a_wrong_pin_says_so_next_to_the_pin_with_the_tries_left(client, ana, sign_in):
    response = sign_in(ana, "1357")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert 'id="pin-errors" role="alert"' in html
    assert "That PIN is not right; 2 tries left" in html  # a browser that is not a tablet
    assert client.get("/tablet").status_code == 302


def test_too_many_wrong_pins_lock_with_the_time_shown(client, ana, sign_in, enrol):
    enrol(client)
    for _ in range(signin.STAFF_MAX_FAILURES - 1):
        assert sign_in(ana, "0000").status_code == 401
    response = sign_in(ana, "0000")
    assert response.status_code == 429
    assert "locked until 10:15" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) == 15 * 60
    assert sign_in(ana, "2468").status_code == 429


def test_a_pin_that_is_not_digits_is_refused_by_the_form(client, ana, sign_in):
    response = sign_in(ana, "12ab")
    assert response.status_code == 422
    assert "A PIN is 4 to 8 digits." in response.get_data(as_text=True)


def test_sign_out_and_switch_end_the_session(client, ana, sign_in, csrf):
    sign_in(ana, "2468")
    token = csrf("/tablet")
    response = client.post("/switch", data={"csrf_token": token, "next": "/tablet"})
    assert response.headers["Location"] == "/signin?next=/tablet"
    assert client.get("/tablet").status_code == 302
    sign_in(ana, "2468")
    response = client.post("/signout", data={"csrf_token": csrf("/tablet")})
    assert response.headers["Location"] == "/signin"
    assert client.get("/tablet").status_code == 302


def test_an_idle_session_times_out(client, ana, sign_in, clock):
    sign_in(ana, "2468")
    clock.now += signin.IDLE_TIMEOUT[Role.BARISTA] - timedelta(minutes=1)
    assert client.get("/tablet").status_code == 200  # a page view is activity
    clock.now += signin.IDLE_TIMEOUT[Role.BARISTA] - timedelta(minutes=1)
    assert client.get("/api/v1/shifts/current").status_code == 200
    clock.now += timedelta(minutes=2)  # the poll above was not activity
    assert client.get("/tablet").status_code == 302
    assert client.get("/api/v1/shifts/current").status_code == 401


def test_a_deactivated_staff_members_session_ends(client, app, ana, sign_in):
    from pos_plugin.database import db, write_transaction
    from pos_plugin.models import Staff

    sign_in(ana, "2468")
    with app.app_context(), write_transaction():
        db.session.get(Staff, ana.id).active = False
    assert client.get("/tablet").status_code == 302


@pytest.mark.own_app  # a route added: Flask refuses that after an app's first request
def test_a_page_for_managers_shows_a_barista_a_403_and_no_data(app, client, ana, sign_in):
    app.add_url_rule(
        "/managers-only", view_func=signed_in(Role.MANAGER)(lambda: "the takings"), endpoint="mo"
    )
    assert client.get("/managers-only").headers["Location"] == (
        "/signin?next=/managers-only&role=manager"
    )
    sign_in(ana, "2468")
    response = client.get("/managers-only")
    assert response.status_code == 403
    assert "the takings" not in response.get_data(as_text=True)
