"""/tablet: what a signed-in barista sees, and a manager's approval typed on the tablet."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from sqlalchemy import func, select

from pos_plugin.database import db, write_transaction
from pos_plugin.models import Comp, Role
from pos_plugin.services import playbook
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.signin import STAFF_MAX_FAILURES

PAGE_BUDGET = 150 * 1024


@pytest.fixture
def ana(make_staff):
    return make_staff(Role.BARISTA, name="Ana", pin="2468")


@pytest.fixture
def maya(make_staff):
    return make_staff(Role.MANAGER, name="Maya", pin="9999")


@pytest.fixture
def tablet(client, ana, sign_in):
    """Ana signed in on this browser; returns the tablet page's HTML."""
    sign_in(ana, "2468")
    return client.get("/tablet").get_data(as_text=True)


def page_data(html: str) -> dict:
    found = re.search(r"<div id=\"tablet-data\" hidden data-page='(.*?)'", html)
    assert found
    return json.loads(found.group(1))


def test_the_grid_shows_each_active_comp_with_its_value_in_the_stores_money(
    make_item, client, ana, sign_in
):
    make_item(value=180, name="Free cookie")
    make_item(value=50, name="Old biscuit", active=False)
    sign_in(ana, "2468")
    html = client.get("/tablet").get_data(as_text=True)
    assert "Free cookie" in html
    assert "€1.80" in html
    assert "Old biscuit" not in html


def test_the_meter_shows_what_is_left_of_the_shift(tablet):
    assert '<strong class="meter-value" id="meter-value">€15.00</strong>' in tablet
    assert "20 of 20 comps left" in tablet


def test_the_page_carries_the_undo_window_and_no_inline_script(tablet):
    assert page_data(tablet)["undo_seconds"] == 120
    for script in re.findall(r"<script[^>]*>", tablet):
        assert "src=" in script


def test_approved_breakdowns_are_shortcuts_and_managers_can_approve(
    app, clock, client, ana, maya, sign_in
):
    with app.app_context(), write_transaction():
        proposed = playbook.propose(
            SYSTEM,
            title="Long wait",
            recovery="A cookie.",
            suggested_item_id=None,
            proposed_by_id=None,
            now=clock.now,
        )
        playbook.approve(SYSTEM, proposed.id, clock.now)
    sign_in(ana, "2468")
    html = client.get("/tablet").get_data(as_text=True)
    assert f'data-breakdown="{proposed.id}">Long wait</button>' in html
    assert f'data-manager="{maya.id}">Maya</button>' in html


def test_the_whole_page_stays_under_150_kb(client, tablet):
    assets = re.findall(r'(?:href|src)="(/assets/[^"]+)"', tablet)
    total = len(tablet.encode())
    for asset in assets:
        with client.get(asset) as response:
            assert response.status_code == 200
            total += len(response.data)
    assert total < PAGE_BUDGET


# -- a manager's approval on the tablet ----------------------------------------------------


@pytest.fixture
def over(client, tablet, make_item, csrf):
    """Ana has given the whole allowance; returns a function posting an approval."""
    cake = make_item(value=1500, name="Cake")
    cookie = make_item(value=300, name="Cookie")
    token = csrf("/tablet")
    given = client.post(
        "/api/v1/comps",
        json={"item_id": cake.id},
        headers={"X-CSRFToken": token, "Idempotency-Key": "cake"},
    )
    assert given.status_code == 201

    def post(manager_id, pin, key="approval-1", **body):
        return client.post(
            "/tablet/approvals",
            json={"item_id": cookie.id, "manager_id": manager_id, "pin": pin, **body},
            headers={"X-CSRFToken": token, "Idempotency-Key": key},
        )

    return post


def test_a_managers_pin_on_the_tablet_gives_one_comp_over_the_allowance(app, over, ana, maya):
    response = over(maya.id, "9999", note="Happy birthday!")
    assert response.status_code == 201
    assert (response.json["staff_id"], response.json["approved_by_id"]) == (ana.id, maya.id)
    with app.app_context():
        comp = db.session.get(Comp, uuid.UUID(response.json["id"]))
        assert comp.created_by == "barista 'Ana'"


def test_a_wrong_manager_pin_says_so_and_locks_after_repeated_tries(over, maya):
    wrong = over(maya.id, "0000")
    assert wrong.status_code == 401
    assert wrong.json["type"].endswith("/wrong-credentials")
    for _ in range(STAFF_MAX_FAILURES - 2):
        over(maya.id, "0000")
    locked = over(maya.id, "0000")
    assert locked.status_code == 429
    assert "locked until" in locked.json["detail"]


def test_a_barista_cannot_approve_on_the_tablet(over, make_staff):
    ben = make_staff(Role.BARISTA, name="Ben", pin="2222")
    assert over(ben.id, "2222").status_code == 403


def test_bad_approval_input_is_422_naming_the_field(over, maya):
    response = over(maya.id, "12ab")
    assert response.status_code == 422
    assert response.json["invalid_params"][0]["name"] == "pin"


def test_an_approval_without_the_csrf_token_is_refused_and_records_nothing(
    client, app, ana, maya, make_item, sign_in
):
    body = {"item_id": make_item().id, "manager_id": maya.id, "pin": "9999"}
    assert client.post("/tablet/approvals", json=body).status_code == 403
    sign_in(ana, "2468")
    refused = client.post("/tablet/approvals", json=body)
    assert refused.status_code == 403
    assert refused.json["type"].endswith("/csrf-failed")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comp)) == 0


def test_an_approval_from_a_browser_that_is_not_signed_in_is_401(client, maya, make_item, csrf):
    token = csrf("/signin")
    body = {"item_id": make_item().id, "manager_id": maya.id, "pin": "9999"}
    response = client.post("/tablet/approvals", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 401


# -- text that shows nothing, typed on the tablet -------------------------------------------


def test_a_tablet_tap_for_a_customer_named_only_with_zero_width_spaces_keeps_no_name(
    client, tablet, make_item, csrf
):
    response = client.post(
        "/api/v1/comps",
        json={"item_id": make_item().id, "customer_name": "\u200b\u200b", "note": "\ufeff"},
        headers={"X-CSRFToken": csrf("/tablet"), "Idempotency-Key": "tap-1"},
    )

    assert response.status_code == 201
    assert (response.json["customer_name"], response.json["note"]) == (None, None)


def test_an_approval_for_a_customer_named_only_with_invisible_characters_keeps_no_name(over, maya):
    response = over(maya.id, "9999", customer_name="\u2060\u200d", note="\u200b Happy day")

    assert response.status_code == 201
    assert response.json["customer_name"] is None
    assert response.json["note"] == "\u200b Happy day"
