"""GET /api/v1/comps in pages: `limit`, and a `Link: rel="next"` cursor; the body stays an array."""

import re
import uuid
from datetime import timedelta

TAP = "/api/v1/comps"


def tap(client, headers, item_id):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    return client.post(TAP, json={"item_id": item_id}, headers={**headers, **key}).json


def next_link(response):
    found = re.fullmatch(r'<http://localhost(/[^>]+)>; rel="next"', response.headers["Link"])
    assert found, response.headers["Link"]
    return found.group(1)


def test_following_the_links_gives_every_comp_once_newest_first(client, auth, make_item, clock):
    item = make_item(value=10)
    till = auth("till")
    given = []
    for _ in range(5):
        given.append(tap(client, till, item.id)["id"])
        clock.now += timedelta(seconds=1)
    seen, url, pages = [], f"{TAP}?limit=2", 0
    while url:
        response = client.get(url, headers=till)
        assert response.status_code == 200
        assert isinstance(response.json, list)
        seen += [c["id"] for c in response.json]
        pages += 1
        url = next_link(response) if "Link" in response.headers else None
    assert seen == list(reversed(given))
    assert pages == 3


def test_without_a_limit_the_whole_day_comes_back_with_no_link(client, auth, make_item):
    item = make_item(value=10)
    till = auth("till")
    for _ in range(3):
        tap(client, till, item.id)
    response = client.get(TAP, headers=till)
    assert len(response.json) == 3
    assert "Link" not in response.headers


def test_a_made_up_cursor_or_limit_is_422_naming_it(client, auth):
    till = auth("till")
    bad_cursor = client.get(f"{TAP}?limit=2&cursor=bm90LWEtY3Vyc29y", headers=till)
    assert bad_cursor.status_code == 422
    assert bad_cursor.json["invalid_params"][0]["name"] == "cursor"
    bad_limit = client.get(f"{TAP}?limit=0", headers=till)
    assert bad_limit.status_code == 422
    assert bad_limit.json["invalid_params"][0]["name"] == "limit"


def test_the_openapi_document_describes_the_paging(client):
    spec = client.get("/api/v1/openapi.json").json
    listing = spec["paths"]["/api/v1/comps"]["get"]
    assert {"limit", "cursor"} <= {p["name"] for p in listing["parameters"]}
    assert "Link" in listing["responses"]["200"]["headers"]


def test_an_override_reason_comes_back_on_the_shift(client, auth):
    body = {"allowance": {"amount": 900, "currency": "EUR"}, "max_comps": None, "reason": "Rush"}
    response = client.patch("/api/v1/shifts/current", json=body, headers=auth("manager"))
    assert response.status_code == 200
    assert response.json["override_reason"] == "Rush"
