"""POST/GET /api/v1/comps and the void: the till's and the tablet's main door."""

import uuid
from datetime import timedelta

import pytest

TAP = "/api/v1/comps"


def tap(client, headers, key=None, **body):
    extra = {"Idempotency-Key": key or str(uuid.uuid4())}
    return client.post(TAP, json=body, headers={**headers, **extra})


def test_a_tap_records_the_comp_and_answers_201(client, auth, make_item):
    cookie = make_item(value=180, name="Free cookie")
    response = tap(
        client,
        auth("till"),
        item_id=cookie.id,
        note="Enjoy!",
        customer_name="Priya",
        order_ref="A-17",
    )
    assert response.status_code == 201
    comp = response.json
    assert comp["item_id"] == cookie.id
    assert comp["value"] == {"amount": 180, "currency": "EUR"}
    assert comp["note"] == "Enjoy!"
    assert comp["status"] == "active"
    assert uuid.UUID(comp["id"])
    assert response.headers["Location"] == f"/api/v1/comps/{comp['id']}"


def test_the_tap_uses_up_the_shift_allowance(client, auth, make_item):
    cookie = make_item(value=180)
    headers = auth("till")
    tap(client, headers, item_id=cookie.id)
    shift = client.get("/api/v1/shifts/current", headers=headers).json
    assert shift["used"] == {"amount": 180, "currency": "EUR"}
    assert shift["remaining"] == {"amount": 1500 - 180, "currency": "EUR"}
    assert shift["comps_count"] == 1
    assert shift["remaining_comps"] == 19


def test_a_tap_over_the_allowance_is_409_and_records_nothing(client, auth, make_item):
    cake = make_item(value=1000)
    headers = auth("till")
    assert tap(client, headers, item_id=cake.id).status_code == 201
    refused = tap(client, headers, item_id=cake.id)
    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"
    assert refused.json["type"].endswith("allowance-exceeded")
    assert refused.json["remaining"] == {"amount": 500, "currency": "EUR"}
    assert refused.json["remaining_comps"] == 19
    assert "€5.00" in refused.json["detail"]
    assert client.get("/api/v1/shifts/current", headers=headers).json["comps_count"] == 1


def test_a_retried_tap_with_the_same_key_returns_the_first_comp(client, auth, make_item):
    item = make_item()
    headers = auth("till")
    first = tap(client, headers, key="order-17-cream", item_id=item.id, note="Hi")
    again = tap(client, headers, key="order-17-cream", item_id=item.id, note="Hi")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == first.json["id"]
    assert len(client.get(TAP, headers=headers).json) == 1


def test_the_same_key_with_another_body_is_422(client, auth, make_item):
    item = make_item()
    headers = auth("till")
    tap(client, headers, key="k-1", item_id=item.id)
    response = tap(client, headers, key="k-1", item_id=item.id, note="different")
    assert response.status_code == 422
    assert response.json["type"].endswith("idempotency-key-reused")
    assert len(client.get(TAP, headers=headers).json) == 1


def test_a_till_must_send_an_idempotency_key(client, auth, make_item):
    item = make_item()
    response = client.post(TAP, json={"item_id": item.id}, headers=auth("till"))
    assert response.status_code == 400
    assert response.json["invalid_params"][0]["name"] == "Idempotency-Key"


