"""Staff a manager keeps: add, reset PINs, console passwords, roles, deactivate."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import argon2
import pytest

from pos_plugin import passwords
from pos_plugin.models import Role
from pos_plugin.services import staff, tokens
from pos_plugin.services.errors import InvalidInput, NotAuthenticated, PermissionDenied

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


def add(do, actor, name="Ana", role=Role.BARISTA, pin="1234", **extra):
    return do(staff.add_staff, actor, name=name, role=role, pin=pin, now=NOW, **extra)


def test_a_reset_pin_replaces_the_old_one_and_is_audited_without_the_pin(
    app_ctx, manager, do, audit_log
):
    member = add(do, manager)
    do(staff.reset_pin, manager, member.id, "4321", NOW)
    assert staff.check_pin(member, "4321")
    assert not staff.check_pin(member, "1234")
    [event] = audit_log("staff.pin_reset")
    assert "4321" not in str(event.data)


@pytest.mark.parametrize("pin", ["12", "123456789", "12a4", ""])
def test_a_pin_is_4_to_8_digits(app_ctx, manager, do, pin):
    member = add(do, manager)
    with pytest.raises(InvalidInput) as refused:
        do(staff.reset_pin, manager, member.id, pin, NOW)
    assert refused.value.field == "pin"


def test_a_store_that_requires_6_digit_manager_pins_refuses_a_shorter_one_at_every_step(
    app_ctx, manager, do
):
    with pytest.raises(InvalidInput, match="at least 6 digits") as refused:
        add(do, manager, name="Maya", role=Role.MANAGER, pin="1234", manager_pin_digits=6)
    assert refused.value.field == "pin"
    maya = add(do, manager, name="Maya", role=Role.MANAGER, pin="135790", manager_pin_digits=6)
    with pytest.raises(InvalidInput, match="at least 6 digits") as refused:
        do(staff.reset_pin, manager, maya.id, "13579", NOW, manager_pin_digits=6)
    assert refused.value.field == "pin"
    assert staff.check_pin(maya, "135790")  # the refused PIN changed nothing
    # Baristas keep their 4 digits.
    ana = add(do, manager, name="Ana", pin="1234", manager_pin_digits=6)
    do(staff.reset_pin, manager, ana.id, "4321", NOW, manager_pin_digits=6)
    assert staff.check_pin(ana, "4321")


def test_a_manager_gets_a_password_and_can_lose_it_again(app_ctx, manager, do):
    maya = add(do, manager, name="Maya", role=Role.MANAGER, password="correct horse")
    assert staff.check_password(maya, "correct horse")
    assert not staff.check_password(maya, "wrong horse!")
    do(staff.set_password, manager, maya.id, None, NOW)
    assert not staff.check_password(maya, "correct horse")


def test_baristas_have_no_password_and_passwords_are_long_enough(app_ctx, manager, do):
    ana = add(do, manager)
    with pytest.raises(InvalidInput) as refused:
        do(staff.set_password, manager, ana.id, "a long password", NOW)
    assert refused.value.field == "password"
    maya = add(do, manager, name="Maya", role=Role.MANAGER)
    with pytest.raises(InvalidInput) as refused:
        do(staff.set_password, manager, maya.id, "short", NOW)
    assert refused.value.field == "password"


def test_deactivating_someone_revokes_the_tokens_that_speak_for_them(app_ctx, manager, do, clock):
    ana = add(do, manager)
    _, secret = do(
        tokens.create_token,
        manager,
        role=Role.BARISTA,
        name="Ana's tablet",
        now=NOW,
        staff_id=ana.id,
    )
    do(staff.set_active, manager, ana.id, False, NOW)
    with pytest.raises(NotAuthenticated):
        do(tokens.authenticate, secret, NOW)
    assert do(staff.get_staff, manager, ana.id).active is False
    do(staff.set_active, manager, ana.id, True, NOW)
    assert do(staff.get_staff, manager, ana.id).active is True


def test_the_last_active_manager_cannot_be_deactivated(app_ctx, manager, do):
    maya = add(do, manager, name="Maya", role=Role.MANAGER)
    with pytest.raises(InvalidInput):
        do(staff.set_active, manager, maya.id, False, NOW)
    add(do, manager, name="Mo", role=Role.MANAGER)
    assert do(staff.set_active, manager, maya.id, False, NOW).active is False


def test_a_barista_may_not_manage_staff(app_ctx, manager, barista, do):
    ana = add(do, manager)
    for call in (
        lambda: add(do, barista, name="Eve"),
        lambda: do(staff.reset_pin, barista, ana.id, "9999", NOW),
        lambda: do(staff.set_active, barista, ana.id, False, NOW),
        lambda: do(staff.set_password, barista, ana.id, None, NOW),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_pins_are_hashed_with_argon2s_production_parameters_outside_the_tests():
    """The suite hashes cheaply (tests/conftest.py); a store never does."""
    env = {k: v for k, v in os.environ.items() if k != passwords.CHEAP_HASHES_FOR_TESTS}
    script = "from pos_plugin.passwords import hash_secret; print(hash_secret('1234'))"
    printed = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert argon2.extract_parameters(printed) == argon2.profiles.RFC_9106_LOW_MEMORY
    assert argon2.PasswordHasher().verify(printed, "1234")
    # The suite's own hashes are the cheapest, and verify all the same.
    cheap = passwords.hash_secret("1234")
    assert argon2.extract_parameters(cheap) == argon2.profiles.CHEAPEST
