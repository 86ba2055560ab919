"""What every browser-facing response gets, at the store and at head office alike: the secret
key, cookies, CSRF, security headers, and where a sign-in may send the browser back to.

- The session cookie is signed with a key generated once into POS_PLUGIN_HOME
  (mode 0600) unless SECRET_KEY is configured; HttpOnly and SameSite=Strict.
- The session and tablet cookies are Secure when the request came over HTTPS:
  `serve` over TLS, or a reverse proxy that [server] trusted_proxies believes said
  so (`create_app` wraps the app in ProxyFix). Over plain HTTP a Secure cookie
  would never come back, so there they are not.
- Every request that writes is CSRF-checked (form field or X-CSRFToken header),
  except API calls carrying a bearer token: a browser never adds that header by
  itself, so a forged cross-site request cannot carry one. API calls that rely
  on the browser session are checked like forms.
- Requests with a bearer token skip the browser session entirely, so the till's
  tap costs what it did before the pages existed.
- Every response, the JSON API and /healthz included, carries the security headers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Request, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

SECRET_KEY_FILE = "secret_key"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}

# For the response hook, with each name's lowercase to compare; pages and API answers
# are not cached.
_SECURITY = [(name.lower(), name, value) for name, value in SECURITY_HEADERS.items()]
_SECURITY_NO_STORE = [*_SECURITY, ("cache-control", "Cache-Control", "no-store")]
# A year: browsers that saw it once over HTTPS never try plain HTTP for this host again.
_HSTS = ("strict-transport-security", "Strict-Transport-Security", "max-age=31536000")

csrf = CSRFProtect()
log = logging.getLogger(__name__)


def load_or_create_secret_key(home: Path, name: str = SECRET_KEY_FILE) -> str:
    """The key in POS_PLUGIN_HOME/`name`, created on first start readable by this user only.

    A missing file is made anew; so is an empty one (a disk that filled, a hand
    that truncated it), with a warning, as every signed-in browser is then signed out.
    """
    path = home / name
    key = _read_key(path)
    if key:
        return key
    if key is None:
        _link_new_key(path)
    else:
        _replace_empty_key(path)
    return path.read_text().strip()


def _read_key(path: Path) -> str | None:
    """The key in `path`; "" for an empty (or blank) file, None for no file."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return None


def _draft_key(path: Path) -> Path:
    """A new key written whole under a private name: no reader sees half of it."""
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(32))
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        draft.unlink()  # a full disk, say: no half-written draft left behind
        raise
    return draft


def _link_new_key(path: Path) -> None:
    # Linked into place, which fails if the name exists: two processes starting at once
    # agree on one key, the first linked.
    draft = _draft_key(path)
    try:
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink()


def _replace_empty_key(path: Path) -> None:
    """Put a new key in place of an empty file, atomically (a draft, then `os.replace`).

    Under a lock: two processes that both found the file empty would otherwise both
    replace it, and the one that read back before the other's replace would sign with
    a key nobody else has. Under it, the second finds the first's key and keeps it.
    A process that found a key never takes the lock, and a key once written is never
    replaced, so it may read at any time.
    """
    from filelock import FileLock  # only here: a start with a good key does not load it

    with FileLock(path.with_name(f".{path.name}.lock"), mode=0o600):
        now = _read_key(path)
        if now is None:
            _link_new_key(path)  # deleted meanwhile: the ordinary first start
            return
        if now:
            return  # another process replaced it first: theirs is the key
        draft = _draft_key(path)
        try:
            os.replace(draft, path)
        except BaseException:
            draft.unlink()
            raise
    log.warning(
        "Warning: %s was empty, so a new session key was made: every signed-in tablet "
        "and manager must sign in again.",
        path,
    )


def bearer_request(req: Request) -> bool:
    return "Authorization" in req.headers


def cookies_secure(app: Flask) -> bool:
    """Whether this response's cookies get Secure: SESSION_COOKIE_SECURE, or HTTPS."""
    return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


class _PagesOnlySessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, not opened at all for a bearer-token request."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if bearer_request(request):
            return self.session_class()
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        return cookies_secure(app)


def configure_cookies(
    app: Flask, home: Path, cookie_name: str, key_file: str = SECRET_KEY_FILE
) -> None:
    """The signed session cookie (key in `home`/`key_file`) and Flask-WTF's CSRF tokens.

    The app checks CSRF itself (`csrf.protect()` in a hook): which requests are exempt
    differs between the store and head office.
    """
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(home, key_file)
    app.config["SESSION_COOKIE_NAME"] = cookie_name
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Strict"
    # A tablet may stay open all day; the session's idle timeout ends it, not the token's age.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.session_interface = _PagesOnlySessionInterface()
    csrf.init_app(app)


def add_security_headers(app: Flask, static_endpoint: str, *, hsts: bool = False) -> None:
    """The security headers on every answer; `no-store` on all but static files; with
    `hsts`, Strict-Transport-Security on answers that went over HTTPS."""

    @app.after_request
    def _headers(response: Response) -> Response:
        # One pass over the response's headers, not one per header added (on every tap).
        present = {name.lower() for name, _ in response.headers}
        wanted = _SECURITY if request.endpoint == static_endpoint else _SECURITY_NO_STORE
        if hsts and request.is_secure:
            wanted = [*wanted, _HSTS]
        response.headers.extend(
            [(name, value) for key, name, value in wanted if key not in present]
        )
        return response


def safe_next(target: str | None) -> str | None:
    """A `next` to go back to after signing in: a path on this site, never another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target
