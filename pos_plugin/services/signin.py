"""Signing staff in with a PIN (or a manager's password), with lockout against guessing.

Every try is kept (`SignInAttempt`), filed by where it came from (`devices.Place`).
Too many wrong tries in a short time lock:

- a person on one enrolled tablet (5), or on every browser that is not enrolled
  taken together (5): wrong tries from an unknown browser never lock anyone out
  of the shop's own tablets;
- an enrolled tablet, whichever names it tries (10), and a client address that
  is not an enrolled tablet (3: far fewer).

While locked, a try is refused without checking the PIN, so guessing gains
nothing. A success clears a person's count but not the place's: knowing one PIN
must not unlock guessing others. A manager can unlock a person or a tablet.

The person's row is locked before anything is counted (and the tablet's row, or
on PostgreSQL an advisory lock on the client address), so tries run one at a
time and no burst of parallel tries checks more PINs than the limit.

The caller owns the transaction and must commit the failures too, so the
outcome is returned, not raised: `SignInOutcome.accepted()` raises the refusal
once the caller has committed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from babel.dates import format_time
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import ColumnElement, func, select

from pos_plugin.database import db
from pos_plugin.models import Device, Role, SignInAttempt, Staff, Store
from pos_plugin.services import audit, devices
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.devices import Place
from pos_plugin.services.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SignInLocked,
    WrongCredentials,
)
from pos_plugin.services.lockout import FAILURE_WINDOW, LOOK_BACK, lock_end, serialise_on
from pos_plugin.services.staff import check_password, check_pin

STAFF_MAX_FAILURES = 5
DEVICE_MAX_FAILURES = 10
ADDRESS_MAX_FAILURES = 3


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
    place: Place,
    now: datetime,
    pin: str | None = None,
    password: str | None = None,
    roles: Collection[Role] = (Role.BARISTA, Role.MANAGER),
) -> SignInOutcome:
    """Check one try of `pin` (or `password`) for `staff_id` from `place`; record it."""
    staff = db.session.get(Staff, staff_id, with_for_update=True, populate_existing=True)
    if staff is None or not staff.active:
        return SignInOutcome(
            None, InvalidInput(_l("Pick your name from the list."), field="staff_id")
        )
    if staff.role not in roles:
        only = _l("Only a manager may sign in here.") if set(roles) == {Role.MANAGER} else None
        return SignInOutcome(
            None,
            PermissionDenied(only or _l("Only staff may sign in here."), field="staff_id"),
        )
    _lock_place(place)
    counted = _Counted.of(staff, place)
    locked = _lock_in_force(store, staff, place, counted, now)
    if locked is not None:
        return SignInOutcome(None, locked)
    if password is not None:
        ok = check_password(staff, password)
    else:
        ok = pin is not None and check_pin(staff, pin)
    db.session.add(SignInAttempt(staff_id=staff.id, device=place.scope, at=now, succeeded=ok))
    db.session.flush()
    if place.device is not None:
        devices.touch(place.device, now)
    if ok:
        audit.record(actor_for(staff), "staff.signed_in", "staff", staff.id, now, place=place.scope)
        return SignInOutcome(staff)
    locked = _lock_in_force(store, staff, place, counted, now)
    if locked is not None:
        audit.record(
            Actor(role=staff.role, label=place.scope),
            "staff.sign_in_locked",
            "staff",
            staff.id,
            now,
            place=place.scope,
            locked=locked.extra["locked"],
            until=locked.extra["locked_until"],
        )
        return SignInOutcome(None, locked)
    left = _tries_left(counted, now)
    if password is not None:
        wrong = _ln(
            "That password is not right; %(num)s try left before signing in is locked.",
            "That password is not right; %(num)s tries left before signing in is locked.",
            left,
        )
    else:
        wrong = _ln(
            "That PIN is not right; %(num)s try left before signing in is locked.",
            "That PIN is not right; %(num)s tries left before signing in is locked.",
            left,
        )
    field = "password" if password is not None else "pin"
    return SignInOutcome(None, WrongCredentials(wrong, field=field, tries_left=left))


def unlock_staff(actor: Actor, staff_id: int, now: datetime) -> Staff:
    """A manager lets a locked-out person try again: wrong tries before now no longer count."""
    actor.require(Permission.MANAGE)
    staff = db.session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(_l("No staff member %(id)s.", id=staff_id))
    staff.unlocked_at = now
    audit.record(actor, "staff.unlocked", "staff", staff.id, now, name=staff.name)
    db.session.flush()
    return staff


def _lock_place(place: Place) -> None:
    """Tries from one place run one at a time, as tries for one person do."""
    if place.device is not None:
        db.session.get(Device, place.device.id, with_for_update=True, populate_existing=True)
    else:
        serialise_on(db.session, place.scope)  # no row to lock for an address


def _person_failures(staff: Staff, place: Place) -> ColumnElement[bool]:
    """The person's wrong tries that count here: on this tablet, or on any browser that is
    not enrolled; since their last success or a manager's unlock."""
    where = SignInAttempt.staff_id == staff.id
    if place.enrolled:
        where = where & (SignInAttempt.device == place.scope)
    else:
        where = where & SignInAttempt.device.startswith("address:", autoescape=True)
    # By id, not time: tries are recorded one at a time, and two of them may carry the
    # same instant (a coarse clock), which would hide the tries right after a success.
    last_success = db.session.scalars(
        select(func.max(SignInAttempt.id)).where(
            SignInAttempt.staff_id == staff.id, SignInAttempt.succeeded.is_(True)
        )
    ).first()
    if last_success is not None:
        where = where & (SignInAttempt.id > last_success)
    if staff.unlocked_at is not None:
        where = where & (SignInAttempt.at > staff.unlocked_at)
    return where


