"""The token comes before the body, and a body is read within limits, on both databases.

Without a token (or a signed-in browser) every write answers 401 before its
body is read: deep, duplicated, malformed or wrongly typed, it makes no
difference. With one, JSON nested deeper than 32 levels, or an object with a
key twice, is a 400 problem that names the limit or the key, and nothing is
recorded.
"""

from __future__ import annotations

import io
import json
import logging

import pytest

from pos_plugin.json_limits import MAX_DEPTH

TAP = "/api/v1/comps"
DEEP = "[" * 5000 + "]" * 5000  # 10 KB: Python's own parser dies of RecursionError on it
WRITES = [
    ("POST", TAP),
    ("POST", "/api/v1/breakdowns"),
    ("PATCH", "/api/v1/shifts/current"),
    ("POST", f"{TAP}/00000000-0000-0000-0000-000000000000/void"),
]


def send(client, method, path, raw: str | bytes, headers=None, **extra):
    data = raw.encode() if isinstance(raw, str) else raw
    return client.open(
        path,
        method=method,
        data=data,
        headers={"Content-Type": "application/json", "Idempotency-Key": "k-1", **(headers or {})},
        **extra,
    )


def nested(depth: int) -> str:
    """An object nested `depth` levels deep in all: {"a": {"a": ... {} ...}}."""
    return '{"a": ' * (depth - 1) + "{}" + "}" * (depth - 1)


class ExplodingBody(io.RawIOBase):
    """A 10 KB request body that fails the test if anything reads it."""

    size = 10_000

    def __init__(self) -> None:
        super().__init__()
        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        # The test client measures the body by seeking; only reading it is refused.
        start = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = start + offset
        return self.position

    def readinto(self, buffer) -> int:
        raise AssertionError("the body was read before the caller was known")


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize(
    "body",
    [
        DEEP,
        '{"item_id": 1, "item_id": 2}',
        '{"reason": ',  # cut short
        '{"allowance": "lots", "max_comps": "x"}',  # wrong types
        '{"nonsense": true}',  # unknown fields
        "",
    ],
    ids=["deep", "duplicate", "truncated", "wrong-types", "unknown-field", "empty"],
)
def test_without_a_token_any_body_is_401_and_nothing_else(client, method, path, body, caplog):
    caplog.set_level(logging.WARNING)

    response = send(client, method, path, body)

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["type"] == "/problems/not-authenticated"
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_without_a_token_the_body_is_not_even_read(client, method, path):
    response = client.open(
        path,
        method=method,
        input_stream=ExplodingBody(),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 401


def test_a_form_body_without_a_token_is_401_not_415(client):
    response = client.post(TAP, data={"item_id": "1"})

    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_with_a_token_deep_json_is_a_400_naming_the_limit(client, auth, method, path, caplog):
    caplog.set_level(logging.WARNING)

    response = send(client, method, path, DEEP, auth("manager"))

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json["type"] == "/problems/json-too-deep"
    assert response.json["max_depth"] == MAX_DEPTH == 32
    assert "32 levels" in response.json["detail"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_json_at_the_limit_is_read_and_judged_by_the_schema(client, auth):
    at_limit = send(client, "POST", TAP, nested(MAX_DEPTH), auth("manager"))
    over = send(client, "POST", TAP, nested(MAX_DEPTH + 1), auth("manager"))

    assert at_limit.status_code == 422  # "a" is no field of a tap
    assert at_limit.json["type"] == "/problems/invalid-input"
    assert over.json["type"] == "/problems/json-too-deep"


def test_brackets_inside_a_note_are_text_not_nesting(client, auth, make_item):
    item = make_item()
    note = "[{" * 60 + ' \\" ' + "}]" * 60

    response = send(client, "POST", TAP, f'{{"item_id": {item.id}, "note": "{note}"}}', auth())

    assert response.status_code == 201
    assert response.json["note"].startswith("[{[{")


def test_a_duplicate_key_is_a_400_naming_it_and_nothing_is_recorded(client, auth, make_item):
    item = make_item()
    body = f'{{"item_id": {item.id}, "note": "for Sam", "note": "for Jo"}}'

    response = send(client, "POST", TAP, body, auth())

    assert response.status_code == 400
    assert response.json["type"] == "/problems/duplicate-json-key"
    assert response.json["invalid_params"][0]["name"] == "note"
    assert response.json["detail"].startswith("note: ")
    assert client.get(TAP, headers=auth("manager")).json == []


def test_a_duplicate_key_inside_a_nested_object_is_found_too(client, auth):
    before = client.get("/api/v1/shifts/current", headers=auth("manager")).json
    body = '{"allowance": {"amount": 100, "currency": "EUR", "amount": 100000}, "max_comps": 5}'

    response = send(client, "PATCH", "/api/v1/shifts/current", body, auth("manager"))

    assert response.status_code == 400
    assert response.json["invalid_params"][0]["name"] == "amount"
    after = client.get("/api/v1/shifts/current", headers=auth("manager")).json
    assert after["allowance"] == before["allowance"]


def test_a_huge_duplicate_key_is_named_by_its_start(client, auth):
    key = "k" * 5000
    response = send(client, "POST", TAP, f'{{"{key}": 1, "{key}": 2}}', auth())

    assert response.status_code == 400
    assert response.json["invalid_params"][0]["name"] == "k" * 64


# -- a signed-in browser: the CSRF check, then the body ------------------------------------


@pytest.fixture
def barista(make_staff, sign_in):
    from pos_plugin.models import Role

    ana = make_staff(Role.BARISTA, name="Ana", pin="2468")
    sign_in(ana, "2468")
    return ana


def test_a_browser_without_the_csrf_header_is_refused_before_its_body_is_read(client, barista):
    response = send(client, "POST", TAP, DEEP)

    assert response.status_code == 403
    assert response.json["type"] == "/problems/csrf-failed"


@pytest.mark.parametrize("path", [TAP, "/tablet/approvals"])
def test_a_browser_fetch_with_deep_json_is_a_400(client, barista, csrf, path):
    response = send(client, "POST", path, DEEP, {"X-CSRFToken": csrf("/tablet")})

    assert response.status_code == 400
    assert response.json["type"] == "/problems/json-too-deep"


def test_a_tablet_approval_with_a_key_twice_is_a_400(client, barista, csrf, make_item):
    body = json.dumps({"item_id": make_item().id, "manager_id": 1, "pin": "1234"})
    body = body[:-1] + ', "pin": "9999"}'

    response = send(client, "POST", "/tablet/approvals", body, {"X-CSRFToken": csrf("/tablet")})

    assert response.status_code == 400
    assert response.json["invalid_params"][0]["name"] == "pin"


def test_a_browser_not_signed_in_gets_401_from_the_tablet_without_its_body_read(client, csrf):
    # Anyone can have a CSRF token (the sign-in page hands one out); it says who nobody is.
    response = client.post(
        "/tablet/approvals",
        input_stream=ExplodingBody(),
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf("/signin")},
    )

    assert response.status_code == 401
