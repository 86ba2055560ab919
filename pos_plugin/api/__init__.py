"""The JSON API under /api/v1, its OpenAPI document, /healthz and /readyz."""

from __future__ import annotations

import copy

from flask import Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from flask_babel import force_locale

from pos_plugin import checks
from pos_plugin.api import gate
from pos_plugin.api.errors import ProblemApi, register_problem_handlers

API_CONFIG = {
    "API_TITLE": "On the House",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "security": [{"bearerAuth": []}],
        "info": {
            "description": "One-tap 'on the house' comps inside a per-shift allowance. "
            "Errors are application/problem+json (RFC 9457); money is integer minor units."
        },
    },
}


def init_app(app: Flask) -> None:
    for key, value in API_CONFIG.items():
        # A copy each: apispec writes the title and version into API_SPEC_OPTIONS' "info",
        # which would otherwise be the one dict of every app in the process.
        app.config.setdefault(key, copy.deepcopy(value))
    api = ProblemApi(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "pos-plugin token create"}
    )
    from pos_plugin.api import breakdowns, catalog, comps, printing, shifts

    blueprints = (catalog.blp, shifts.blp, comps.blp, printing.blp, breakdowns.blp)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    gate.init_app(app, blueprints)
    register_problem_handlers(app)

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz() -> ResponseReturnValue:
        """Ready unless a check failed: an offline printer or a late sync only warn."""
        found = checks.run(
            checks.READY,
            current_app.config["POS_PLUGIN_SETTINGS"],
            current_app.config["POS_PLUGIN_CLOCK"](),
        )
        ready = all(c.status is not checks.Status.FAIL for c in found)
        # English for every store: monitors match on these words.
        with force_locale("en"):
            body = {c.name: {"status": c.status.value, "message": str(c.message)} for c in found}
        answer = jsonify(status="ready" if ready else "not ready", checks=body)
        answer.status_code = 200 if ready else 503
        answer.headers["Cache-Control"] = "no-store"
        return answer