def _place_failures(place: Place) -> ColumnElement[bool]:
    where = SignInAttempt.device == place.scope
    if place.device is not None and place.device.unlocked_at is not None:
        where = where & (SignInAttempt.at > place.device.unlocked_at)
    return where


@dataclass(frozen=True)
class _Counted:
    """The wrong tries that count for one try: the person's here, and the place's."""

    person: ColumnElement[bool]
    place: ColumnElement[bool]
    place_limit: int

    @classmethod
    def of(cls, staff: Staff, place: Place) -> _Counted:
        limit = DEVICE_MAX_FAILURES if place.enrolled else ADDRESS_MAX_FAILURES
        return cls(_person_failures(staff, place), _place_failures(place), limit)


def _lock_in_force(
    store: Store, staff: Staff, place: Place, counted: _Counted, now: datetime
) -> SignInLocked | None:
    """The lock in force for this person here, or for this place, if any."""
    until = _lock_end(counted.person, STAFF_MAX_FAILURES, now)
    if until is not None:
        shown = _shown(store, until)
        why = (
            _l(
                "Too many wrong tries for %(name)s on this tablet: signing in is locked until "
                "%(until)s. A manager can help meanwhile.",
                name=staff.name,
                until=shown,
            )
            if place.enrolled
            else _l(
                "Too many wrong tries for %(name)s from browsers that are not a shop tablet: "
                "signing in is locked until %(until)s. A manager can help meanwhile.",
                name=staff.name,
                until=shown,
            )
        )
        return _locked("staff", until, now, why)
    until = _lock_end(counted.place, counted.place_limit, now)
    if until is not None:
        shown = _shown(store, until)
        why = (
            _l(
                "Too many wrong tries on this tablet: signing in is locked until %(until)s. "
                "A manager can help meanwhile.",
                until=shown,
            )
            if place.enrolled
            else _l(
                "Too many wrong tries from this browser's address: signing in is locked until "
                "%(until)s. A manager can help meanwhile.",
                until=shown,
            )
        )
        return _locked("device", until, now, why)
    return None


def _tries_left(counted: _Counted, now: datetime) -> int:
    """Wrong tries left before the next lock, for the person here or for the place."""
    recent = select(func.count()).where(
        SignInAttempt.at > now - FAILURE_WINDOW, SignInAttempt.succeeded.is_(False)
    )
    person = db.session.scalar(recent.where(counted.person)) or 0
    here = db.session.scalar(recent.where(counted.place)) or 0
    return max(0, min(STAFF_MAX_FAILURES - person, counted.place_limit - here))


def _lock_end(where: ColumnElement[bool], limit: int, now: datetime) -> datetime | None:
    recent = db.session.scalars(
        select(SignInAttempt.at)
        .where(where, SignInAttempt.succeeded.is_(False), SignInAttempt.at > now - LOOK_BACK)
        .order_by(SignInAttempt.at.desc())
        .limit(limit)
    ).all()
    return lock_end(recent, limit, now)


def _shown(store: Store, until: datetime) -> str:
    """The lock's end as the store reads a time of day."""
    return format_time(until.astimezone(store.zone), "short", locale=store.locale)


def _locked(what: str, until: datetime, now: datetime, why: LazyString) -> SignInLocked:
    return SignInLocked(
        why,
        locked=what,
        locked_until=until.isoformat(),
        retry_after=max(1, int((until - now).total_seconds())),
    )


# A signed-in browser goes back to the sign-in page after this long without a tap or
# a page; the tablet's own polling does not count. Managers hold more power: shorter.
IDLE_TIMEOUT = {Role.BARISTA: timedelta(hours=1), Role.MANAGER: timedelta(minutes=15)}


def session_expired(role: Role, last_seen: datetime, now: datetime) -> bool:
    return now - last_seen > IDLE_TIMEOUT.get(role, timedelta(minutes=15))
