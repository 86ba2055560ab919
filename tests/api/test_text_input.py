"""Dirty text at the API door: refused with 422 naming the field, on both databases."""

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos_plugin.text import TextError, clean_text

TAP = "/api/v1/comps"


def post_raw(client, headers, raw_json: str, key: str | None = None):
    """Send JSON text as written, escapes and all (the test client would re-encode a dict)."""
    return client.post(
        TAP,
        data=raw_json.encode("utf-8"),
        headers={
            **headers,
            "Content-Type": "application/json",
            "Idempotency-Key": key or str(uuid.uuid4()),
        },
    )


def invalid_names(response) -> list[str]:
    return [p["name"] for p in response.json["invalid_params"]]


@pytest.mark.parametrize("field", ["note", "customer_name", "reason", "order_ref"])
@pytest.mark.parametrize(
    ("escaped", "what"),
    [
        (r"a\u0000b", "NUL character"),
        (r"\ud800", "lone surrogate"),
        (r"a\udfffb", "lone surrogate"),
        (r"ring\u0007", "control character (U+0007)"),
        (r"cut\u001bi", "control character (U+001B)"),
        (r"x\u009by", "control character (U+009B)"),
        (r"abc\u202edcba", "bidirectional control"),
    ],
)
def test_a_dirty_text_field_is_refused_with_422_naming_it(
    client, auth, make_item, field, escaped, what
):
    item = make_item()
    response = post_raw(client, auth("till"), f'{{"item_id": {item.id}, "{field}": "{escaped}"}}')
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert invalid_names(response) == [field]
    assert what in response.json["detail"]
    listed = client.get(TAP, headers=auth("manager")).json
    assert listed == []


def test_a_line_break_is_kept_in_the_note_but_refused_in_the_name(client, auth, make_item):
    item = make_item()
    note = post_raw(client, auth("till"), f'{{"item_id": {item.id}, "note": "Happy\\r\\nday"}}')
    assert note.status_code == 201
    assert note.json["note"] == "Happy\nday"
    name = post_raw(client, auth("till"), f'{{"item_id": {item.id}, "customer_name": "Sa\\nm"}}')
    assert name.status_code == 422
    assert invalid_names(name) == ["customer_name"]
    assert "line break" in name.json["detail"]


def test_text_is_stored_in_nfc_and_trimmed(client, auth, make_item):
    item = make_item()
    decomposed = "Zoe\u0308"  # "Zoë" typed with a combining diaeresis
    response = client.post(
        TAP,
        json={"item_id": item.id, "customer_name": f"  {decomposed}\u00a0", "note": "Caf\u00e9"},
        headers={**auth("till"), "Idempotency-Key": "k1"},
    )
    assert response.status_code == 201
    comp = client.get(f"{TAP}/{response.json['id']}", headers=auth("manager")).json
    assert comp["customer_name"] == "Zo\u00eb"
    assert comp["note"] == "Caf\u00e9"


def test_the_length_limit_counts_characters_after_normalisation(client, auth, make_item):
    item = make_item()
    # 80 letters each with a combining accent: 160 code points, 80 once composed.
    name = "e\u0301" * 80
    ok = client.post(
        TAP,
        json={"item_id": item.id, "customer_name": name},
        headers={**auth("till"), "Idempotency-Key": "k1"},
    )
    assert ok.status_code == 201
    too_long = client.post(
        TAP,
        json={"item_id": item.id, "customer_name": "\u00e9" * 81},
        headers={**auth("till"), "Idempotency-Key": "k2"},
    )
    assert too_long.status_code == 422
    assert invalid_names(too_long) == ["customer_name"]


