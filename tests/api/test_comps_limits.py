"""POST /api/v1/comps refused by a limit: the problem names it (`limit`) with what is left."""

import uuid
from datetime import time

import pytest

from pos_plugin.models import Role

TAP = "/api/v1/comps"
TUESDAY = 1


def tap(client, headers, item_id):
    return client.post(
        TAP, json={"item_id": item_id}, headers={**headers, "Idempotency-Key": str(uuid.uuid4())}
    )


def test_each_limit_is_named_in_the_problem_with_what_is_left_of_each(
    client, auth, make_item, make_staff, make_template
):
    make_template(TUESDAY, time(8), time(12), allowance=500, max_comps=4, max_comps_per_staff=3)
    ana = make_staff(Role.BARISTA, name="Ana")
    as_ana = auth("barista", staff_id=ana.id)
    brownie = make_item(value=100, name="Brownie", per_shift_limit=1)
    cake = make_item(value=450, name="Cake")
    stamp = make_item(value=0, name="Stamp")

    assert tap(client, as_ana, brownie.id).status_code == 201
    item_limit = tap(client, as_ana, brownie.id)
    assert item_limit.status_code == 409
    assert item_limit.json["limit"] == "per_item"
    assert (item_limit.json["item_remaining"], item_limit.json["per_shift_limit"]) == (0, 1)

    money = tap(client, as_ana, cake.id)
    assert money.json["limit"] == "allowance"
    assert money.json["remaining"] == {"amount": 400, "currency": "EUR"}

    tap(client, as_ana, stamp.id)
    tap(client, as_ana, stamp.id)
    own = tap(client, as_ana, stamp.id)
    assert own.json["limit"] == "max_comps_per_staff"
    assert (own.json["own_remaining_comps"], own.json["remaining_comps"]) == (0, 1)

    assert tap(client, auth("till"), stamp.id).status_code == 201
    count = tap(client, auth("till"), stamp.id)
    assert count.status_code == 409
    assert (count.json["limit"], count.json["remaining_comps"]) == ("max_comps", 0)
    assert count.json["own_remaining_comps"] is None  # a shared till speaks for nobody


def test_a_retired_item_is_a_422_whose_limit_says_so(client, auth, make_item):
    retired = make_item(name="Birthday treat", active=False)
    refused = tap(client, auth("barista"), retired.id)
    assert refused.status_code == 422
    assert refused.json["limit"] == "item_retired"
    assert refused.json["invalid_params"][0]["name"] == "item_id"


def test_the_openapi_document_lists_every_limit(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert schemas["AllowanceExceeded"]["properties"]["limit"]["enum"] == [
        "allowance",
        "max_comps",
        "max_comps_per_staff",
        "per_item",
    ]
    assert schemas["CompRefused"]["properties"]["limit"]["enum"] == ["item_retired"]


def test_the_current_shift_says_what_is_left_of_each_item_limit(client, auth, make_item):
    brownie = make_item(value=100, per_shift_limit=2)
    make_item(value=100)
    tap(client, auth("till"), brownie.id)
    shift = client.get("/api/v1/shifts/current", headers=auth("till")).json
    assert shift["items_remaining"] == {str(brownie.id): 1}


@pytest.mark.parametrize("amount", [1_000_000, 2**31 - 1])
def test_an_override_past_the_range_names_the_range(client, auth, amount):
    refused = client.patch(
        "/api/v1/shifts/current",
        headers=auth("manager"),
        json={"allowance": {"amount": amount, "currency": "EUR"}, "max_comps": None},
    )
    assert refused.status_code == 422
    assert refused.json["detail"] == "Use an amount between €0.00 and €9,999.99."
    assert refused.json["invalid_params"][0]["name"] == "allowance.amount"
