"""Errors as answers: application/problem+json (RFC 9457) for the API, mapped here and only here.

The API and the pages both use it: a page's own fetch gets a problem too, and a
page request is handed to the page renderer the web package registers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, json, request
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from pos_plugin.database_faults import Fault, disk_full_log, fault_of
from pos_plugin.services import errors as domain

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"
PROBLEM_BASE = "/problems/"
# Where the web package puts its page renderer: `page(error, fault) -> Response`.
ERROR_PAGE = "pos_plugin_error_page"
RETRY_AFTER_S = {Fault.BUSY: 2, Fault.CONNECTION_LOST: 5, Fault.DISK_FULL: 60}

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
    status: int,
    title: str | LazyString,
    detail: str | LazyString,
    slug: str | None = None,
    **extra: Any,
) -> Response:
    """The answer; a lazy `title` or `detail` is read now, in the store's language."""
    body = {
        "type": PROBLEM_BASE + slug if slug else "about:blank",
        "title": str(title),
        "status": status,
        "detail": str(detail),
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


def is_page_request() -> bool:
    return not request.path.startswith("/api/") and request.path != "/healthz"


def error_page(error: HTTPException, fault: Fault | None = None) -> Response | None:
    """The page for `error` where a person asked for a page, else None."""
    page: Callable[..., Response] | None = current_app.extensions.get(ERROR_PAGE)
    return page(error, fault) if page is not None and is_page_request() else None


def handle_domain_error(error: domain.DomainError) -> Response:
    extra = dict(error.extra)
    if error.field:
        extra["invalid_params"] = [{"name": error.field, "reason": str(error.detail)}]
    return problem(status_for(error), error.title, error.detail, error.slug, **extra)


# Title, detail and problem type of each fault worth telling apart.
UNAVAILABLE = {
    Fault.BUSY: (
        _l("Database busy"),
        _l(
            "The database stayed busy with other work; nothing was recorded. Try again in a moment."
        ),
        "database-busy",
    ),
    Fault.CONNECTION_LOST: (
        _l("Database unreachable"),
        _l("The connection to the database was lost; nothing was recorded. Try again in a moment."),
        "database-unreachable",
    ),
    Fault.DISK_FULL: (
        _l("Disk full"),
        _l(
            "The disk that holds the store's data is full, so nothing was recorded. "
            "Ask the manager to free some space on the till PC; trying again will not help "
            "until then."
        ),
        "disk-full",
    ),
}


def handle_database_error(error: Exception) -> Response:
    """A fault worth telling apart answers 503 with what happened; any other is a 500."""
    fault = fault_of(error)
    if fault is None:
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=error)
        return internal_error()
    if fault is Fault.DISK_FULL:
        disk_full_log.tell("the data directory's disk is full: %s", error)
    else:
        log.warning("database %s on %s %s: %s", fault.value, request.method, request.path, error)
    title, detail, slug = UNAVAILABLE[fault]
    retry_after = RETRY_AFTER_S[fault]
    page = error_page(ServiceUnavailable(retry_after=retry_after), fault)
    if page is not None:
        return page
    return problem(503, title, detail, slug, retry_after=retry_after)


def internal_error() -> Response:
    page = error_page(InternalServerError())
    if page is not None:
        return page
    return problem(
        500,
        _l("Internal error"),
        _l(
            "Something went wrong on our side; nothing was recorded by this "
            "request. Try again, and tell the manager if it keeps happening."
        ),
    )


def init_app(app: Flask) -> None:
    app.register_error_handler(domain.DomainError, handle_domain_error)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(PoolTimeout, handle_database_error)
