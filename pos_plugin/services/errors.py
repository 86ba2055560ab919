"""Domain errors: what went wrong in the shop's words; doors map them to status codes."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    slug: ClassVar[str] = "domain-error"
    title: ClassVar[str] = "Request refused"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class NotFound(DomainError):
    slug = "not-found"
    title = "Not found"


class InvalidInput(DomainError):
    """A value that parsed but makes no sense here (unknown item, inactive staff...)."""

    slug = "invalid-input"
    title = "Invalid input"


class NotAuthenticated(DomainError):
    slug = "not-authenticated"
    title = "Sign-in required"


class WrongCredentials(NotAuthenticated):
    slug = "wrong-credentials"
    title = "Wrong PIN or password"


class SignInLocked(DomainError):
    """Too many wrong tries: `locked` ("staff" or "device") and `locked_until` say which, when."""

    slug = "sign-in-locked"
    title = "Signing in is locked for a while"


class PermissionDenied(DomainError):
    slug = "forbidden"
    title = "Not allowed"


class UndoWindowClosed(PermissionDenied):
    slug = "undo-window-closed"
    title = "Undo window has passed"


class AllowanceExceeded(DomainError):
    slug = "allowance-exceeded"
    title = "Shift allowance used up"


class AlreadyVoided(DomainError):
    slug = "already-voided"
    title = "Comp already voided"


class IdempotencyKeyRequired(DomainError):
    slug = "idempotency-key-required"
    title = "Idempotency-Key header required"


class IdempotencyKeyReused(DomainError):
    slug = "idempotency-key-reused"
    title = "Idempotency-Key reused with a different request"