def test_a_void_reason_with_a_nul_is_refused_and_the_comp_stays(client, auth, make_item):
    item = make_item()
    comp = post_raw(client, auth("till"), f'{{"item_id": {item.id}}}').json
    response = client.post(
        f"{TAP}/{comp['id']}/void",
        data=b'{"reason": "oops\\u0000"}',
        headers={**auth("manager"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert invalid_names(response) == ["reason"]
    again = client.get(f"{TAP}/{comp['id']}", headers=auth("manager")).json
    assert again["status"] == "active"


@pytest.mark.parametrize("key", [r"\ud800", r"a\u0000b", r"\u001b[2J"])
def test_a_dirty_unknown_field_name_is_refused_not_a_500(client, auth, make_item, key):
    item = make_item()
    response = post_raw(client, auth("till"), f'{{"item_id": {item.id}, "{key}": 1}}')
    assert response.status_code == 422
    body = json.loads(response.get_data(as_text=True))
    assert body["status"] == 422


def test_a_body_that_is_not_utf8_is_malformed_json(client, auth, make_item):
    item = make_item()
    response = client.post(
        TAP,
        data=f'{{"item_id": {item.id}, "note": "caf'.encode() + b'\xe9"}',
        headers={**auth("till"), "Content-Type": "application/json", "Idempotency-Key": "k"},
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("key", ["a\x00b", "tab\there", "caf\u00e9", "a" * 256])
def test_a_dirty_idempotency_key_is_refused_naming_the_header(client, auth, make_item, key):
    item = make_item()
    response = client.post(
        TAP,
        json={"item_id": item.id},
        headers={**auth("till"), "Idempotency-Key": key.encode().decode("latin-1")},
    )
    assert response.status_code == 422
    assert invalid_names(response) == ["Idempotency-Key"]


ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=()),
        st.sampled_from("\x00\x07\x1b\x85\t\n\r\u2028\u202e\ufffe\ud800\u0301 e"),
    ),
    max_size=90,
)


@pytest.fixture
def free_item(client, auth, make_item):
    """An item worth nothing on a shift with no count cap: any number of taps fit."""
    client.patch(
        "/api/v1/shifts/current",
        json={"allowance": {"amount": 0, "currency": "EUR"}, "max_comps": None},
        headers=auth("manager"),
    )
    return make_item(value=0)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=ANY_TEXT, note=ANY_TEXT)
def test_any_text_is_refused_naming_the_field_or_stored_and_read_back_equal(
    client, auth, free_item, name, note
):
    manager = auth("manager")
    body = json.dumps({"item_id": free_item.id, "customer_name": name, "note": note})
    response = post_raw(client, manager, body)

    expected, refused = {}, set()
    for field, value, multiline, limit in (
        ("customer_name", name, False, 80),
        ("note", note, True, 280),
    ):
        try:
            cleaned = clean_text(value, multiline=multiline)
        except TextError:
            refused.add(field)
            continue
        if len(cleaned) > limit:
            refused.add(field)
        expected[field] = cleaned or None
    if refused:
        assert response.status_code == 422, response.json
        assert set(invalid_names(response)) == refused
    else:
        assert response.status_code == 201, response.json
        stored = client.get(f"{TAP}/{response.json['id']}", headers=manager).json
        assert {f: stored[f] for f in expected} == expected


# Zero-width space, zero-width joiner, word joiner, BOM, blank Braille: text that shows nothing.
INVISIBLE_ONLY = ["\u200b", "\u200b\u200b\u200b", " \u200d\u2060 ", "\ufeff", "\u2800\u3164"]


@pytest.mark.parametrize("invisible", INVISIBLE_ONLY, ids=lambda v: v.encode("unicode_escape"))
def test_an_optional_text_of_only_invisible_characters_is_stored_as_no_value(
    client, auth, make_item, invisible
):
    item = make_item()
    body = {"item_id": item.id, "customer_name": invisible, "note": invisible, "reason": invisible}

    response = client.post(TAP, json=body, headers={**auth("till"), "Idempotency-Key": "k1"})

    assert response.status_code == 201
    stored = client.get(f"{TAP}/{response.json['id']}", headers=auth("manager")).json
    assert (stored["customer_name"], stored["note"], stored["reason"]) == (None, None, None)


@pytest.mark.parametrize(
    "name",
    ["\U0001f469\u200d\U0001f373 Zo\u00eb", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"],
    ids=["zwj-emoji", "zwnj-persian"],
)
def test_joiners_inside_visible_text_are_kept(client, auth, make_item, name):
    response = client.post(
        TAP,
        json={"item_id": make_item().id, "customer_name": name},
        headers={**auth("till"), "Idempotency-Key": "k1"},
    )

    assert response.status_code == 201
    assert response.json["customer_name"] == name


@pytest.mark.parametrize("invisible", INVISIBLE_ONLY, ids=lambda v: v.encode("unicode_escape"))
def test_a_void_reason_of_only_invisible_characters_is_refused_like_an_empty_one(
    client, auth, make_item, invisible
):
    comp = post_raw(client, auth("till"), f'{{"item_id": {make_item().id}}}').json
    empty = client.post(f"{TAP}/{comp['id']}/void", json={"reason": ""}, headers=auth("manager"))

    response = client.post(
        f"{TAP}/{comp['id']}/void", json={"reason": invisible}, headers=auth("manager")
    )

    assert response.status_code == 422
    assert invalid_names(response) == ["reason"]
    assert response.json["detail"] == empty.json["detail"]
    assert client.get(f"{TAP}/{comp['id']}", headers=auth("manager")).json["status"] == "active"


def test_a_breakdown_titled_only_with_invisible_characters_is_refused(client, auth):
    response = client.post(
        "/api/v1/breakdowns", json={"title": "\u200b\u200b"}, headers=auth("barista")
    )

    assert response.status_code == 422
    assert invalid_names(response) == ["title"]
