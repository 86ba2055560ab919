"""Signed-in browsers the server can end: started at sign-in, checked on every request.

A browser's cookie holds a random token; the server keeps its hash and when the
session started, was last seen and ended. A session ends when its person signs
out anywhere, gets a new PIN or password, is deactivated, or a manager ends it,
and by itself after an absolute lifetime (a shift for a barista, less for a
manager) whatever its activity: a copied cookie stops working with the person's
own sign-out, and never outlives the day. The idle timeout rides on top
(`signin.session_expired`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, select, update

from pos_plugin.database import db, write_aside
from pos_plugin.models import Role, Staff, StaffSession
from pos_plugin.models.access import Device
from pos_plugin.secret_tokens import digest, new_token
from pos_plugin.services import audit
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.errors import NotFound

LIFETIME = {Role.BARISTA: timedelta(hours=10), Role.MANAGER: timedelta(hours=2)}
# How stale a session's "last seen" may get before a request writes it again.
TOUCH_EVERY = timedelta(minutes=1)


def start(staff: Staff, device: Device | None, address: str, now: datetime) -> str:
    """A new session for `staff`; returns the token for the browser's cookie."""
    token = new_token()
    db.session.add(
        StaffSession(
            token_hash=digest(token),
            staff_id=staff.id,
            device_id=device.id if device is not None else None,
            address=address,
            started_at=now,
            last_seen_at=now,
        )
    )
    db.session.flush()
    return token


def find(token: str, now: datetime) -> StaffSession | None:
    """The live session `token` names, or None (unknown, ended, past its lifetime, or its
    person deactivated or no longer in the role it signed in with is checked by the caller)."""
    found = select(StaffSession).where(StaffSession.token_hash == digest(token))
    record = db.session.scalars(found).first()
    if record is None or record.ended_at is not None or _outlived(record, now):
        return None
    if now - record.last_seen_at >= TOUCH_EVERY:
        write_aside(
            update(StaffSession).where(StaffSession.id == record.id).values(last_seen_at=now)
        )
    return record


def end_all(staff_id: int, now: datetime, why: str) -> int:
    """End every live session of one person; how many there were."""
    return _end(StaffSession.staff_id == staff_id, now, why)


def end_on_device(device_id: int, now: datetime, why: str) -> int:
    return _end(StaffSession.device_id == device_id, now, why)


def _end(where: ColumnElement[bool], now: datetime, why: str) -> int:
    records = db.session.scalars(
        select(StaffSession).where(where, StaffSession.ended_at.is_(None))
    ).all()
    for record in records:
        record.ended_at = now
        record.ended_why = why
    db.session.flush()
    return len(records)


def open_sessions(actor: Actor, now: datetime, staff_id: int | None = None) -> list[StaffSession]:
    """The sessions still live (of one person, or everyone's), newest first, for the console."""
    actor.require(Permission.MANAGE)
    query = (
        select(StaffSession)
        .where(StaffSession.ended_at.is_(None))
        .order_by(StaffSession.started_at.desc())
    )
    if staff_id is not None:
        query = query.where(StaffSession.staff_id == staff_id)
    return [
        record
        for record in db.session.scalars(query)
        if not _outlived(record, now) and record.staff.active
    ]


def _outlived(record: StaffSession, now: datetime) -> bool:
    """Past its absolute lifetime, however active it was."""
    return now - record.started_at > LIFETIME.get(record.staff.role, timedelta(hours=2))


def end_for(actor: Actor, staff_id: int, now: datetime) -> int:
    """A manager ends every session of one person (a lost tablet, a shared PIN)."""
    actor.require(Permission.MANAGE)
    member = db.session.get(Staff, staff_id)
    if member is None:
        raise NotFound(_l("No staff member %(id)s.", id=staff_id))
    ended = end_all(staff_id, now, "ended by a manager")
    audit.record(actor, "staff.sessions_ended", "staff", staff_id, now, sessions=ended)
    return ended
