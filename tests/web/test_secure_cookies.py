"""The session and device cookies are Secure when the store is reached over HTTPS: served
over TLS, or through a reverse proxy that [server] trusted_proxies believes. Real
servers on loopback, as `serve` builds them."""

from __future__ import annotations

import dataclasses
import http.client
import re
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import trustme
from flask import Flask

from pos_plugin import create_app, serving
from pos_plugin.database import db, write_transaction
from pos_plugin.models import Role
from pos_plugin.services import staff
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.store import apply_settings
from pos_plugin.settings import ServerSettings, Settings
from pos_plugin.web.security import DEVICE_COOKIE

SESSION_COOKIE = "pos_session"


@dataclasses.dataclass(frozen=True)
class Store:
    port: int
    client_context: ssl.SSLContext | None  # None: plain HTTP

    def connect(self) -> http.client.HTTPConnection:
        if self.client_context is None:
            return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        return http.client.HTTPSConnection(
            "127.0.0.1", self.port, context=self.client_context, timeout=10
        )

    @property
    def origin(self) -> str:
        scheme = "http" if self.client_context is None else "https"
        return f"{scheme}://127.0.0.1:{self.port}"


@pytest.fixture
def make_app(
    tmp_path: Path, settings_for: Callable[..., Settings]
) -> Iterator[Callable[..., Flask]]:
    """`make_app(trusted_proxies=0)`: a store on SQLite with Ana, a barista (PIN 2468)."""
    made: list[Flask] = []

    def make(trusted_proxies: int = 0) -> Flask:
        settings = settings_for(tmp_path / "home", f"sqlite:///{tmp_path / 'store.db'}")
        settings = dataclasses.replace(
            settings, server=ServerSettings(trusted_proxies=trusted_proxies)
        )
        app = create_app({"SETTINGS": settings})
        with app.app_context():
            db.create_all()
            with write_transaction():
                apply_settings(settings, SYSTEM, datetime.now(UTC))
                if not staff.list_staff():
                    staff.add_staff(
                        SYSTEM, name="Ana", role=Role.BARISTA, pin="2468", now=datetime.now(UTC)
                    )
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[serving.Certificate, ssl.SSLContext]:
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    leaf.private_key_pem.write_to_path(str(key))
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return serving.Certificate(cert, key), context


@contextmanager
def serve(
    app: Flask, tls: tuple[serving.Certificate, ssl.SSLContext] | None = None
) -> Iterator[Store]:
    server = serving.create_server(
        app, host="127.0.0.1", port=0, threads=4, tls=tls[0] if tls else None
    )
    loop = threading.Thread(target=server.run, daemon=True)
    loop.start()
    try:
        yield Store(server.port, tls[1] if tls else None)
    finally:
        server.stop()
        loop.join(timeout=10)


def cookies_of(store: Store, path: str, headers: dict[str, str] | None = None) -> SimpleCookie:
    """The cookies a first visit to `path` is given, with their attributes."""
    conn = store.connect()
    try:
        conn.request("GET", path, headers=headers or {})
        answer = conn.getresponse()
        answer.read()
        assert answer.status == 200
        jar: SimpleCookie = SimpleCookie()
        for line in answer.headers.get_all("Set-Cookie") or []:
            jar.load(line)
        return jar
    finally:
        conn.close()


def secure(jar: SimpleCookie) -> dict[str, bool]:
    assert {SESSION_COOKIE, DEVICE_COOKIE} <= set(jar), "the sign-in page sets both cookies"
    return {name: bool(jar[name]["secure"]) for name in (SESSION_COOKIE, DEVICE_COOKIE)}


def test_over_tls_the_session_and_device_cookies_are_secure(make_app, certificate):
    with serve(make_app(), certificate) as store:
        assert secure(cookies_of(store, "/signin")) == {SESSION_COOKIE: True, DEVICE_COOKIE: True}


def test_over_plain_http_they_are_not_or_the_browser_would_never_send_them_back(make_app):
    with serve(make_app()) as store:
        assert secure(cookies_of(store, "/signin")) == {SESSION_COOKIE: False, DEVICE_COOKIE: False}


def test_behind_a_trusted_proxy_that_says_https_they_are_secure(make_app):
    with serve(make_app(trusted_proxies=1)) as store:
        via_https = cookies_of(store, "/signin", {"X-Forwarded-Proto": "https"})
        via_http = cookies_of(store, "/signin", {"X-Forwarded-Proto": "http"})
    assert secure(via_https) == {SESSION_COOKIE: True, DEVICE_COOKIE: True}
    assert secure(via_http) == {SESSION_COOKIE: False, DEVICE_COOKIE: False}


def test_without_trusted_proxies_a_client_cannot_claim_https_for_itself(make_app):
    with serve(make_app()) as store:
        jar = cookies_of(store, "/signin", {"X-Forwarded-Proto": "https"})
    assert secure(jar) == {SESSION_COOKIE: False, DEVICE_COOKIE: False}


def test_a_barista_signs_in_over_https_and_her_tablet_opens(make_app, certificate):
    with serve(make_app(), certificate) as store:
        conn = store.connect()
        try:
            page_url = "/signin?staff=1"
            conn.request("GET", page_url)
            page = conn.getresponse()
            html = page.read().decode()
            jar: SimpleCookie = SimpleCookie()
            for line in page.headers.get_all("Set-Cookie") or []:
                jar.load(line)
            token = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
            assert token is not None
            cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())
            # As a browser posts the PIN pad: with the page it came from (Referrer-Policy:
            # same-origin), which Flask-WTF requires of a form sent over HTTPS.
            conn.request(
                "POST",
                "/signin",
                body=f"csrf_token={token.group(1)}&staff_id=1&pin=2468",
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": cookie,
                    "Referer": store.origin + page_url,
                },
            )
            signed_in = conn.getresponse()
            signed_in.read()
            assert (signed_in.status, signed_in.headers["Location"]) == (302, "/tablet")
            jar.load(signed_in.headers["Set-Cookie"])
            assert jar[SESSION_COOKIE]["secure"]
            cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())
            conn.request("GET", "/tablet", headers={"Cookie": cookie})
            tablet = conn.getresponse()
            assert tablet.status == 200
            assert "Ana" in tablet.read().decode()
        finally:
            conn.close()
