"""Signing in to head office: every page and CSV needs a person, sessions end on the server,
wrong passwords lock, and every answer carries the security headers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pos_plugin.headoffice import database, signin
from pos_plugin.headoffice.models import SignInTry, UserRole
from pos_plugin.services import lockout

from .conftest import PASSWORD, csrf_of, sign_in


def from_address(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_a_stranger_is_sent_to_sign_in_and_gets_401_for_a_csv(ho_app):
    client = ho_app.test_client()

    page = client.get("/?from=2026-11-01")
    csv = client.get("/reports/stories.csv")

    assert page.status_code == 302
    assert page.location == "/signin?next=/?from%3D2026-11-01"
    assert csv.status_code == 401
    assert csv.mimetype == "application/problem+json"
    assert client.get("/admin/users").status_code == 302


def test_signing_in_comes_back_to_the_page_asked_for_and_shows_who_is_signed_in(ho_app, make_user):
    make_user("Olu")
    client = ho_app.test_client()
    form = client.get("/signin?next=/reports/stores.csv").get_data(as_text=True)
    assert 'autocomplete="current-password"' in form

    answer = sign_in(client, next="/reports/stores.csv")

    assert answer.status_code == 302
    assert answer.location == "/reports/stores.csv"
    assert client.get("/reports/stores.csv").status_code == 200
    assert "Olu (viewer)" in client.get("/").get_data(as_text=True)


def test_a_wrong_password_or_name_is_refused_the_same_way(ho_app, make_user):
    make_user("Olu")
    client = ho_app.test_client()

    wrong_password = sign_in(client, password="not the one at all")
    wrong_name = sign_in(client, name="Nobody")

    for answer in (wrong_password, wrong_name):
        assert answer.status_code == 401
        assert "That name and password do not match." in answer.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_form_without_its_csrf_token_is_refused(ho_app, make_user, viewer):
    stranger = ho_app.test_client()
    assert stranger.post("/signin", data={"name": "Olu", "password": PASSWORD}).status_code == 400
    refused = viewer.post("/signout")

    assert refused.status_code == 400
    assert "reload the page" in refused.get_data(as_text=True)
    assert viewer.get("/").status_code == 200  # still signed in


def test_signing_out_ends_the_session_on_the_server(ho_app, viewer):
    copied = viewer.get_cookie("ho_session")
    assert viewer.post("/signout", data={"csrf_token": csrf_of(viewer, "/")}).status_code == 302

    replay = ho_app.test_client()
    replay.set_cookie("ho_session", copied.value)

    assert replay.get("/").status_code == 302
    assert viewer.get("/").status_code == 302


def test_an_idle_session_ends_after_30_minutes_and_any_after_10_hours(ho_app, viewer, ho_clock):
    ho_clock.now += timedelta(minutes=29)
    assert viewer.get("/").status_code == 200
    ho_clock.now += signin.IDLE[UserRole.VIEWER] + timedelta(seconds=1)
    assert viewer.get("/").status_code == 302

    assert sign_in(viewer).status_code == 302
    # Active every 29 minutes (a CSV: the cheapest page), till the lifetime is past.
    for _ in range(int(signin.LIFETIME[UserRole.VIEWER] / timedelta(minutes=29))):
        ho_clock.now += timedelta(minutes=29)
        assert viewer.get("/reports/days.csv").status_code == 200
    ho_clock.now += timedelta(minutes=29)
    assert viewer.get("/reports/days.csv").status_code == 401


def test_five_wrong_passwords_lock_the_person_even_with_the_right_one_then(
    ho_app, make_user, ho_clock
):
    make_user("Olu")
    client = ho_app.test_client()
    for _ in range(signin.USER_MAX_FAILURES - 1):
        assert sign_in(client, password="guess guess guess").status_code == 401
    assert sign_in(client, password="guess guess guess").status_code == 429

    locked = sign_in(client)

    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) == lockout.LOCKOUT.total_seconds()
    assert "locked until" in locked.get_data(as_text=True)
    ho_clock.now += lockout.LOCKOUT
    assert sign_in(client).status_code == 302


def test_an_address_trying_many_names_is_locked_whoever_it_names(ho_app, make_user):
    make_user("Olu")
    guesser = ho_app.test_client()
    for number in range(signin.ADDRESS_MAX_FAILURES - 1):
        assert sign_in(guesser, name=f"guess-{number}").status_code == 401
    assert sign_in(guesser, name="guess-last").status_code == 429

    assert sign_in(guesser).status_code == 429
    elsewhere = from_address(ho_app, "192.0.2.7")
    assert sign_in(elsewhere).status_code == 302


def test_a_burst_of_parallel_wrong_passwords_checks_no_more_than_the_limit(
    ho_app, ho_engine, make_user, backend
):
    if backend != "postgresql":
        pytest.skip("SQLite runs one write at a time by itself; the race is PostgreSQL's")
    make_user("Olu")
    clients = [from_address(ho_app, f"192.0.2.{n}") for n in range(12)]
    tokens = [csrf_of(client) for client in clients]
    start = threading.Barrier(len(clients))
    codes: list[int] = []

    def guess(client, token):
        start.wait()
        data = {"name": "Olu", "password": "guess guess guess", "csrf_token": token}
        codes.append(client.post("/signin", data=data).status_code)

    threads = [
        threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with database.read_session(ho_engine) as session:
        checked = session.scalar(select(func.count()).select_from(SignInTry))
    assert checked == signin.USER_MAX_FAILURES
    assert sorted(codes) == [401] * 4 + [429] * 8


def test_every_answer_carries_the_security_headers_and_hsts_only_over_https(ho_app, viewer):
    stranger = ho_app.test_client()
    answers = [
        stranger.get("/signin"),
        stranger.get("/reports/stores.csv"),
        stranger.post("/api/v1/sync/upload/x.manifest.json", data=b"{}"),
        stranger.get("/assets/headoffice.css"),
        viewer.get("/"),
    ]
    for answer in answers:
        policy = answer.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "'unsafe-inline'" not in policy
        assert "frame-ancestors 'none'" in policy
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in answer.headers
        answer.close()
    over_tls = ho_app.test_client().get("/signin", base_url="https://localhost")
    assert over_tls.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "<style" not in viewer.get("/").get_data(as_text=True)


def test_a_name_no_one_could_have_is_a_wrong_try_not_an_error(ho_app, make_user):
    make_user("Olu")
    client = ho_app.test_client()

    for name in ("Olu\x00", "x" * 5000, ""):
        assert sign_in(client, name=name).status_code == 401
