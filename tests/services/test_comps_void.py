"""Undoing a comp: the barista's quick undo of their own tap, and a manager's void any time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from pos_plugin.models import CompStatus, Role
from pos_plugin.money import Money
from pos_plugin.services.errors import (
    AlreadyVoided,
    InvalidInput,
    NotFound,
    PermissionDenied,
    UndoWindowClosed,
)

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


@pytest.fixture
def barista(make_barista):
    return make_barista("Bea")


@pytest.fixture
def given(make_item, barista, tap):
    """A 300-cent cookie Bea gave at 10:00."""
    return tap(barista, make_item(value=300, name="Cookie").id, now=NOW).comp


def test_voiding_a_comp_gives_its_value_back_to_the_shift(barista, given, void, current):
    assert current().remaining == Money(1200, "EUR")
    voided = void(barista, given.id, now=NOW + timedelta(seconds=30))
    assert voided.status is CompStatus.VOIDED
    tally = current()
    assert (tally.remaining, tally.remaining_comps) == (Money(1500, "EUR"), 20)


def test_a_barista_may_undo_their_own_comp_within_two_minutes(barista, given, void):
    at = NOW + timedelta(minutes=1, seconds=59)
    voided = void(barista, given.id, "Wrong button", now=at)
    assert (voided.voided_by, voided.voided_at, voided.void_reason) == ("Bea", at, "Wrong button")


def test_after_two_minutes_a_barista_must_ask_a_manager(barista, given, void, current):
    with pytest.raises(UndoWindowClosed):
        void(barista, given.id, now=NOW + timedelta(minutes=2, seconds=1))
    assert current().comps_count == 1


def test_a_barista_may_never_undo_someone_elses_comp(make_barista, given, void, current):
    cal = make_barista("Cal")
    with pytest.raises(PermissionDenied) as refused:
        void(cal, given.id, now=NOW + timedelta(seconds=10))
    assert not isinstance(refused.value, UndoWindowClosed)
    assert current().comps_count == 1


def test_a_barista_tablet_token_may_undo_what_it_tapped(make_item, make_till, tap, void):
    tablet = make_till("bar tablet", role=Role.BARISTA)
    comp = tap(tablet, make_item().id, now=NOW, key="t1").comp
    assert void(tablet, comp.id, now=NOW + timedelta(minutes=1)).status is CompStatus.VOIDED


def test_a_till_may_not_void(given, make_till, void):
    with pytest.raises(PermissionDenied):
        void(make_till(), given.id, now=NOW + timedelta(seconds=10))


def test_a_manager_may_void_any_comp_at_any_time(manager, given, void):
    later = NOW + timedelta(hours=5)
    voided = void(manager, given.id, "Customer paid after all", now=later)
    assert (voided.status, voided.voided_by, voided.voided_at) == (
        CompStatus.VOIDED,
        "Manager Mo",
        later,
    )


def test_voiding_twice_is_refused(manager, given, void, audit_log):
    void(manager, given.id, now=NOW + timedelta(minutes=5))
    with pytest.raises(AlreadyVoided) as refused:
        void(manager, given.id, "Again", now=NOW + timedelta(minutes=6))
    assert "Manager Mo" in refused.value.detail
    assert len(audit_log("comp.voided")) == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_void_needs_a_reason(barista, given, void, current, reason):
    with pytest.raises(InvalidInput) as refused:
        void(barista, given.id, reason, now=NOW + timedelta(seconds=10))
    assert refused.value.field == "reason"
    assert current().comps_count == 1


def test_the_reason_is_kept_without_surrounding_spaces(manager, given, void):
    assert void(manager, given.id, "  Spilt it  ").void_reason == "Spilt it"


def test_voiding_an_unknown_comp_is_not_found(manager, app_ctx, void):
    with pytest.raises(NotFound):
        void(manager, uuid.uuid4())


def test_every_void_writes_an_audit_row(barista, given, void, audit_log):
    at = NOW + timedelta(seconds=45)
    void(barista, given.id, "Wrong button", now=at)
    [event] = audit_log("comp.voided")
    assert (event.actor, event.entity, event.entity_id, event.at) == (
        "Bea",
        "comp",
        str(given.id),
        at,
    )
    assert event.data == {"reason": "Wrong button"}
