"""Signing in with a PIN or a manager's password, and the lockout that stops guessing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from pos_plugin.database import db, write_transaction
from pos_plugin.models import Device, Role, SignInAttempt, Staff
from pos_plugin.services import devices, lockout, signin
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.devices import Place
from pos_plugin.services.errors import (
    InvalidInput,
    PermissionDenied,
    SignInLocked,
    WrongCredentials,
)
from pos_plugin.services.store import get_store


@pytest.fixture
def tablet(app_ctx, clock):
    """`tablet(name)`: the place of a tablet a manager enrolled."""

    def enrol(name: str) -> Place:
        with write_transaction():
            device, _ = devices.enrol(SYSTEM, name, clock.now)
        return Place(device, "192.168.1.20")

    return enrol


@pytest.fixture
def front(tablet):
    return tablet("Front")


def browser(address: str = "192.168.1.66") -> Place:
    """A browser that is not an enrolled tablet, at `address`."""
    return Place(None, address)


@pytest.fixture
def try_pin(app_ctx, clock, front):
    """`try_pin(staff, pin, place=front, **kwargs)`: one try, committed like the page."""

    def run(staff: Staff, pin: str, *, place: Place = front, **kwargs):
        with write_transaction():
            if place.device is not None:  # as the page reads it, in the request's session
                place = Place(db.session.get(Device, place.device.id), place.address)
            outcome = signin.sign_in(
                get_store(), staff_id=staff.id, place=place, now=clock.now, pin=pin, **kwargs
            )
        return outcome.accepted()

    return run


@pytest.fixture
def ana(make_staff):
    return make_staff(Role.BARISTA, name="Ana", pin="2468")


def fail(try_pin, staff, times, **kwargs):
    for _ in range(times):
        with pytest.raises(WrongCredentials):
            try_pin(staff, "0000", **kwargs)


def test_the_right_pin_signs_in_and_the_actor_acts_in_the_staff_members_name(ana, try_pin):
    staff = try_pin(ana, "2468")
    actor = signin.actor_for(staff)
    assert (actor.role, actor.staff_id, actor.label) == (Role.BARISTA, ana.id, "barista 'Ana'")
    assert actor.idempotency_scope == f"staff:{ana.id}"


def test_a_wrong_pin_is_refused_and_names_the_pin_field_and_the_tries_left(ana, try_pin):
    with pytest.raises(WrongCredentials) as refused:
        try_pin(ana, "1357")
    assert refused.value.field == "pin"
    assert "4 tries left" in refused.value.detail
    fail(try_pin, ana, 2)
    with pytest.raises(WrongCredentials) as refused:
        try_pin(ana, "1357")
    assert "1 try left" in refused.value.detail
    assert refused.value.extra["tries_left"] == 1


def test_five_wrong_pins_lock_the_staff_member_until_a_stated_time(ana, try_pin, audit_log):
    fail(try_pin, ana, signin.STAFF_MAX_FAILURES - 1)
    with pytest.raises(SignInLocked) as locked:
        try_pin(ana, "0000")
    assert "locked until 10:15" in locked.value.detail  # 10:00 GMT + 15 minutes
    assert locked.value.extra["locked"] == "staff"
    # Locked: even the right PIN is refused, without being checked.
    with pytest.raises(SignInLocked):
        try_pin(ana, "2468")
    [event] = audit_log("staff.sign_in_locked")
    assert event.entity_id == str(ana.id)
    assert event.data["place"].startswith("device:")


def test_a_person_locked_on_one_tablet_still_signs_in_on_another(ana, try_pin, tablet):
    fail(try_pin, ana, signin.STAFF_MAX_FAILURES - 1)
    with pytest.raises(SignInLocked):
        try_pin(ana, "0000")
    assert try_pin(ana, "2468", place=tablet("Back")).id == ana.id


def test_wrong_tries_from_unknown_browsers_never_lock_a_person_out_of_the_tablets(ana, try_pin):
    # Fresh addresses each time, so no address lock: the person's lock for browsers bites.
    for n in range(signin.STAFF_MAX_FAILURES - 1):
        fail(try_pin, ana, 1, place=browser(f"10.0.0.{n}"))
    with pytest.raises(SignInLocked) as locked:
        try_pin(ana, "0000", place=browser("10.0.0.99"))
    assert locked.value.extra["locked"] == "staff"
    with pytest.raises(SignInLocked):
        try_pin(ana, "2468", place=browser("10.0.0.100"))
    assert try_pin(ana, "2468").id == ana.id  # on the enrolled tablet


def test_a_browser_that_is_not_enrolled_may_try_far_less(make_staff, try_pin):
    crew = [make_staff(Role.BARISTA, name=f"Crew {n}", pin="2468") for n in range(3)]
    fail(try_pin, crew[0], 1, place=browser())
    fail(try_pin, crew[1], 1, place=browser())
    with pytest.raises(SignInLocked) as locked:
        try_pin(crew[2], "0000", place=browser())
    assert signin.ADDRESS_MAX_FAILURES == 3
    assert locked.value.extra["locked"] == "device"
    assert try_pin(crew[2], "2468", place=browser("192.168.1.67")).id == crew[2].id


def test_a_manager_unlocks_a_person_and_it_is_audited(ana, try_pin, app_ctx, clock, audit_log):
    fail(try_pin, ana, signin.STAFF_MAX_FAILURES - 1)
    with pytest.raises(SignInLocked):
        try_pin(ana, "0000")
    with write_transaction():
        signin.unlock_staff(SYSTEM, ana.id, clock.now)
    assert try_pin(ana, "2468").id == ana.id
    [event] = audit_log("staff.unlocked")
    assert event.entity_id == str(ana.id)


def test_a_manager_unlocks_a_tablet(make_staff, try_pin, front, app_ctx, clock):
    crew = [make_staff(Role.BARISTA, name=f"Crew {n}", pin="2468") for n in range(4)]
    for person in crew[:-1]:
        fail(try_pin, person, 3)
    with pytest.raises(SignInLocked):
        try_pin(crew[-1], "0000")
    assert front.device is not None
    with write_transaction():
        devices.unlock(SYSTEM, front.device.id, clock.now)
    assert try_pin(crew[-1], "2468").id == crew[-1].id


def test_the_lock_ends_after_the_lockout(ana, try_pin, clock):
    fail(try_pin, ana, signin.STAFF_MAX_FAILURES - 1)
    with pytest.raises(SignInLocked):
        try_pin(ana, "0000")
    clock.now += lockout.LOCKOUT - timedelta(seconds=1)
    with pytest.raises(SignInLocked):
        try_pin(ana, "2468")
    clock.now += timedelta(seconds=2)
    assert try_pin(ana, "2468").id == ana.id


def test_failures_spread_wider_than_the_window_do_not_lock(ana, try_pin, clock):
    for _ in range(signin.STAFF_MAX_FAILURES + 2):
        fail(try_pin, ana, 1)
        clock.now += lockout.FAILURE_WINDOW / (signin.STAFF_MAX_FAILURES - 2)
    assert try_pin(ana, "2468").id == ana.id


def test_a_success_clears_the_staff_members_count(ana, try_pin):
    fail(try_pin, ana, signin.STAFF_MAX_FAILURES - 1)
    try_pin(ana, "2468")
    fail(try_pin, ana, signin.STAFF_MAX_FAILURES - 1)
    assert try_pin(ana, "2468").id == ana.id


def test_a_tablet_guessing_many_names_is_locked_for_everyone(make_staff, try_pin, tablet):
    crew = [make_staff(Role.BARISTA, name=f"Crew {n}", pin="2468") for n in range(4)]
    # Under each person's own limit, over the device's.
    for person in crew[:-1]:
        fail(try_pin, person, 3)
    with pytest.raises(SignInLocked) as locked:
        try_pin(crew[-1], "0000")
    assert locked.value.extra["locked"] == "device"
    with pytest.raises(SignInLocked):
        try_pin(crew[-1], "2468")
    # Another tablet is not locked.
    assert try_pin(crew[-1], "2468", place=tablet("Back")).id == crew[-1].id


def test_a_success_does_not_clear_the_devices_count(make_staff, try_pin):
    crew = [make_staff(Role.BARISTA, name=f"Crew {n}", pin="2468") for n in range(4)]
    for person in crew[:3]:
        fail(try_pin, person, 3)
    try_pin(crew[3], "2468")
    with pytest.raises(SignInLocked):
        try_pin(crew[3], "0000")


def test_inactive_or_unknown_staff_cannot_sign_in(ana, try_pin, app_ctx):
    with write_transaction():
        db.session.get(Staff, ana.id).active = False
    with pytest.raises(InvalidInput):
        try_pin(ana, "2468")


def test_a_barista_cannot_sign_in_where_a_manager_is_wanted(ana, try_pin):
    with pytest.raises(PermissionDenied):
        try_pin(ana, "2468", roles=(Role.MANAGER,))


def test_a_manager_signs_in_with_their_password(make_staff, app_ctx, clock):
    mo = make_staff(Role.MANAGER, name="Mo", pin="9999")

    def attempt(password):
        with write_transaction():
            outcome = signin.sign_in(
                get_store(), staff_id=mo.id, place=browser(), now=clock.now, password=password
            )
        return outcome.accepted()

    with pytest.raises(WrongCredentials):  # no password set yet
        attempt("correct horse")
    with write_transaction():
        db.session.get(Staff, mo.id).password_hash = PasswordHasher().hash("correct horse")
    with pytest.raises(WrongCredentials) as refused:
        attempt("wrong horse")
    assert refused.value.field == "password"
    assert attempt("correct horse").id == mo.id


def test_the_sign_in_tiles_list_active_staff_of_the_wanted_roles(make_staff, app_ctx):
    make_staff(Role.BARISTA, name="Zoe")
    make_staff(Role.MANAGER, name="Mo")
    assert [s.name for s in signin.who_can_sign_in()] == ["Mo", "Zoe"]
    assert [s.name for s in signin.who_can_sign_in([Role.MANAGER])] == ["Mo"]


def test_idle_sessions_expire_sooner_for_managers(clock):
    seen = clock.now
    assert not signin.session_expired(Role.BARISTA, seen, seen + timedelta(minutes=59))
    assert signin.session_expired(Role.BARISTA, seen, seen + timedelta(minutes=61))
    assert signin.session_expired(Role.MANAGER, seen, seen + timedelta(minutes=16))


def an_hour_of_guessing(try_pin, clock, staff, place) -> int:
    """A guesser tries a wrong PIN every 10 seconds for an hour from `place`; how many
    PINs the server checked (a try refused while locked is not checked, nor recorded)."""
    started = clock.now
    for _ in range(360):
        with pytest.raises((WrongCredentials, SignInLocked)):
            try_pin(staff, "0000", place=place)
        clock.now += timedelta(seconds=10)
    query = select(func.count()).where(
        SignInAttempt.staff_id == staff.id,
        SignInAttempt.device == place.scope,
        SignInAttempt.at >= started,
    )
    return db.session.scalar(query) or 0


def test_an_hour_of_guessing_checks_20_pins_on_a_tablet_and_12_from_a_browser(
    ana, try_pin, clock, front
):
    # Five, then a lock of 15 minutes, then five more: about 5 every 15-16 minutes.
    assert an_hour_of_guessing(try_pin, clock, ana, front) == 20
    # Three per address, then its lock.
    assert an_hour_of_guessing(try_pin, clock, ana, browser("10.0.0.1")) == 12
