"""Staff members and their PINs (hashed with Argon2, never stored or logged in clear)."""

from __future__ import annotations

import re
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from pos_plugin.database import db
from pos_plugin.models import Role, Staff
from pos_plugin.services import audit
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.errors import InvalidInput
from pos_plugin.services.text_input import required_text

_hasher = PasswordHasher()
PIN_PATTERN = re.compile(r"\d{4,8}")


def add_staff(actor: Actor, *, name: str, role: Role, pin: str, now: datetime) -> Staff:
    actor.require(Permission.MANAGE)
    name = required_text(name, field="name", max_length=80, empty="Give the staff member a name.")
    if role not in (Role.BARISTA, Role.MANAGER):
        raise InvalidInput("Staff are baristas or managers.", field="role")
    if not PIN_PATTERN.fullmatch(pin):
        raise InvalidInput("A PIN is 4 to 8 digits.", field="pin")
    if db.session.scalars(select(Staff.id).where(Staff.name == name)).first() is not None:
        raise InvalidInput(f"There is already a staff member called {name!r}.", field="name")
    staff = Staff(name=name, role=role, pin_hash=_hasher.hash(pin), active=True, created_at=now)
    db.session.add(staff)
    db.session.flush()
    audit.record(actor, "staff.created", "staff", staff.id, now, name=name, role=role.value)
    return staff


def check_pin(staff: Staff, pin: str) -> bool:
    try:
        return _hasher.verify(staff.pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def check_password(staff: Staff, password: str) -> bool:
    """A manager's console password; staff without one cannot sign in by password."""
    if staff.password_hash is None:
        return False
    try:
        return _hasher.verify(staff.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def list_staff() -> list[Staff]:
    return list(db.session.scalars(select(Staff).order_by(Staff.name)))