def test_a_barista_may_tap_without_a_key(client, auth, make_item):
    item = make_item()
    response = client.post(TAP, json={"item_id": item.id}, headers=auth("barista"))
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "item_id"),
        ({"item_id": "7"}, "item_id"),
        ({"item_id": 1, "note": "x" * 281}, "note"),
        ({"item_id": 1, "customer_name": 5}, "customer_name"),
        ({"item_id": 1, "surprise": True}, "surprise"),
        ({"item_id": 1, "staff_id": 1.5}, "staff_id"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, auth, body, field):
    response = tap(client, auth("barista"), **body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in [p["name"] for p in response.json["invalid_params"]]


def test_an_unknown_item_is_422_naming_item_id(client, auth):
    response = tap(client, auth("barista"), item_id=999)
    assert response.status_code == 422
    assert response.json["invalid_params"][0]["name"] == "item_id"


def test_an_inactive_item_cannot_be_given(client, auth, make_item):
    retired = make_item(active=False)
    response = tap(client, auth("barista"), item_id=retired.id)
    assert response.status_code == 422
    assert "not on the catalog" in response.json["detail"]


def test_malformed_json_is_400(client, auth):
    response = client.post(
        TAP, data='{"item_id": ', headers={**auth("barista"), "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["type"].endswith("malformed-json")


def test_a_json_array_body_is_422(client, auth):
    response = client.post(TAP, json=[1, 2], headers=auth("barista"))
    assert response.status_code == 422


def test_a_form_body_is_415(client, auth):
    response = client.post(TAP, data={"item_id": "1"}, headers=auth("barista"))
    assert response.status_code == 415


def test_an_oversize_body_is_413(client, auth):
    response = client.post(TAP, json={"item_id": 1, "note": "x" * 70_000}, headers=auth("barista"))
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_blank_text_fields_are_stored_as_no_note(client, auth, make_item):
    item = make_item()
    response = tap(client, auth("barista"), item_id=item.id, note="  ", customer_name="")
    assert response.status_code == 201
    assert response.json["note"] is None
    assert response.json["customer_name"] is None


# -- void ----------------------------------------------------------------------------------


def test_a_barista_undoes_their_own_tap_and_gets_the_allowance_back(
    client, auth, make_item, make_staff
):
    item = make_item(value=300)
    ana = make_staff(name="Ana")
    headers = auth("barista", staff_id=ana.id)
    comp = tap(client, headers, item_id=item.id).json
    response = client.post(
        f"{TAP}/{comp['id']}/void", json={"reason": "wrong button"}, headers=headers
    )
    assert response.status_code == 200
    assert response.json["status"] == "voided"
    assert response.json["void_reason"] == "wrong button"
    shift = client.get("/api/v1/shifts/current", headers=headers).json
    assert shift["remaining"]["amount"] == 1500
    assert shift["comps_count"] == 0


def test_after_two_minutes_only_a_manager_may_void(client, auth, make_item, clock):
    item = make_item()
    barista = auth("barista")
    comp = tap(client, barista, item_id=item.id).json
    clock.now += timedelta(minutes=2, seconds=1)
    late = client.post(f"{TAP}/{comp['id']}/void", json={"reason": "oops"}, headers=barista)
    assert late.status_code == 403
    assert late.json["type"].endswith("undo-window-closed")
    manager = client.post(
        f"{TAP}/{comp['id']}/void", json={"reason": "oops"}, headers=auth("manager")
    )
    assert manager.status_code == 200


def test_a_barista_cannot_void_someone_elses_comp(client, auth, make_item):
    item = make_item()
    comp = tap(client, auth("barista", name="tablet 1"), item_id=item.id).json
    response = client.post(
        f"{TAP}/{comp['id']}/void", json={"reason": "x"}, headers=auth("barista", name="tablet 2")
    )
    assert response.status_code == 403


def test_a_till_cannot_void(client, auth, make_item):
    item = make_item()
    headers = auth("till")
    comp = tap(client, headers, item_id=item.id).json
    response = client.post(f"{TAP}/{comp['id']}/void", json={"reason": "x"}, headers=headers)
    assert response.status_code == 403


def test_voiding_twice_is_409(client, auth, make_item):
    item = make_item()
    manager = auth("manager")
    comp = tap(client, manager, item_id=item.id).json
    url = f"{TAP}/{comp['id']}/void"
    assert client.post(url, json={"reason": "x"}, headers=manager).status_code == 200
    again = client.post(url, json={"reason": "x"}, headers=manager)
    assert again.status_code == 409
    assert again.json["type"].endswith("already-voided")


def test_a_void_needs_a_reason(client, auth, make_item):
    item = make_item()
    manager = auth("manager")
    comp = tap(client, manager, item_id=item.id).json
    response = client.post(f"{TAP}/{comp['id']}/void", json={}, headers=manager)
    assert response.status_code == 422
    assert response.json["invalid_params"][0]["name"] == "reason"


def test_voiding_an_unknown_comp_is_404(client, auth):
    response = client.post(
        f"{TAP}/{uuid.uuid4()}/void", json={"reason": "x"}, headers=auth("manager")
    )
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


# -- list ----------------------------------------------------------------------------------


def test_the_list_filters_by_business_date_and_shift(client, auth, make_item, clock):
    item = make_item(value=10)
    till = auth("till")
    yesterday = tap(client, till, item_id=item.id).json
    clock.now += timedelta(days=1)
    today = tap(client, till, item_id=item.id).json
    listed = client.get(TAP, headers=till).json
    assert [c["id"] for c in listed] == [today["id"]]
    by_date = client.get(f"{TAP}?business_date={yesterday['business_date']}", headers=till).json
    assert [c["id"] for c in by_date] == [yesterday["id"]]
    by_shift = client.get(f"{TAP}?shift_id={yesterday['shift_id']}", headers=till).json
    assert [c["id"] for c in by_shift] == [yesterday["id"]]


def test_a_bad_business_date_is_422(client, auth):
    response = client.get(f"{TAP}?business_date=yesterday", headers=auth("till"))
    assert response.status_code == 422
    assert response.json["invalid_params"][0]["name"] == "business_date"


def test_a_barista_may_not_list_comps(client, auth):
    assert client.get(TAP, headers=auth("barista")).status_code == 403


@pytest.mark.parametrize("item_id", [0, -1, 2**40])
def test_an_out_of_range_id_is_422_not_a_database_error(client, auth, item_id):
    response = tap(client, auth("barista"), item_id=item_id)
    assert response.status_code == 422
    assert response.json["invalid_params"][0]["name"] == "item_id"
