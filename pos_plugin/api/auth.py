"""Who is calling: the bearer token becomes an `Actor` the services check."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, request

from pos_plugin.services import tokens
from pos_plugin.services.actors import Actor
from pos_plugin.services.errors import NotAuthenticated


def current_actor() -> Actor:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise NotAuthenticated(
            "Send 'Authorization: Bearer <token>'; `pos-plugin token create` makes one."
        )
    return tokens.authenticate(secret.strip(), now())


def now() -> datetime:
    """The request's clock (tests swap it to cross the undo window or midnight)."""
    clock = current_app.config["POS_PLUGIN_CLOCK"]
    result: datetime = clock()
    return result
