"""The breakdown playbook a manager keeps: proposals approved, edited or declined; retiring."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pos_plugin.models import BreakdownStatus
from pos_plugin.services import playbook
from pos_plugin.services.errors import InvalidInput, PermissionDenied

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


def propose(do, actor, title="Out of oat milk", item_id=None):
    return do(
        playbook.propose,
        actor,
        title=title,
        recovery="Offer another milk.",
        suggested_item_id=item_id,
        proposed_by_id=None,
        now=NOW,
    )


def test_a_proposal_waits_first_in_the_list_until_approved(app_ctx, manager, barista, do):
    approved = propose(do, manager, "Card reader down")
    do(playbook.approve, manager, approved.id, NOW)
    waiting = propose(do, barista, "Wi-Fi down")
    listed = do(playbook.review, manager)
    assert [(b.title, b.status) for b, _, _ in listed] == [
        ("Wi-Fi down", BreakdownStatus.PROPOSED),
        ("Card reader down", BreakdownStatus.APPROVED),
    ]
    assert do(playbook.review, manager, BreakdownStatus.PROPOSED)[0][0].id == waiting.id


def test_an_approved_breakdown_can_be_used_on_a_comp_and_a_declined_one_cannot(
    app_ctx, manager, barista, do, make_item, tap, make_barista
):
    item = make_item()
    good = propose(do, barista, "Order took too long", item.id)
    bad = propose(do, barista, "Customer was rude")
    do(playbook.approve, manager, good.id, NOW)
    do(playbook.decline, manager, bad.id, NOW)
    ana = make_barista()
    assert tap(ana, item.id, breakdown_id=good.id).created
    with pytest.raises(InvalidInput) as refused:
        tap(ana, item.id, breakdown_id=bad.id)
    assert refused.value.field == "breakdown_id"


def test_only_proposals_are_declined_and_only_approved_ones_retired(app_ctx, manager, do):
    breakdown = propose(do, manager)
    with pytest.raises(InvalidInput):
        do(playbook.retire, manager, breakdown.id, NOW)
    do(playbook.approve, manager, breakdown.id, NOW)
    with pytest.raises(InvalidInput):
        do(playbook.decline, manager, breakdown.id, NOW)
    assert do(playbook.retire, manager, breakdown.id, NOW).status is BreakdownStatus.RETIRED


def test_editing_a_breakdown_is_audited_and_titles_stay_unique(
    app_ctx, manager, do, audit_log, make_item
):
    item = make_item()
    propose(do, manager, "Card reader down")
    breakdown = propose(do, manager)
    do(
        playbook.edit,
        manager,
        breakdown.id,
        title="Out of oat milk",
        recovery="Offer soy and upgrade the size.",
        suggested_item_id=item.id,
        now=NOW,
    )
    [event] = audit_log("breakdown.updated")
    assert event.data["after"]["suggested_item_id"] == item.id
    with pytest.raises(InvalidInput) as refused:
        do(
            playbook.edit,
            manager,
            breakdown.id,
            title="Card reader down",
            recovery="",
            suggested_item_id=None,
            now=NOW,
        )
    assert refused.value.field == "title"


def test_a_suggested_item_must_exist(app_ctx, manager, do):
    with pytest.raises(InvalidInput) as refused:
        propose(do, manager, item_id=999)
    assert refused.value.field == "suggested_item_id"


def test_a_barista_may_propose_but_not_approve_decline_retire_or_edit(app_ctx, barista, do):
    breakdown = propose(do, barista)
    for call in (playbook.approve, playbook.decline, playbook.retire):
        with pytest.raises(PermissionDenied):
            do(call, barista, breakdown.id, NOW)
    with pytest.raises(PermissionDenied):
        do(playbook.review, barista)
