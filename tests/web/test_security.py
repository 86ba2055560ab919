"""What every response carries (security headers), the session cookie, the secret key, CSRF."""

from __future__ import annotations

import logging
import re
import stat
from concurrent.futures import ProcessPoolExecutor

import pytest

from pos_plugin import create_app
from pos_plugin.browser_security import SECRET_KEY_FILE, load_or_create_secret_key
from pos_plugin.database import db
from pos_plugin.models import Role


@pytest.mark.parametrize(
    "path",
    ["/healthz", "/api/v1/catalog", "/api/v1/openapi.json", "/signin", "/tablet", "/nowhere"],
)
def test_every_answer_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers.getlist("X-Frame-Options") == ["DENY"]
    assert response.headers.getlist("Cache-Control") == ["no-store"]


def test_static_assets_carry_the_headers_and_may_be_cached(client):
    with client.get("/assets/app.css") as response:
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" not in response.headers.get("Cache-Control", "")


def test_pages_name_their_icon_so_browsers_do_not_ask_for_a_missing_one(client):
    html = client.get("/signin").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', html)
    assert icon is not None
    with client.get(icon.group(1)) as response:
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"


def test_pages_use_no_inline_script(client):
    html = client.get("/signin").get_data(as_text=True)
    assert "<script>" not in html
    assert " on" + "click=" not in html


def test_an_unknown_page_is_a_page_and_an_unknown_api_path_is_a_problem(client):
    page = client.get("/nowhere")
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    api = client.get("/api/v1/nowhere")
    assert api.status_code == 404
    assert api.mimetype == "application/problem+json"


def test_the_session_and_tablet_cookies_are_http_only_and_same_site(
    client, make_staff, sign_in, csrf
):
    maya = make_staff(Role.MANAGER, name="Maya", pin="9999")
    session = next(
        c
        for c in sign_in(maya, "9999").headers.getlist("Set-Cookie")
        if c.startswith("pos_session=")
    )
    enrolled = client.post(
        "/manage/devices", data={"csrf_token": csrf("/manage/devices"), "name": "Front"}
    )
    tablet = next(c for c in enrolled.headers.getlist("Set-Cookie") if c.startswith("pos_tablet="))
    for cookie in (session, tablet):
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie


def test_the_secret_key_is_made_once_readable_by_its_owner_only(settings, app):
    path = settings.home / SECRET_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret_key(settings.home) == app.config["SECRET_KEY"]
    assert len(app.config["SECRET_KEY"]) == 64


def test_a_form_without_its_csrf_token_is_refused(client, make_staff):
    ana = make_staff(Role.BARISTA, name="Ana")
    response = client.post("/signin", data={"staff_id": ana.id, "pin": "1234"})
    assert response.status_code == 403
    assert "out of date" in response.get_data(as_text=True)
    assert client.get("/tablet").status_code == 302  # not signed in


def test_a_bearer_token_request_needs_no_csrf_token(client, auth, make_item):
    item = make_item()
    response = client.post(
        "/api/v1/comps",
        json={"item_id": item.id},
        headers={**auth("barista"), "Idempotency-Key": "k1"},
    )
    assert response.status_code == 201


def test_health_checks_and_api_calls_get_no_cookies(client, auth):
    assert "Set-Cookie" not in client.get("/healthz").headers
    assert "Set-Cookie" not in client.get("/api/v1/catalog", headers=auth()).headers


def test_processes_starting_at_once_agree_on_one_whole_key(tmp_path):
    with ProcessPoolExecutor(max_workers=4) as pool:
        keys = set(pool.map(load_or_create_secret_key, [tmp_path] * 16))
    assert len(keys) == 1
    assert len(keys.pop()) == 64
    assert [p.name for p in tmp_path.iterdir()] == [SECRET_KEY_FILE]  # no drafts left behind


@pytest.mark.parametrize("left", ["", "  \n"], ids=["empty", "blank"])
def test_an_empty_secret_key_is_made_anew_with_a_warning_and_the_pages_work(
    app, settings, clock, caplog, left
):
    path = settings.home / SECRET_KEY_FILE
    before = path.read_text()
    path.write_text(left)  # a disk that filled, or a hand that truncated it

    with caplog.at_level(logging.WARNING, "pos_plugin.browser_security"):
        restarted = create_app({"SETTINGS": settings, "TESTING": True, "POS_PLUGIN_CLOCK": clock})
    try:
        assert restarted.test_client().get("/signin").status_code == 200
    finally:
        with restarted.app_context():
            db.engine.dispose()

    key = restarted.config["SECRET_KEY"]
    assert path.read_text() == key != before
    assert len(key) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "every signed-in tablet and manager must sign in again" in caplog.text


def test_processes_that_find_the_key_empty_at_once_agree_on_one_new_key(tmp_path):
    (tmp_path / SECRET_KEY_FILE).write_text("")
    with ProcessPoolExecutor(max_workers=4) as pool:
        keys = set(pool.map(load_or_create_secret_key, [tmp_path] * 16))
    assert len(keys) == 1
    assert len(keys.pop()) == 64
    # The lock they took stays; no draft does.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f".{SECRET_KEY_FILE}.lock",
        SECRET_KEY_FILE,
    ]
