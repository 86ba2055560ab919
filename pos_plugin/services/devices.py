"""Enrolled tablets: where a sign-in try comes from, and the manager's list of devices.

A manager enrols the browser they are using as a tablet; it keeps a random
token in a cookie and the server keeps its hash. Sign-in tries are counted per
`Place`: an enrolled tablet counts for itself, a browser that is not enrolled
for its client address, with far fewer tries allowed (see `services.signin`).
A revoked tablet is a browser like any other, and its sessions end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pos_plugin.database import db
from pos_plugin.models import Device
from pos_plugin.models.access import DEVICE_NAME_MAX
from pos_plugin.secret_tokens import digest, new_token
from pos_plugin.services import audit, sessions
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.errors import NotFound
from pos_plugin.services.text_input import required_text

# How stale a tablet's "last used" may get before a sign-in writes it again.
TOUCH_EVERY = timedelta(minutes=5)
ADDRESS_MAX_LENGTH = 45  # an IPv6 address in full


@dataclass(frozen=True)
class Place:
    """Where a try comes from: an enrolled tablet, or a browser at a client address."""

    device: Device | None
    address: str

    @property
    def scope(self) -> str:
        """How the tries from here are filed (`SignInAttempt.device`)."""
        if self.device is not None:
            return f"device:{self.device.id}"
        return f"address:{self.address}"

    @property
    def enrolled(self) -> bool:
        return self.device is not None


def place_of(token: str | None, address: str | None) -> Place:
    """The place a request comes from: its enrolled tablet, if its token names a live one."""
    device = None
    if token:
        found = select(Device).where(Device.token_hash == digest(token))
        device = db.session.scalars(found).first()
        if device is not None and device.revoked_at is not None:
            device = None
    return Place(device, (address or "unknown")[:ADDRESS_MAX_LENGTH])


def enrol(actor: Actor, name: str, now: datetime) -> tuple[Device, str]:
    """Enrol a tablet; returns it and the token for its cookie (never stored in clear)."""
    actor.require(Permission.MANAGE)
    name = required_text(
        name,
        field="name",
        max_length=DEVICE_NAME_MAX,
        empty=_l("Name the tablet, e.g. 'Front till'."),
    )
    token = new_token()
    device = Device(name=name, token_hash=digest(token), enrolled_at=now, enrolled_by=actor.label)
    db.session.add(device)
    db.session.flush()
    audit.record(actor, "device.enrolled", "device", device.id, now, name=name)
    return device, token


def list_devices(actor: Actor) -> list[Device]:
    """Every tablet ever enrolled, live ones first, newest first."""
    actor.require(Permission.MANAGE)
    query = select(Device).order_by(Device.revoked_at.is_not(None), Device.enrolled_at.desc())
    return list(db.session.scalars(query))


def revoke(actor: Actor, device_id: int, now: datetime) -> Device:
    """The tablet is a browser like any other from now on; its sign-ins end."""
    actor.require(Permission.MANAGE)
    device = _get(device_id)
    if device.revoked_at is None:
        device.revoked_at = now
        sessions.end_on_device(device.id, now, "device revoked")
        audit.record(actor, "device.revoked", "device", device.id, now, name=device.name)
        db.session.flush()
    return device


def unlock(actor: Actor, device_id: int, now: datetime) -> Device:
    """Wrong tries on this tablet before now no longer count towards its lock."""
    actor.require(Permission.MANAGE)
    device = _get(device_id)
    device.unlocked_at = now
    audit.record(actor, "device.unlocked", "device", device.id, now, name=device.name)
    db.session.flush()
    return device


def touch(device: Device, now: datetime) -> None:
    """Note that the tablet was used (at most every few minutes: one write, not one a tap)."""
    if device.last_used_at is None or now - device.last_used_at >= TOUCH_EVERY:
        device.last_used_at = now


def _get(device_id: int) -> Device:
    device = db.session.get(Device, device_id)
    if device is None:
        raise NotFound(_l("No enrolled tablet %(id)s.", id=device_id))
    return device
