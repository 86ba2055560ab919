"""Who is calling: a bearer token, or a signed-in browser session, becomes an `Actor`."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, request

from pos_plugin.services import tokens
from pos_plugin.services.actors import Actor
from pos_plugin.services.errors import NotAuthenticated
from pos_plugin.web.session import session_actor


def current_actor() -> Actor:
    """The token's actor; without an Authorization header, the signed-in browser's.

    A browser session's writes were CSRF-checked before the view ran
    (`web.security`); a request with a bad header never falls back to the session.
    """
    header = request.headers.get("Authorization")
    if header is None:
        actor = session_actor()
        if actor is not None:
            return actor
        header = ""
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise NotAuthenticated(
            "Send 'Authorization: Bearer <token>' (`pos-plugin token create` makes one), "
            "or sign in on the tablet."
        )
    return tokens.authenticate(secret.strip(), now())


def now() -> datetime:
    """The request's clock (tests swap it to cross the undo window or midnight)."""
    clock = current_app.config["POS_PLUGIN_CLOCK"]
    result: datetime = clock()
    return result
