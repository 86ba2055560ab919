"""Domain errors: what went wrong in the shop's words; doors map them to status codes.

Every title and detail is a flask-babel lazy string (`lazy_gettext`, imported as
`_l`, with named parameters): a service raises it without knowing who asks, and
the door that shows it (problem+json, a page, a form) reads it in the store's
language at that moment. `pos-plugin` on the command line reads it in English.
Services stay free of the request: a lazy string looks nothing up until shown.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    slug: ClassVar[str] = "domain-error"
    title: ClassVar[LazyString] = _l("Request refused")

    def __init__(self, detail: LazyString, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class NotFound(DomainError):
    slug = "not-found"
    title = _l("Not found")


class InvalidInput(DomainError):
    """A value that parsed but makes no sense here (unknown item, inactive staff...)."""

    slug = "invalid-input"
    title = _l("Invalid input")


class NotAuthenticated(DomainError):
    slug = "not-authenticated"
    title = _l("Sign-in required")


class WrongCredentials(NotAuthenticated):
    slug = "wrong-credentials"
    title = _l("Wrong PIN or password")


class SignInLocked(DomainError):
    """Too many wrong tries: `locked` ("staff" or "device") and `locked_until` say which, when."""

    slug = "sign-in-locked"
    title = _l("Signing in is locked for a while")


class PermissionDenied(DomainError):
    slug = "forbidden"
    title = _l("Not allowed")


class UndoWindowClosed(PermissionDenied):
    slug = "undo-window-closed"
    title = _l("Undo window has passed")


class AllowanceExceeded(DomainError):
    slug = "allowance-exceeded"
    title = _l("Shift allowance used up")


class AlreadyVoided(DomainError):
    slug = "already-voided"
    title = _l("Comp already voided")


class IdempotencyKeyRequired(DomainError):
    slug = "idempotency-key-required"
    title = _l("Idempotency-Key header required")


class IdempotencyKeyReused(DomainError):
    slug = "idempotency-key-reused"
    title = _l("Idempotency-Key reused with a different request")
