"""The breakdown playbook: staff propose a known breakdown and its recovery; a manager approves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from pos_plugin.database import db
from pos_plugin.models import Breakdown, BreakdownStatus, CatalogItem
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
    title = required_text(title, field="title", max_length=120, empty="Name the breakdown.")
    recovery = optional_text(recovery, field="recovery", max_length=None, multiline=True)
    if db.session.scalars(select(Breakdown.id).where(Breakdown.title == title)).first():
        raise InvalidInput(f"{title!r} is already in the playbook.", field="title")
    if suggested_item_id is not None:
        item = db.session.get(CatalogItem, suggested_item_id)
        if item is None or not item.active:
            raise InvalidInput(
                f"There is no catalog item {suggested_item_id}.", field="suggested_item_id"
            )
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
    actor.require(Permission.MANAGE)
    breakdown = db.session.get(Breakdown, breakdown_id)
    if breakdown is None:
        raise NotFound(f"No breakdown {breakdown_id}.")
    breakdown.status = BreakdownStatus.APPROVED
    audit.record(actor, "breakdown.approved", "breakdown", breakdown.id, now)
    db.session.flush()
    return breakdown


def list_breakdowns(
    actor: Actor, status: BreakdownStatus = BreakdownStatus.APPROVED
) -> list[Breakdown]:
    """The playbook by title: staff see the approved entries, a manager any status."""
    actor.require(Permission.READ_CATALOG)
    if status is not BreakdownStatus.APPROVED and not actor.can(Permission.MANAGE):
        raise PermissionDenied("Only a manager sees breakdowns waiting or retired.", field="status")
    query = select(Breakdown).where(Breakdown.status == status).order_by(Breakdown.title)
    return list(db.session.scalars(query))
