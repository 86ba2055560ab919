"""The delight wall: recent comps with a friendly note or a customer's name, and the stars.

A manager stars the best stories; the nightly sync sends the starred ones to
head office (it reads `comp.starred_at` and `comp.starred_by`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from pos_plugin.database import db
from pos_plugin.models import Comp, CompStatus, Staff
from pos_plugin.services import audit, paging
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.errors import InvalidInput, NotFound
from pos_plugin.services.paging import Page

RECENT_DAYS = 30


@dataclass(frozen=True)
class Story:
    comp: Comp
    staff_name: str | None


def stories(
    actor: Actor,
    now: datetime,
    *,
    starred_only: bool = False,
    offset: int = 0,
    limit: int = 24,
) -> Page[Story]:
    """Newest first; voided comps are not stories.

    The wall shows the last `RECENT_DAYS` business days (read through the
    business-date index, so years of history cost nothing); starred stories
    stay on the starred view for good.
    """
    actor.require(Permission.MANAGE)
    query = (
        select(Comp, Staff.name)
        .outerjoin(Staff, Staff.id == Comp.staff_id)
        .where(
            Comp.status == CompStatus.ACTIVE,
            or_(Comp.note.is_not(None), Comp.customer_name.is_not(None)),
        )
        .order_by(Comp.created_at.desc(), Comp.id)
    )
    if starred_only:
        query = query.where(Comp.starred_at.is_not(None))
    else:
        query = query.where(Comp.business_date >= (now - timedelta(days=RECENT_DAYS)).date())
    paging.check(offset, limit)
    rows = db.session.execute(query.offset(offset).limit(limit + 1)).all()
    found = [Story(comp=row[0], staff_name=row[1]) for row in rows[:limit]]
    return Page(items=found, offset=offset, limit=limit, has_next=len(rows) > limit)


def star(actor: Actor, comp_id: uuid.UUID, now: datetime) -> Comp:
    actor.require(Permission.MANAGE)
    comp = _story(comp_id)
    if comp.starred_at is None:
        comp.starred_at = now
        comp.starred_by = actor.label
        audit.record(actor, "comp.starred", "comp", comp.id, now)
        db.session.flush()
    return comp


def unstar(actor: Actor, comp_id: uuid.UUID, now: datetime) -> Comp:
    actor.require(Permission.MANAGE)
    comp = _story(comp_id)
    if comp.starred_at is not None:
        comp.starred_at = None
        comp.starred_by = None
        audit.record(actor, "comp.unstarred", "comp", comp.id, now)
        db.session.flush()
    return comp


def _story(comp_id: uuid.UUID) -> Comp:
    comp = db.session.get(Comp, comp_id)
    if comp is None:
        raise NotFound(_l("No comp with id %(id)s.", id=comp_id))
    if comp.note is None and comp.customer_name is None:
        raise InvalidInput(_l("Only a comp with a note or a customer's name is a story."))
    return comp
