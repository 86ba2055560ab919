"""Proposals from the tablet: staff propose, a manager approves, the tablet shows the approved."""

from __future__ import annotations

import pytest

from pos_plugin.database import write_transaction
from pos_plugin.models import BreakdownStatus
from pos_plugin.services import playbook
from pos_plugin.services.errors import InvalidInput, PermissionDenied


@pytest.fixture
def propose(app_ctx, clock, make_barista):
    bea = make_barista("Bea")

    def run(title="Out of oat milk", item_id=None, actor=bea):
        with write_transaction():
            return playbook.propose(
                actor,
                title=title,
                recovery="Upgrade the size.",
                suggested_item_id=item_id,
                proposed_by_id=actor.staff_id,
                now=clock.now,
            )

    return run


def test_a_proposal_waits_for_a_manager_before_staff_see_it(propose, manager, clock, make_barista):
    proposed = propose()
    bea = make_barista("Ben")
    assert proposed.status is BreakdownStatus.PROPOSED
    assert playbook.list_breakdowns(bea) == []
    assert [b.title for b in playbook.list_breakdowns(manager, BreakdownStatus.PROPOSED)] == [
        "Out of oat milk"
    ]
    with write_transaction():
        playbook.approve(manager, proposed.id, clock.now)
    assert [b.title for b in playbook.list_breakdowns(bea)] == ["Out of oat milk"]


def test_staff_cannot_list_proposals(propose, make_barista):
    with pytest.raises(PermissionDenied):
        playbook.list_breakdowns(make_barista("Ben"), BreakdownStatus.PROPOSED)


def test_a_title_already_in_the_playbook_is_refused_naming_the_field(propose):
    propose()
    with pytest.raises(InvalidInput) as refused:
        propose()
    assert refused.value.field == "title"


def test_the_suggested_comp_must_be_an_active_item(propose, make_item):
    with pytest.raises(InvalidInput) as refused:
        propose(item_id=make_item(active=False).id)
    assert refused.value.field == "suggested_item_id"
