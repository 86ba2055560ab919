"""The session cookie (and the tablet's, set the same way) is Secure when the store is
reached over HTTPS: served over TLS, or through a reverse proxy that [server]
trusted_proxies believes. Real servers on loopback, as `serve` builds them."""

from __future__ import annotations

import dataclasses
import http.client
import re
import ssl
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
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


def secure(jar: SimpleCookie) -> bool:
    assert SESSION_COOKIE in jar, "the sign-in page sets the session cookie (its CSRF token)"
    return bool(jar[SESSION_COOKIE]["secure"])


def test_over_tls_the_session_cookie_is_secure(make_app, certificate):
    with serve(make_app(), certificate) as store:
        assert secure(cookies_of(store, "/signin"))


def test_over_plain_http_it_is_not_or_the_browser_would_never_send_it_back(make_app):
    with serve(make_app()) as store:
        assert not secure(cookies_of(store, "/signin"))


def test_behind_a_trusted_proxy_that_says_https_it_is_secure(make_app):
    with serve(make_app(trusted_proxies=1)) as store:
        via_https = cookies_of(store, "/signin", {"X-Forwarded-Proto": "https"})
        via_http = cookies_of(store, "/signin", {"X-Forwarded-Proto": "http"})
    assert secure(via_https)
    assert not secure(via_http)


def test_without_trusted_proxies_a_client_cannot_claim_https_for_itself(make_app):
    with serve(make_app()) as store:
        jar = cookies_of(store, "/signin", {"X-Forwarded-Proto": "https"})
    assert not secure(jar)


class Browser:
    """One tablet's browser on one connection: it keeps its cookies, and names the page it
    is on as the Referer (Referrer-Policy: same-origin), which Flask-WTF requires of a form
    sent over HTTPS."""

    def __init__(self, store: Store, origin: str, headers: dict[str, str] | None = None):
        self.conn = store.connect()
        self.origin = origin  # the address the tablet opened
        self.headers = headers or {}  # what a proxy in between adds
        self.jar: SimpleCookie = SimpleCookie()
        self.page: str | None = None

    def send(self, method: str, url: str, **form: str) -> tuple[http.client.HTTPResponse, str]:
        headers = dict(self.headers)
        if self.page:
            headers["Referer"] = self.origin + self.page
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.jar.items())
        body = None
        if form:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(form)
        self.conn.request(method, url, body=body, headers=headers)
        answer = self.conn.getresponse()
        text = answer.read().decode()
        for line in answer.headers.get_all("Set-Cookie") or []:
            self.jar.load(line)
        if method == "GET":
            self.page = url
        return answer, text

    def close(self) -> None:
        self.conn.close()

    def sign_in(self, staff_id: int, pin: str) -> http.client.HTTPResponse:
        _, html = self.send("GET", f"/signin?staff={staff_id}")
        token = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
        assert token is not None
        form = {"csrf_token": token.group(1), "staff_id": str(staff_id), "pin": pin}
        return self.send("POST", "/signin", **form)[0]


def test_a_barista_signs_in_over_https_and_her_tablet_opens(make_app, certificate):
    with serve(make_app(), certificate) as store, closing(Browser(store, store.origin)) as browser:
        signed_in = browser.sign_in(1, "2468")
        assert (signed_in.status, signed_in.headers["Location"]) == (302, "/tablet")
        assert browser.jar[SESSION_COOKIE]["secure"]
        tablet, html = browser.send("GET", "/tablet")
        assert tablet.status == 200
        assert "Ana" in html


def test_behind_a_trusted_proxy_a_barista_signs_in_at_the_address_she_typed(make_app):
    # What Caddy adds; nginx needs `proxy_set_header X-Forwarded-Host $host` (or Host) too:
    # a form sent over HTTPS must come from a page of the host it is sent to.
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "till.example"}
    with (
        serve(make_app(trusted_proxies=1)) as store,
        closing(Browser(store, "https://till.example", proxy)) as browser,
    ):
        signed_in = browser.sign_in(1, "2468")
        assert (signed_in.status, signed_in.headers["Location"]) == (302, "/tablet")
        assert browser.jar[SESSION_COOKIE]["secure"]
        assert browser.send("GET", "/tablet")[0].status == 200
