"""The API accepts a signed-in browser session, whose writes must carry the CSRF token."""

from __future__ import annotations

import pytest

from pos_plugin.models import Role


@pytest.fixture
def ana(make_staff):
    return make_staff(Role.BARISTA, name="Ana", pin="2468")


@pytest.fixture
def signed_in_client(client, ana, sign_in):
    sign_in(ana, "2468")
    return client


def test_a_signed_in_browser_reads_the_api(signed_in_client):
    assert signed_in_client.get("/api/v1/shifts/current").status_code == 200


def test_a_browser_tap_without_the_csrf_header_is_refused_and_records_nothing(
    signed_in_client, make_item
):
    item = make_item()
    response = signed_in_client.post("/api/v1/comps", json={"item_id": item.id})
    assert response.status_code == 403
    assert response.json["type"].endswith("/csrf-failed")
    assert signed_in_client.get("/api/v1/shifts/current").json["comps_count"] == 0


def test_a_browser_tap_with_the_csrf_header_is_given_in_the_barista_name(
    signed_in_client, make_item, ana, csrf
):
    item = make_item()
    response = signed_in_client.post(
        "/api/v1/comps",
        json={"item_id": item.id},
        headers={"X-CSRFToken": csrf("/tablet"), "Idempotency-Key": "tap-1"},
    )
    assert response.status_code == 201
    assert response.json["staff_id"] == ana.id


def test_a_bad_bearer_header_never_falls_back_to_the_session(signed_in_client):
    response = signed_in_client.get(
        "/api/v1/shifts/current", headers={"Authorization": "Bearer nope"}
    )
    assert response.status_code == 401


def test_without_token_or_session_the_api_answers_401(client, make_item):
    response = client.post("/api/v1/comps", json={"item_id": make_item().id})
    assert response.status_code == 401
