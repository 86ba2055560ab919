"""Every error leaves as application/problem+json (RFC 9457), mapped here and only here."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from flask import Flask, Response, current_app, json, request
from flask_smorest import Api, Blueprint
from marshmallow import INCLUDE, Schema, fields
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from pos_plugin.database import DatabaseBusy
from pos_plugin.services import errors as domain
from pos_plugin.text import scrub_text

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

PROBLEM_MIMETYPE = "application/problem+json"
PROBLEM_BASE = "/problems/"

STATUS_FOR: dict[type[domain.DomainError], int] = {
    domain.NotFound: 404,
    domain.InvalidInput: 422,
    domain.NotAuthenticated: 401,
    domain.PermissionDenied: 403,
    domain.SignInLocked: 429,
    domain.AllowanceExceeded: 409,
    domain.AlreadyVoided: 409,
    domain.IdempotencyKeyRequired: 400,
    domain.IdempotencyKeyReused: 422,
}


def problem(
    status: int, title: str, detail: str, slug: str | None = None, **extra: Any
) -> Response:
    body = {
        "type": PROBLEM_BASE + slug if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    if "retry_after" in extra:
        response.headers["Retry-After"] = str(extra["retry_after"])
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="pos-plugin"'
    return response


def status_for(error: domain.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_FOR:
            return STATUS_FOR[cls]
    return 400


def handle_domain_error(error: domain.DomainError) -> Response:
    extra = dict(error.extra)
    if error.field:
        extra["invalid_params"] = [{"name": error.field, "reason": error.detail}]
    return problem(status_for(error), error.title, error.detail, error.slug, **extra)


def _invalid_params(messages: Any, location: str = "", prefix: str = "") -> list[dict[str, str]]:
    """Flatten webargs/marshmallow messages {"json": {"item_id": ["..."]}} into named params."""
    if isinstance(messages, dict):
        out: list[dict[str, str]] = []
        for key, value in messages.items():
            if not location:
                out += _invalid_params(value, str(key), "")
            else:
                # A field name is the client's own text: it may hold a lone surrogate.
                name = scrub_text(str(key)) if key != "_schema" else "(body)"
                out += _invalid_params(value, location, f"{prefix}.{name}" if prefix else name)
        return out
    reasons = messages if isinstance(messages, list) else [messages]
    return [{"name": prefix or "(body)", "in": location, "reason": " ".join(map(str, reasons))}]


class ProblemSchema(Schema):
    """RFC 9457 problem details; some problems add members of their own."""

    class Meta:
        unknown = INCLUDE  # documents additionalProperties: extension members are allowed

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    invalid_params = fields.List(fields.Dict(), metadata={"description": "the fields at fault"})


class _Money(Schema):
    amount = fields.Integer()
    currency = fields.String()


class AllowanceExceededSchema(ProblemSchema):
    remaining = fields.Nested(_Money, metadata={"description": "value left in the shift"})
    remaining_comps = fields.Integer(allow_none=True, metadata={"description": "null: no cap"})
    limit = fields.String(
        metadata={"description": "allowance, max_comps, max_comps_per_staff or per_item"}
    )
    shift_id = fields.Integer()


class ProblemApi(Api):
    """flask-smorest's Api with its HTTP error payloads turned into problem details."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        """Document every error response as application/problem+json, as it is sent."""
        for status in HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["content"] = {PROBLEM_MIMETYPE: {"schema": ProblemSchema}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(
            "DEFAULT_ERROR",
            {"description": "Error", "content": {PROBLEM_MIMETYPE: {"schema": ProblemSchema}}},
            lazy=True,
        )

    def handle_http_exception(self, error: HTTPException) -> Response:
        status = error.code or 500
        if isinstance(error, InternalServerError):
            original = getattr(error, "original_exception", None)
            if original is not None:
                log.error(
                    "unhandled error on %s %s", request.method, request.path, exc_info=original
                )
        # Pages (pos_plugin.web) answer people with a page of their own.
        page = current_app.extensions.get("pos_plugin_error_page")
        if page is not None and not request.path.startswith(("/api/", "/healthz")):
            response: Response = page(error)
            return response
        if isinstance(error, InternalServerError):
            return problem(
                500,
                "Internal error",
                "Something went wrong on our side; nothing was recorded by this "
                "request. Try again, and tell the manager if it keeps happening.",
            )
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        if messages:
            params = _invalid_params(messages)
            detail = "; ".join(f"{p['name']}: {p['reason']}" for p in params)
            if status == 400 and any("Invalid JSON" in p["reason"] for p in params):
                return problem(
                    400, "Malformed JSON", "The request body is not valid JSON.", "malformed-json"
                )
            return problem(status, "Invalid input", detail, "invalid-input", invalid_params=params)
        response = problem(status, error.name, error.description or error.name)
        for name, value in error.get_headers():  # e.g. Allow on a 405
            if name.lower() != "content-type":
                response.headers[name] = value
        return response


def handle_database_unavailable(error: OperationalError | DatabaseBusy) -> Response:
    """Locked past the busy timeout, or PostgreSQL unreachable: retryable, nothing recorded."""
    log.warning("database unavailable on %s %s: %s", request.method, request.path, error)
    response = problem(
        503,
        "Database busy",
        "The database could not be reached or stayed busy; nothing was recorded. "
        "Try again in a moment.",
        "database-unavailable",
    )
    response.headers["Retry-After"] = "2"
    return response


# What any authenticated endpoint, and any endpoint with a JSON body, may answer.
SIGNED_IN = (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN, HTTPStatus.SERVICE_UNAVAILABLE)
WITH_BODY = (
    HTTPStatus.BAD_REQUEST,
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    HTTPStatus.UNPROCESSABLE_ENTITY,
)


def documents(blp: Blueprint, *statuses: HTTPStatus) -> Callable[[F], F]:
    """Declare the problem responses an endpoint can give, for the OpenAPI document."""
    return documented_only(
        *(blp.alt_response(status.value, response=status.name) for status in statuses)
    )


def documented_only(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Apply flask-smorest's `alt_response` decorators for the OpenAPI document alone.

    Each one also wraps the view in a call of its own (an app-context lookup and
    an async check, on every request) that does nothing else: only the
    documentation they gather is kept.
    """

    def decorate(view: F) -> F:
        documented = view
        for decorator in decorators:  # in the order given
            documented = decorator(documented)
        view._apidoc = documented._apidoc  # type: ignore[attr-defined]
        return view

    return decorate


def register_problem_handlers(app: Flask) -> None:
    app.register_error_handler(domain.DomainError, handle_domain_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(DatabaseBusy, handle_database_unavailable)

    @app.before_request
    def _require_json_bodies() -> Response | None:
        if (
            request.method in ("POST", "PATCH", "PUT")
            and request.path.startswith("/api/")
            and request.content_length
            and not request.is_json
        ):
            return problem(
                415,
                "Unsupported media type",
                "Send the body as JSON with Content-Type: application/json.",
                "unsupported-media-type",
            )
        return None
