"""What the tablet needs from the API: breakdowns, suggested notes, the own cap, over-allowance."""

from __future__ import annotations

from datetime import time

import pytest

from pos_plugin.database import write_transaction
from pos_plugin.services import playbook
from pos_plugin.services.actors import SYSTEM

TUESDAY = 1


@pytest.fixture
def used_up(client, auth, make_item):
    """The shift's 15.00 given away; returns a 3.00 cookie that no longer fits."""
    headers = {**auth("barista"), "Idempotency-Key": "cake"}
    cake = make_item(value=1500, name="Cake")
    assert (
        client.post("/api/v1/comps", json={"item_id": cake.id}, headers=headers).status_code == 201
    )
    return make_item(value=300, name="Cookie")


def test_a_manager_token_gives_one_comp_over_the_allowance(client, auth, used_up):
    body = {"item_id": used_up.id, "over_allowance": True}
    response = client.post(
        "/api/v1/comps", json=body, headers={**auth("manager"), "Idempotency-Key": "over-1"}
    )
    assert response.status_code == 201
    assert response.json["approved_by_id"] is None  # a token, not a staff member
    assert client.get("/api/v1/shifts/current", headers=auth()).json["used"]["amount"] == 1800


def test_over_allowance_from_a_barista_or_till_is_403_and_records_nothing(client, auth, used_up):
    for role in ("barista", "till"):
        response = client.post(
            "/api/v1/comps",
            json={"item_id": used_up.id, "over_allowance": True},
            headers={**auth(role), "Idempotency-Key": f"over-{role}"},
        )
        assert response.status_code == 403
        assert response.json["invalid_params"][0]["name"] == "over_allowance"
    assert client.get("/api/v1/shifts/current", headers=auth()).json["comps_count"] == 1


def test_over_allowance_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    comp_create = spec["components"]["schemas"]["CompCreate"]["properties"]
    assert "manager only" in comp_create["over_allowance"]["description"]
    assert "/api/v1/breakdowns" in spec["paths"]


def test_the_catalog_carries_suggested_notes(client, auth, app, clock):
    from pos_plugin.money import Money
    from pos_plugin.services import catalog
    from pos_plugin.services.store import get_store

    with app.app_context(), write_transaction():
        catalog.add_item(
            SYSTEM,
            get_store(),
            name="Birthday treat",
            value=Money(350, "EUR"),
            icon="🎂",
            suggested_notes=["Happy birthday!"],
            now=clock.now,
        )
    [item] = client.get("/api/v1/catalog", headers=auth()).json
    assert item["suggested_notes"] == ["Happy birthday!"]


def test_the_breakdowns_list_the_approved_playbook(client, auth, app, clock):
    with app.app_context(), write_transaction():
        for title in ("Long wait", "Wrong drink made"):
            proposed = playbook.propose(
                SYSTEM,
                title=title,
                recovery="A cookie.",
                suggested_item_id=None,
                proposed_by_id=None,
                now=clock.now,
            )
            if title == "Long wait":
                playbook.approve(SYSTEM, proposed.id, clock.now)
    assert [b["title"] for b in client.get("/api/v1/breakdowns", headers=auth("barista")).json] == [
        "Long wait"
    ]
    waiting = client.get("/api/v1/breakdowns?status=proposed", headers=auth("manager")).json
    assert [b["title"] for b in waiting] == ["Wrong drink made"]
    assert (
        client.get("/api/v1/breakdowns?status=proposed", headers=auth("barista")).status_code == 403
    )


def test_a_barista_proposes_a_breakdown_that_waits(client, auth, make_staff, make_item):
    bea = make_staff(name="Bea")
    item = make_item()
    response = client.post(
        "/api/v1/breakdowns",
        json={"title": "Out of oat milk", "recovery": "Upgrade.", "suggested_item_id": item.id},
        headers=auth("barista", staff_id=bea.id),
    )
    assert response.status_code == 201
    assert (response.json["status"], response.json["proposed_by_id"]) == ("proposed", bea.id)
    again = client.post(
        "/api/v1/breakdowns", json={"title": "Out of oat milk"}, headers=auth("barista")
    )
    assert again.status_code == 422
    assert again.json["invalid_params"][0]["name"] == "title"


@pytest.mark.parametrize("body", [{}, {"title": ""}, {"title": "x" * 121}, {"title": "a\u0000b"}])
def test_a_bad_proposal_is_422_naming_the_title(client, auth, body):
    response = client.post("/api/v1/breakdowns", json=body, headers=auth("barista"))
    assert response.status_code == 422
    assert response.json["invalid_params"][0]["name"] == "title"


def test_a_barista_under_a_per_barista_cap_sees_their_own_count(
    client, auth, make_staff, make_item, make_template
):
    make_template(TUESDAY, time(8), time(12), allowance=5000, max_comps_per_staff=3)
    bea = make_staff(name="Bea")
    headers = auth("barista", staff_id=bea.id)
    client.post("/api/v1/comps", json={"item_id": make_item().id}, headers=headers)
    shift = client.get("/api/v1/shifts/current", headers=headers).json
    assert (shift["own_comps_count"], shift["own_remaining_comps"]) == (1, 2)
    till = client.get("/api/v1/shifts/current", headers=auth()).json
    assert till["own_comps_count"] is None
