"""The till's door to a comp's note, and the manager's door to the print queue."""

from __future__ import annotations

import uuid

import pytest

TAP = "/api/v1/comps"


@pytest.fixture
def comp(client, auth, make_item, make_staff):
    item = make_item(value=180, name="Free cookie")
    ana = make_staff(name="Ana Lopez")
    response = client.post(
        TAP,
        json={"item_id": item.id, "customer_name": "Priya", "note": "Happy birthday, Priya!"},
        headers={**auth("barista", staff_id=ana.id), "Idempotency-Key": "k1"},
    )
    assert response.status_code == 201
    return response.json


def test_the_till_gets_the_note_as_text_to_embed(client, auth, comp):
    response = client.get(f"{TAP}/{comp['id']}/receipt?format=text", headers=auth("till"))
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "Test Cafe" in text
    assert "Free cookie, on the house" in text
    assert "For Priya" in text
    assert "Happy birthday, Priya!" in text
    assert "With a smile from Ana" in text
    assert "24 Nov 2026 10:00" in text  # the store's zone and language
    assert max(len(line) for line in text.splitlines()) <= 42


def test_the_note_as_escpos_bytes_and_as_a_png_preview(client, auth, comp):
    escpos = client.get(f"{TAP}/{comp['id']}/receipt?format=escpos", headers=auth("till"))
    assert escpos.mimetype == "application/octet-stream"
    assert escpos.data.startswith(b"\x1b@")
    assert b"Happy birthday, Priya!" in escpos.data
    png = client.get(f"{TAP}/{comp['id']}/receipt?format=png", headers=auth("manager"))
    assert png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG")


def test_text_is_the_default_and_an_unknown_format_is_422(client, auth, comp):
    plain = client.get(f"{TAP}/{comp['id']}/receipt", headers=auth("till"))
    assert plain.mimetype == "text/plain"
    bad = client.get(f"{TAP}/{comp['id']}/receipt?format=pdf", headers=auth("till"))
    assert bad.status_code == 422
    assert bad.json["invalid_params"][0]["name"] == "format"


def test_a_receipt_for_no_comp_is_404(client, auth):
    response = client.get(f"{TAP}/{uuid.uuid4()}/receipt", headers=auth("till"))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "role", "status"),
    [
        ("get", "/api/v1/print-jobs", "till", 403),
        ("get", "/api/v1/print-jobs", "barista", 403),
        ("get", "/api/v1/print-jobs", "manager", 200),
        ("post", "/api/v1/print-jobs/1/retry", "till", 403),
        ("post", "/api/v1/print-jobs/1/retry", "manager", 404),
        ("get", "/api/v1/printer", "barista", 200),
        ("get", "/api/v1/printer", None, 401),
    ],
)
def test_who_may_see_and_retry_the_print_queue(client, auth, method, path, role, status):
    headers = auth(role) if role else {}
    assert getattr(client, method)(path, headers=headers).status_code == status


def test_without_a_printer_the_state_says_so_and_taps_queue_nothing(client, auth, comp):
    status = client.get("/api/v1/printer", headers=auth("barista")).json
    assert status["kind"] == "none"
    assert status["state"] == "none"
    assert status["waiting"] == 0
    assert client.get("/api/v1/print-jobs", headers=auth("manager")).json == []
