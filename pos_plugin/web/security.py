"""The store's pages and API: its session cookie, CSRF on every write that a browser's
session could make, and the security headers (`browser_security` holds the mechanisms,
shared with head office)."""

from __future__ import annotations

from flask import Flask, request, session

from pos_plugin.browser_security import (
    WRITE_METHODS,
    add_security_headers,
    bearer_request,
    configure_cookies,
    csrf,
)


def init_app(app: Flask) -> None:
    configure_cookies(app, app.config["POS_PLUGIN_SETTINGS"].home, "pos_session")

    @app.before_request
    def _check_csrf() -> None:
        if request.method not in WRITE_METHODS or bearer_request(request):
            return
        if request.path.startswith("/api/") and "staff" not in session:
            return  # neither token nor session: the API answers 401 itself
        csrf.protect()

    add_security_headers(app, "web.static")
