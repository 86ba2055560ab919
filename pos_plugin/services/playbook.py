"""The breakdown playbook: staff propose a known breakdown and its recovery; a manager approves.

A proposal is approved (it joins the playbook), edited, or declined; an
approved breakdown can later be retired. Nothing is deleted: comps point at it.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select
from sqlalchemy.orm import aliased

from pos_plugin.database import db
from pos_plugin.models import Breakdown, BreakdownStatus, CatalogItem, Staff
from pos_plugin.services import audit
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.errors import InvalidInput, NotFound, PermissionDenied
from pos_plugin.services.text_input import optional_text, required_text


def propose(
    actor: Actor,
    *,
    title: str,
    recovery: str,
    suggested_item_id: int | None,
    proposed_by_id: int | None,
    now: datetime,
) -> Breakdown:
    actor.require(Permission.TAP)
    title = _checked_title(title, editing=None)
    recovery = optional_text(recovery, field="recovery", max_length=None, multiline=True)
    _check_item(suggested_item_id)
    breakdown = Breakdown(
        title=title,
        recovery=recovery,
        suggested_item_id=suggested_item_id,
        status=BreakdownStatus.PROPOSED,
        proposed_by_id=proposed_by_id,
        created_at=now,
    )
    db.session.add(breakdown)
    db.session.flush()
    audit.record(actor, "breakdown.proposed", "breakdown", breakdown.id, now, title=title)
    return breakdown


def approve(actor: Actor, breakdown_id: int, now: datetime) -> Breakdown:
    """Put a proposal (or a retired or declined breakdown) in the playbook baristas use."""
    return _move(actor, breakdown_id, BreakdownStatus.APPROVED, "breakdown.approved", now)


def decline(actor: Actor, breakdown_id: int, now: datetime) -> Breakdown:
    """Say no to a proposal; it stays on record, out of the playbook."""
    actor.require(Permission.MANAGE)
    if _get(breakdown_id).status is not BreakdownStatus.PROPOSED:
        raise InvalidInput(_l("Only a proposal can be declined; retire a breakdown instead."))
    return _move(actor, breakdown_id, BreakdownStatus.DECLINED, "breakdown.declined", now)


def retire(actor: Actor, breakdown_id: int, now: datetime) -> Breakdown:
    """Take a breakdown out of the playbook; comps that used it keep pointing at it."""
    actor.require(Permission.MANAGE)
    if _get(breakdown_id).status is not BreakdownStatus.APPROVED:
        raise InvalidInput(_l("Only a breakdown in the playbook can be retired."))
    return _move(actor, breakdown_id, BreakdownStatus.RETIRED, "breakdown.retired", now)


def edit(
    actor: Actor,
    breakdown_id: int,
    *,
    title: str,
    recovery: str,
    suggested_item_id: int | None,
    now: datetime,
) -> Breakdown:
    actor.require(Permission.MANAGE)
    breakdown = _get(breakdown_id)
    title = _checked_title(title, editing=breakdown.id)
    recovery = optional_text(recovery, field="recovery", max_length=None, multiline=True)
    _check_item(suggested_item_id)
    before = _described(breakdown)
    breakdown.title = title
    breakdown.recovery = recovery
    breakdown.suggested_item_id = suggested_item_id
    audit.record_changes(
        actor, "breakdown.updated", "breakdown", breakdown.id, now, before, _described(breakdown)
    )
    db.session.flush()
    return breakdown


def review(
    actor: Actor, status: BreakdownStatus | None = None
) -> list[tuple[Breakdown, str | None, str | None]]:
    """Breakdowns (proposals first), each with its suggested item's and proposer's names."""
    actor.require(Permission.MANAGE)
    proposer = aliased(Staff)
    query = (
        select(Breakdown, CatalogItem.name, proposer.name)
        .outerjoin(CatalogItem, CatalogItem.id == Breakdown.suggested_item_id)
        .outerjoin(proposer, proposer.id == Breakdown.proposed_by_id)
        .order_by(_STATUS_ORDER, Breakdown.title)
    )
    if status is not None:
        query = query.where(Breakdown.status == status)
    return [(row[0], row[1], row[2]) for row in db.session.execute(query)]


def get_breakdown(actor: Actor, breakdown_id: int) -> Breakdown:
    actor.require(Permission.MANAGE)
    return _get(breakdown_id)


TITLE_MAX = 120
_STATUS_ORDER = case(
    {
        BreakdownStatus.PROPOSED.value: 0,
        BreakdownStatus.APPROVED.value: 1,
        BreakdownStatus.RETIRED.value: 2,
        BreakdownStatus.DECLINED.value: 3,
    },
    value=Breakdown.status,
    else_=4,
)


def _move(
    actor: Actor, breakdown_id: int, status: BreakdownStatus, action: str, now: datetime
) -> Breakdown:
    actor.require(Permission.MANAGE)
    breakdown = _get(breakdown_id)
    if breakdown.status is not status:
        before = breakdown.status.value
        breakdown.status = status
        audit.record(
            actor, action, "breakdown", breakdown.id, now, title=breakdown.title, before=before
        )
        db.session.flush()
    return breakdown


def _get(breakdown_id: int) -> Breakdown:
    breakdown = db.session.get(Breakdown, breakdown_id)
    if breakdown is None:
        raise NotFound(_l("No breakdown %(id)s.", id=breakdown_id))
    return breakdown


def _checked_title(title: str, *, editing: int | None) -> str:
    title = required_text(
        title, field="title", max_length=TITLE_MAX, empty=_l("Name the breakdown.")
    )
    same = select(Breakdown.id).where(Breakdown.title == title)
    if editing is not None:
        same = same.where(Breakdown.id != editing)
    if db.session.scalars(same).first() is not None:
        raise InvalidInput(
            _l("There is already a breakdown called '%(title)s'.", title=title), field="title"
        )
    return title


def _check_item(item_id: int | None) -> None:
    if item_id is None:
        return
    item = db.session.get(CatalogItem, item_id)
    if item is None or not item.active:
        raise InvalidInput(
            _l("There is no catalog item %(id)s.", id=item_id), field="suggested_item_id"
        )


def _described(breakdown: Breakdown) -> dict[str, object]:
    return {
        "title": breakdown.title,
        "recovery": breakdown.recovery,
        "suggested_item_id": breakdown.suggested_item_id,
    }


def list_breakdowns(
    actor: Actor, status: BreakdownStatus = BreakdownStatus.APPROVED
) -> list[Breakdown]:
    """The playbook by title: staff see the approved entries, a manager any status."""
    actor.require(Permission.READ_CATALOG)
    if status is not BreakdownStatus.APPROVED and not actor.can(Permission.MANAGE):
        raise PermissionDenied(
            _l("Only a manager sees breakdowns waiting or retired."), field="status"
        )
    query = select(Breakdown).where(Breakdown.status == status).order_by(Breakdown.title)
    return list(db.session.scalars(query))
