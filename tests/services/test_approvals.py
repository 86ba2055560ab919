"""A manager lets one comp go over the allowance: on their token, or with their PIN on a tablet."""

from __future__ import annotations

import pytest

from pos_plugin.database import db, write_transaction
from pos_plugin.models import Device, Role
from pos_plugin.money import Money
from pos_plugin.services import approvals, devices, signin
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.comps import CompRequest
from pos_plugin.services.devices import Place
from pos_plugin.services.errors import (
    AllowanceExceeded,
    PermissionDenied,
    SignInLocked,
    WrongCredentials,
)
from pos_plugin.services.store import get_store


@pytest.fixture
def bea(make_barista):
    return make_barista("Bea")


@pytest.fixture
def maya(make_staff):
    return make_staff(Role.MANAGER, name="Maya", pin="9999")


@pytest.fixture
def used_up(make_item, bea, tap):
    """The default 15.00 allowance given away: a cake for 15.00 leaves nothing."""
    tap(bea, make_item(value=1500, name="Cake").id)
    return make_item(value=300, name="Cookie")


@pytest.fixture
def approve(app_ctx, clock):
    """`approve(...)`: the manager's PIN typed on the barista's enrolled tablet."""
    with write_transaction():
        tablet, _ = devices.enrol(SYSTEM, "Front", clock.now)

    def run(actor, item_id, manager, pin, key=None, **fields):
        with write_transaction():
            place = Place(db.session.get(Device, tablet.id), "192.168.1.20")
            outcome = approvals.give_with_approval(
                actor,
                get_store(),
                CompRequest(item_id=item_id, **fields),
                manager_id=manager.id,
                pin=pin,
                place=place,
                now=clock.now,
                idempotency_key=key,
            )
        return outcome.accepted()

    return run


def test_a_managers_pin_lets_one_comp_past_the_allowance(
    used_up, bea, maya, approve, current, tap, audit_log
):
    result = approve(bea, used_up.id, maya, "9999", note="Happy birthday!")
    assert result.created
    comp = result.comp
    assert (comp.staff_id, comp.approved_by_id) == (bea.staff_id, maya.id)
    assert current().used == Money(1800, "EUR")
    [event] = audit_log("comp.approved_over_allowance")
    assert event.actor == "manager 'Maya'"
    assert event.data["requested_by"] == "Bea"
    assert event.data["remaining_before"] == 0
    # One comp only: the next tap is refused again.
    with pytest.raises(AllowanceExceeded):
        tap(bea, used_up.id)


def test_a_wrong_manager_pin_records_nothing_and_counts_towards_the_lockout(
    used_up, bea, maya, approve, current
):
    for _ in range(signin.STAFF_MAX_FAILURES - 1):
        with pytest.raises(WrongCredentials):
            approve(bea, used_up.id, maya, "0000")
    with pytest.raises(SignInLocked):
        approve(bea, used_up.id, maya, "0000")
    with pytest.raises(SignInLocked):
        approve(bea, used_up.id, maya, "9999")
    assert current().comps_count == 1


def test_a_barista_cannot_approve(used_up, bea, make_staff, approve):
    ben = make_staff(Role.BARISTA, name="Ben", pin="2222")
    with pytest.raises(PermissionDenied):
        approve(bea, used_up.id, ben, "2222")


def test_an_approved_comp_retried_with_its_key_is_given_once(used_up, bea, maya, approve, current):
    first = approve(bea, used_up.id, maya, "9999", key="approval-1")
    again = approve(bea, used_up.id, maya, "9999", key="approval-1")
    assert (again.created, again.comp.id) == (False, first.comp.id)
    assert current().comps_count == 2


def test_an_approver_who_cannot_manage_is_refused(used_up, bea, tap):
    with pytest.raises(PermissionDenied):
        tap(bea, used_up.id, approver=bea)
