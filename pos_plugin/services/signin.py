"""Signing staff in with a PIN (or a manager's password), with lockout against guessing.

Every try is kept (`SignInAttempt`). Too many wrong tries in a short time lock
the staff member, whichever device they come from, and a device that keeps
failing, whichever names it tries. While locked, a try is refused without
checking the PIN, so guessing gains nothing. A success clears a staff member's
count but not the device's: knowing one PIN must not unlock guessing others.

The caller owns the transaction and must commit the failures too, so the
outcome is returned, not raised: `SignInOutcome.accepted()` raises the refusal
once the caller has committed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select

from pos_plugin.database import db
from pos_plugin.models import Role, SignInAttempt, Staff, Store
from pos_plugin.services import audit
from pos_plugin.services.actors import Actor
from pos_plugin.services.errors import (
    DomainError,
    InvalidInput,
    PermissionDenied,
    SignInLocked,
    WrongCredentials,
)
from pos_plugin.services.staff import check_password, check_pin

STAFF_MAX_FAILURES = 5
DEVICE_MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
DEVICE_MAX_LENGTH = 64


@dataclass(frozen=True)
class SignInOutcome:
    staff: Staff | None
    refusal: DomainError | None = None

    def accepted(self) -> Staff:
        """The signed-in staff member, or the refusal raised (after the caller committed)."""
        if self.refusal is not None:
            raise self.refusal
        assert self.staff is not None
        return self.staff


def actor_for(staff: Staff) -> Actor:
    """The `Actor` a signed-in staff member acts as: their role, in their own name."""
    return Actor(role=staff.role, label=f"{staff.role.value} {staff.name!r}", staff_id=staff.id)


def who_can_sign_in(roles: Collection[Role] = (Role.BARISTA, Role.MANAGER)) -> list[Staff]:
    """The active staff with one of `roles`, by name: the tiles on the sign-in page."""
    query = select(Staff).where(Staff.active.is_(True), Staff.role.in_(list(roles)))
    return list(db.session.scalars(query.order_by(Staff.name)))


def sign_in(
    store: Store,
    *,
    staff_id: int,
    device: str,
    now: datetime,
    pin: str | None = None,
    password: str | None = None,
    roles: Collection[Role] = (Role.BARISTA, Role.MANAGER),
) -> SignInOutcome:
    """Check one try of `pin` (or `password`) for `staff_id` from `device`; record it."""
    if not device or len(device) > DEVICE_MAX_LENGTH:
        raise InvalidInput("This device has no id; reload the page.", field="device")
    staff = db.session.get(Staff, staff_id)
    if staff is None or not staff.active:
        return SignInOutcome(None, InvalidInput("Pick your name from the list.", field="staff_id"))
    if staff.role not in roles:
        allowed = " or ".join(sorted(role.value for role in roles))
        return SignInOutcome(
            None, PermissionDenied(f"Only a {allowed} may sign in here.", field="staff_id")
        )
    locked = _locked_until(store, staff, device, now)
    if locked is not None:
        return SignInOutcome(None, locked)
    if password is not None:
        ok = check_password(staff, password)
    else:
        ok = pin is not None and check_pin(staff, pin)
    _record(staff.id, device, now, ok)
    if ok:
        audit.record(actor_for(staff), "staff.signed_in", "staff", staff.id, now, device=device)
        return SignInOutcome(staff)
    locked = _locked_until(store, staff, device, now)
    if locked is not None:
        audit.record(
            Actor(role=staff.role, label=f"device {device}"),
            "staff.sign_in_locked",
            "staff",
            staff.id,
            now,
            device=device,
            locked=locked.extra["locked"],
            until=locked.extra["locked_until"],
        )
        return SignInOutcome(None, locked)
    what = "password" if password is not None else "PIN"
    return SignInOutcome(
        None, WrongCredentials(f"That {what} is not right; try again.", field=what.lower())
    )


def _record(staff_id: int, device: str, now: datetime, succeeded: bool) -> None:
    db.session.add(SignInAttempt(staff_id=staff_id, device=device, at=now, succeeded=succeeded))
    db.session.flush()


def _locked_until(store: Store, staff: Staff, device: str, now: datetime) -> SignInLocked | None:
    """The lock in force for this staff member or this device, if any."""
    since_success = select(SignInAttempt.at).where(
        SignInAttempt.staff_id == staff.id, SignInAttempt.succeeded.is_(True)
    )
    last_success = db.session.scalars(
        since_success.order_by(SignInAttempt.at.desc()).limit(1)
    ).first()
    staff_failures = SignInAttempt.staff_id == staff.id
    if last_success is not None:
        staff_failures = staff_failures & (SignInAttempt.at > last_success)
    until = _lock_end(staff_failures, STAFF_MAX_FAILURES, now)
    if until is not None:
        return _locked(store, "staff", until, now, f"Too many wrong tries for {staff.name}")
    until = _lock_end(SignInAttempt.device == device, DEVICE_MAX_FAILURES, now)
    if until is not None:
        return _locked(store, "device", until, now, "Too many wrong tries on this device")
    return None


def _lock_end(where: ColumnElement[bool], limit: int, now: datetime) -> datetime | None:
    """`limit` failures within FAILURE_WINDOW lock for LOCKOUT after the last of them."""
    recent = db.session.scalars(
        select(SignInAttempt.at)
        .where(
            where,
            SignInAttempt.succeeded.is_(False),
            SignInAttempt.at > now - LOCKOUT - FAILURE_WINDOW,
        )
        .order_by(SignInAttempt.at.desc())
        .limit(limit)
    ).all()
    if len(recent) < limit or recent[0] - recent[-1] > FAILURE_WINDOW:
        return None
    until = recent[0] + LOCKOUT
    return until if until > now else None


def _locked(store: Store, what: str, until: datetime, now: datetime, why: str) -> SignInLocked:
    shown = until.astimezone(store.zone).strftime("%H:%M")
    return SignInLocked(
        f"{why}: signing in is locked until {shown}. A manager can help meanwhile.",
        locked=what,
        locked_until=until.isoformat(),
        retry_after=max(1, int((until - now).total_seconds())),
    )


# A signed-in browser goes back to the sign-in page after this long without a tap or
# a page; the tablet's own polling does not count. Managers hold more power: shorter.
IDLE_TIMEOUT = {Role.BARISTA: timedelta(hours=1), Role.MANAGER: timedelta(minutes=15)}


def session_expired(role: Role, last_seen: datetime, now: datetime) -> bool:
    return now - last_seen > IDLE_TIMEOUT.get(role, timedelta(minutes=15))
