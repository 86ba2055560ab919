"""/api/v1/shifts/current: what the tablet shows and what a manager can change."""

from datetime import time

CURRENT = "/api/v1/shifts/current"


def test_the_current_shift_opens_from_the_schedule(client, auth, make_template):
    # DEFAULT_NOW is Tuesday 10:00 in London.
    make_template(
        weekday=1, starts=time(8, 0), ends=time(12, 0), allowance=800, max_comps=5, name="Morning"
    )
    shift = client.get(CURRENT, headers=auth("barista")).json
    assert shift["name"] == "Morning"
    assert shift["starts_at"] == "2026-11-24T08:00:00+00:00"
    assert shift["ends_at"] == "2026-11-24T12:00:00+00:00"
    assert shift["allowance"] == {"amount": 800, "currency": "EUR"}
    assert shift["max_comps"] == 5
    assert shift["remaining_comps"] == 5


def test_without_a_schedule_an_unscheduled_shift_has_the_default_allowance(client, auth):
    shift = client.get(CURRENT, headers=auth("till")).json
    assert shift["name"] == "Unscheduled"
    assert shift["allowance"] == {"amount": 1500, "currency": "EUR"}
    assert shift["max_comps"] == 20
    assert shift["business_date"] == "2026-11-24"


def test_a_manager_overrides_the_running_shift(client, auth):
    manager = auth("manager")
    response = client.patch(
        CURRENT,
        headers=manager,
        json={"allowance": {"amount": 3000, "currency": "EUR"}, "max_comps": None},
    )
    assert response.status_code == 200
    assert response.json["allowance"]["amount"] == 3000
    assert response.json["max_comps"] is None
    assert response.json["remaining_comps"] is None
    assert "manager" in response.json["overridden_by"]
    assert client.get(CURRENT, headers=manager).json["allowance"]["amount"] == 3000


def test_a_barista_or_till_cannot_override(client, auth):
    body = {"allowance": {"amount": 3000, "currency": "EUR"}, "max_comps": 10}
    for role in ("barista", "till"):
        response = client.patch(CURRENT, headers=auth(role), json=body)
        assert response.status_code == 403
        assert response.mimetype == "application/problem+json"


def test_an_override_in_another_currency_is_422(client, auth):
    response = client.patch(
        CURRENT,
        headers=auth("manager"),
        json={"allowance": {"amount": 3000, "currency": "USD"}, "max_comps": 10},
    )
    assert response.status_code == 422
    assert response.json["invalid_params"][0]["name"] == "allowance.currency"


def test_an_override_with_bad_values_names_the_field(client, auth):
    manager = auth("manager")
    negative = client.patch(
        CURRENT,
        headers=manager,
        json={"allowance": {"amount": -5, "currency": "EUR"}, "max_comps": 10},
    )
    assert negative.status_code == 422
    zero_cap = client.patch(
        CURRENT,
        headers=manager,
        json={"allowance": {"amount": 5, "currency": "EUR"}, "max_comps": 0},
    )
    assert zero_cap.status_code == 422
    assert [p["name"] for p in zero_cap.json["invalid_params"]] == ["max_comps"]
    missing = client.patch(CURRENT, headers=manager, json={"max_comps": 3})
    assert [p["name"] for p in missing.json["invalid_params"]] == ["allowance"]


def test_lowering_the_allowance_below_what_is_used_leaves_nothing_remaining(
    client, auth, make_item
):
    item = make_item(value=500)
    manager = auth("manager")
    client.post("/api/v1/comps", json={"item_id": item.id}, headers=manager)
    response = client.patch(
        CURRENT,
        headers=manager,
        json={"allowance": {"amount": 200, "currency": "EUR"}, "max_comps": None},
    )
    assert response.json["remaining"] == {"amount": 0, "currency": "EUR"}
    refused = client.post("/api/v1/comps", json={"item_id": item.id}, headers=manager)
    assert refused.status_code == 409
