"""Customer names, notes and reasons are erased once older than the store keeps them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pos_plugin.database import db
from pos_plugin.models import Comp, CompStatus, Shift
from pos_plugin.services import privacy
from pos_plugin.services.errors import PermissionDenied
from pos_plugin.services.store import get_store

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
KEEP = 90
WHAT_THEY_SAID = {"customer_name": "Priya", "note": "Happy birthday!", "reason": "Lost her cat"}


@pytest.fixture
def barista(make_barista):
    return make_barista("Bea")


@pytest.fixture
def cookie(make_item):
    return make_item(value=300, name="Cookie")


@pytest.fixture
def erase(do):
    def run(now=NOW, keep_days=KEEP, actor=privacy.RETENTION):
        return do(privacy.erase_expired_personal_data, actor, get_store(), keep_days, now)

    return run


def _comp(comp_id):
    try:
        return db.session.get(Comp, comp_id, populate_existing=True)
    finally:
        db.session.commit()


def _tallies():
    try:
        rows = db.session.scalars(select(Shift).order_by(Shift.id))
        return [(s.id, s.used_amount, s.comps_count) for s in rows]
    finally:
        db.session.commit()


def test_text_older_than_the_keep_period_is_erased_and_newer_text_kept(barista, cookie, tap, erase):
    old = tap(barista, cookie.id, now=NOW - timedelta(days=KEEP, minutes=1), **WHAT_THEY_SAID)
    young = tap(barista, cookie.id, now=NOW - timedelta(days=KEEP - 1), **WHAT_THEY_SAID)

    assert erase() == 1

    erased = _comp(old.comp.id)
    assert (erased.customer_name, erased.note, erased.reason) == (None, None, None)
    kept = _comp(young.comp.id)
    assert (kept.customer_name, kept.note, kept.reason) == tuple(WHAT_THEY_SAID.values())


def test_the_comp_its_value_and_the_shift_tallies_stay_as_they_were(
    barista, cookie, tap, void, erase
):
    long_ago = NOW - timedelta(days=200)
    given = tap(barista, cookie.id, now=long_ago, order_ref="T-17", **WHAT_THEY_SAID).comp
    tap(barista, cookie.id, now=long_ago + timedelta(minutes=1), note="Enjoy")
    voided = tap(barista, cookie.id, now=long_ago + timedelta(minutes=2), note="Oops").comp
    void(barista, voided.id, "Wrong item", now=long_ago + timedelta(minutes=3))
    before = _tallies()

    assert erase() == 3

    assert _tallies() == before
    comp = _comp(given.id)
    assert (comp.value_amount, comp.order_ref, comp.status, comp.created_at) == (
        300,
        "T-17",
        CompStatus.ACTIVE,
        long_ago,
    )
    # The barista's own account of the undo is kept; what the customer was told is not.
    undone = _comp(voided.id)
    assert (undone.note, undone.void_reason) == (None, "Wrong item")


def test_one_audit_row_says_how_many_and_up_to_when_but_no_names(
    barista, cookie, tap, erase, audit_log
):
    for minutes in range(3):
        tap(barista, cookie.id, now=NOW - timedelta(days=100, minutes=minutes), **WHAT_THEY_SAID)

    erase()

    (row,) = audit_log(privacy.ERASED)
    assert (row.actor, row.entity, row.entity_id) == ("privacy retention", "store", "test-cafe")
    assert row.data["comps"] == 3
    assert row.data["created_before"] == (NOW - timedelta(days=KEEP)).isoformat()
    assert not any(text in str(row.data) for text in WHAT_THEY_SAID.values())


def test_a_second_run_erases_nothing_and_records_nothing(barista, cookie, tap, erase, audit_log):
    tap(barista, cookie.id, now=NOW - timedelta(days=100), **WHAT_THEY_SAID)
    assert erase() == 1
    rows = len(audit_log())

    assert erase(now=NOW + timedelta(hours=1)) == 0

    assert len(audit_log()) == rows


def test_comps_without_customer_text_are_not_counted(barista, cookie, tap, erase, audit_log):
    tap(barista, cookie.id, now=NOW - timedelta(days=100), order_ref="T-1")

    assert erase() == 0
    assert audit_log(privacy.ERASED) == []


def test_a_shorter_keep_period_erases_more(barista, cookie, tap, erase):
    tap(barista, cookie.id, now=NOW - timedelta(days=2), **WHAT_THEY_SAID)

    assert erase(keep_days=KEEP) == 0
    assert erase(keep_days=1) == 1


def test_only_a_manager_may_erase(barista, erase):
    with pytest.raises(PermissionDenied):
        erase(actor=barista)
