"""Staff members, their PINs and managers' passwords (Argon2 hashes, never stored in clear)."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from pos_plugin.database import db
from pos_plugin.models import ApiToken, Role, Staff
from pos_plugin.passwords import hash_secret, verify_secret
from pos_plugin.services import audit, sessions
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.errors import InvalidInput, NotFound
from pos_plugin.services.text_input import required_text

NAME_MAX = 80
PIN_PATTERN = re.compile(r"\d{4,8}")
# The fewest digits any PIN has; a store may require managers' longer ([security]
# manager_pin_digits), which each door passes in as `manager_pin_digits`.
PIN_DIGITS = 4
PASSWORD_MIN = 10
PASSWORD_MAX = 200


def add_staff(
    actor: Actor,
    *,
    name: str,
    role: Role,
    pin: str,
    now: datetime,
    password: str | None = None,
    manager_pin_digits: int = PIN_DIGITS,
) -> Staff:
    """Add a barista or manager with a PIN; a manager may also get a console password."""
    actor.require(Permission.MANAGE)
    name = required_text(
        name, field="name", max_length=NAME_MAX, empty=_l("Give the staff member a name.")
    )
    if role not in (Role.BARISTA, Role.MANAGER):
        raise InvalidInput(_l("Staff are baristas or managers."), field="role")
    _check_pin(pin, role, manager_pin_digits)
    if password:
        _check_password(role, password)
    if db.session.scalars(select(Staff.id).where(Staff.name == name)).first() is not None:
        raise InvalidInput(
            _l("There is already a staff member called '%(name)s'.", name=name), field="name"
        )
    staff = Staff(
        name=name,
        role=role,
        pin_hash=hash_secret(pin),
        password_hash=hash_secret(password) if password else None,
        active=True,
        created_at=now,
    )
    db.session.add(staff)
    db.session.flush()
    audit.record(actor, "staff.created", "staff", staff.id, now, name=name, role=role.value)
    return staff


def check_pin(staff: Staff, pin: str) -> bool:
    return verify_secret(staff.pin_hash, pin)


def check_password(staff: Staff, password: str) -> bool:
    """A manager's console password; staff without one cannot sign in by password."""
    return verify_secret(staff.password_hash, password)


def list_staff() -> list[Staff]:
    return list(db.session.scalars(select(Staff).order_by(Staff.name)))


def get_staff(actor: Actor, staff_id: int) -> Staff:
    actor.require(Permission.MANAGE)
    return _get(staff_id)


def find_staff(actor: Actor, name_or_id: str) -> Staff:
    """A staff member by their id or exact name (the CLI's `--staff`)."""
    actor.require(Permission.MANAGE)
    query = select(Staff).where(Staff.name == name_or_id)
    if name_or_id.isdigit():
        query = select(Staff).where(Staff.id == int(name_or_id))
    found = db.session.scalars(query).first()
    if found is None:
        raise NotFound(_l("No staff member '%(name)s'.", name=name_or_id), field="staff")
    return found


def reset_pin(
    actor: Actor, staff_id: int, pin: str, now: datetime, *, manager_pin_digits: int = PIN_DIGITS
) -> Staff:
    actor.require(Permission.MANAGE)
    member = _get(staff_id)
    _check_pin(pin, member.role, manager_pin_digits)
    member.pin_hash = hash_secret(pin)
    ended = sessions.end_all(member.id, now, "PIN reset")
    audit.record(
        actor, "staff.pin_reset", "staff", member.id, now, name=member.name, sessions_ended=ended
    )
    db.session.flush()
    return member


def set_password(actor: Actor, staff_id: int, password: str | None, now: datetime) -> Staff:
    """Give a manager a console password, change it, or (None) remove it: PIN only again."""
    actor.require(Permission.MANAGE)
    member = _get(staff_id)
    if password:
        _check_password(member.role, password)
        member.password_hash = hash_secret(password)
        action = "staff.password_set"
    else:
        member.password_hash = None
        action = "staff.password_removed"
    ended = sessions.end_all(member.id, now, "password changed")
    audit.record(actor, action, "staff", member.id, now, name=member.name, sessions_ended=ended)
    db.session.flush()
    return member


def set_active(actor: Actor, staff_id: int, active: bool, now: datetime) -> Staff:
    """Deactivate someone who left (their tokens are revoked too), or bring them back.

    The last active manager cannot be deactivated: nobody could sign in to undo it.
    """
    actor.require(Permission.MANAGE)
    member = _get(staff_id)
    if member.active == active:
        return member
    if not active and member.role is Role.MANAGER and _active_managers() <= 1:
        raise InvalidInput(
            _l("This is the last active manager; add another manager first."), field="active"
        )
    member.active = active
    revoked: list[int] = []
    if not active:
        for token in db.session.scalars(
            select(ApiToken).where(ApiToken.staff_id == member.id, ApiToken.revoked_at.is_(None))
        ):
            token.revoked_at = now
            revoked.append(token.id)
        sessions.end_all(member.id, now, "deactivated")
    action = "staff.reactivated" if active else "staff.deactivated"
    audit.record(actor, action, "staff", member.id, now, name=member.name, revoked_tokens=revoked)
    db.session.flush()
    return member


def _get(staff_id: int) -> Staff:
    member = db.session.get(Staff, staff_id)
    if member is None:
        raise NotFound(_l("No staff member %(id)s.", id=staff_id))
    return member


def _active_managers() -> int:
    query = select(func.count()).where(Staff.role == Role.MANAGER, Staff.active)
    return db.session.scalar(query) or 0


def _check_pin(pin: str, role: Role, manager_pin_digits: int) -> None:
    if not PIN_PATTERN.fullmatch(pin):
        raise InvalidInput(_l("A PIN is 4 to 8 digits."), field="pin")
    if role is Role.MANAGER and len(pin) < manager_pin_digits:
        raise InvalidInput(
            _l("A manager's PIN is at least %(digits)s digits here.", digits=manager_pin_digits),
            field="pin",
        )


def _check_password(role: Role, password: str) -> None:
    if role is not Role.MANAGER:
        raise InvalidInput(_l("Only managers sign in with a password."), field="password")
    if len(password) < PASSWORD_MIN or len(password) > PASSWORD_MAX:
        raise InvalidInput(
            _l("Use %(min)s to %(max)s characters.", min=PASSWORD_MIN, max=PASSWORD_MAX),
            field="password",
        )
