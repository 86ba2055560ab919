"""API tokens for the till and tablets: created once, shown once, stored as a hash."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from pos_plugin.database import db, write_aside
from pos_plugin.models import ApiToken, Role, Staff
from pos_plugin.secret_tokens import digest, new_token
from pos_plugin.services import audit
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.errors import InvalidInput, NotAuthenticated, NotFound
from pos_plugin.services.text_input import required_text

TOKEN_PREFIX = "oth_"
NAME_MAX = 80
# How stale a token's "last used" may get before a request writes it again.
TOUCH_EVERY = timedelta(minutes=5)


def create_token(
    actor: Actor, *, role: Role, name: str, now: datetime, staff_id: int | None = None
) -> tuple[ApiToken, str]:
    """Returns the stored row and the token itself, which is never retrievable again.

    A token may speak for one staff member (a barista's own tablet), so their
    comps carry their name and count against their per-barista cap.
    """
    actor.require(Permission.MANAGE)
    name = required_text(
        name,
        field="name",
        max_length=NAME_MAX,
        empty=_l("Say what the token is for, e.g. 'front till'."),
    )
    if role not in (Role.TILL, Role.BARISTA, Role.MANAGER):
        raise InvalidInput(_l("A token is for a till, a barista or a manager."), field="role")
    if staff_id is not None:
        member = db.session.get(Staff, staff_id)
        if member is None or not member.active:
            raise InvalidInput(
                _l("There is no active staff member %(id)s.", id=staff_id), field="staff_id"
            )
        if role is Role.MANAGER and member.role is not Role.MANAGER:
            raise InvalidInput(_l("%(name)s is not a manager.", name=member.name), field="role")
    secret = new_token(TOKEN_PREFIX)
    token = ApiToken(
        name=name, role=role, token_hash=digest(secret), staff_id=staff_id, created_at=now
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor,
        "token.created",
        "api_token",
        token.id,
        now,
        name=name,
        role=role.value,
        staff_id=staff_id,
    )
    return token, secret


def revoke_tokens_named(actor: Actor, name: str, now: datetime) -> int:
    actor.require(Permission.MANAGE)
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = now
        audit.record(actor, "token.revoked", "api_token", token.id, now, name=name)
    db.session.flush()
    return len(tokens)


def list_tokens(actor: Actor, *, include_revoked: bool = False) -> list[ApiToken]:
    """The tokens, newest first, each with when it was last used (to within `TOUCH_EVERY`)."""
    actor.require(Permission.MANAGE)
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    return list(db.session.scalars(query))


def revoke_token(actor: Actor, token_id: int, now: datetime) -> ApiToken:
    actor.require(Permission.MANAGE)
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(_l("No API token %(id)s.", id=token_id))
    if token.revoked_at is None:
        token.revoked_at = now
        audit.record(actor, "token.revoked", "api_token", token.id, now, name=token.name)
        db.session.flush()
    return token


def authenticate(secret: str, now: datetime) -> Actor:
    token = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == digest(secret))
    ).first()
    if token is None or token.revoked_at is not None:
        raise NotAuthenticated(_l("The API token is unknown or revoked."))
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        # At most one write per token every few minutes, not one per tap.
        write_aside(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return Actor(
        role=token.role,
        label=f"{token.role.value} token {token.name!r}",
        token_id=token.id,
        staff_id=token.staff_id,
    )
