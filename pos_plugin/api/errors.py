"""The API's side of errors: flask-smorest's HTTP errors as problem details, and their
OpenAPI documentation (`pos_plugin.problems` maps domain and database errors)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from flask import Flask, Response, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Api, Blueprint
from marshmallow import INCLUDE, Schema, fields
from marshmallow.validate import OneOf
from werkzeug.exceptions import HTTPException, InternalServerError

from pos_plugin import problems
from pos_plugin.api.reasons import translated
from pos_plugin.problems import PROBLEM_MIMETYPE, problem
from pos_plugin.services.limits import Limit
from pos_plugin.text import scrub_text

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


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
    reason = " ".join(translated(str(reason)) for reason in reasons)
    return [{"name": prefix or "(body)", "in": location, "reason": reason}]


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
    """A tap refused by one of the shift's limits, with what is left of each (null: no cap)."""

    limit = fields.String(
        validate=OneOf([limit.value for limit in Limit if limit is not Limit.ITEM_RETIRED]),
        metadata={
            "description": "the limit that blocks: allowance (the shift's money), max_comps "
            "(the shift's count), max_comps_per_staff (the barista's own count) or per_item "
            "(the item's per-shift limit)"
        },
    )
    remaining = fields.Nested(_Money, metadata={"description": "money left in the shift"})
    remaining_comps = fields.Integer(
        allow_none=True, metadata={"description": "comps left in the shift"}
    )
    own_remaining_comps = fields.Integer(
        allow_none=True,
        metadata={"description": "comps left of the giving barista's own cap"},
    )
    item_remaining = fields.Integer(
        allow_none=True, metadata={"description": "times left of the item's per-shift limit"}
    )
    max_comps = fields.Integer(allow_none=True)
    max_comps_per_staff = fields.Integer(allow_none=True)
    per_shift_limit = fields.Integer(allow_none=True, metadata={"description": "the item's"})
    shift_id = fields.Integer()


class CompRefusedSchema(ProblemSchema):
    """Bad input for a tap; an item taken off the catalog says so in `limit`."""

    limit = fields.String(
        validate=OneOf([Limit.ITEM_RETIRED.value]),
        metadata={"description": "item_retired: the item is off the catalog (not for other input)"},
    )


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
        if isinstance(error, InternalServerError):
            return problems.internal_error()
        # Pages (pos_plugin.web) answer people with a page of their own.
        page = problems.error_page(error)
        if page is not None:
            return page
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        if messages:
            params = _invalid_params(messages)
            detail = "; ".join(f"{p['name']}: {p['reason']}" for p in params)
            if status == 400 and any("Invalid JSON" in p["reason"] for p in params):
                return problem(
                    400,
                    _l("Malformed JSON"),
                    _l("The request body is not valid JSON."),
                    "malformed-json",
                )
            return problem(
                status, _l("Invalid input"), detail, "invalid-input", invalid_params=params
            )
        response = problem(status, error.name, error.description or error.name)
        for name, value in error.get_headers():  # e.g. Allow on a 405
            if name.lower() != "content-type":
                response.headers[name] = value
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

    def decorate(view: F) -> F:
        for status in statuses:
            view = blp.alt_response(status.value, response=status.name)(view)
        return view

    return decorate


def register_problem_handlers(app: Flask) -> None:
    problems.init_app(app)
