"""Who is calling the API, settled before anything of the request's body is read.

A `before_request` hook resolves the caller (`caller.current_actor`: a bearer
token, or a signed-in browser) for every endpoint of the API's blueprints and
keeps it in `g`; a stranger gets 401 there, so no body of theirs is ever read,
let alone parsed, whatever it holds. Only then is a body's media type checked
(415), and the body read (`pos_plugin.json_bodies`). Views take the settled
caller from `caller()`. The OpenAPI document itself needs no caller.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, Response, g, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from pos_plugin.caller import current_actor
from pos_plugin.problems import problem
from pos_plugin.services.actors import Actor

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def caller() -> Actor:
    """The caller of this API request, as the gate settled it before the view ran."""
    actor: Actor = g.api_caller
    return actor


def settled() -> bool:
    """Whether this request is an API request whose caller the gate has settled."""
    return "api_caller" in g


def init_app(app: Flask, blueprints: Iterable[Blueprint]) -> None:
    guarded = frozenset(blueprint.name for blueprint in blueprints)

    @app.before_request
    def _settle_the_caller_first() -> Response | None:
        if request.blueprint not in guarded:
            return None
        g.api_caller = current_actor()  # NotAuthenticated: the 401 problem
        if request.method in BODY_METHODS and request.content_length and not request.is_json:
            return problem(
                415,
                _l("Unsupported media type"),
                _l("Send the body as JSON with Content-Type: application/json."),
                "unsupported-media-type",
            )
        return None
