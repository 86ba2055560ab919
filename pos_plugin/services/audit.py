"""The append-only audit log: every service that changes something records it here,
and the manager reads it back, filtered and paged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from pos_plugin.database import db
from pos_plugin.models import AuditEvent, Store
from pos_plugin.services import paging
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.business_day import local_to_utc
from pos_plugin.services.errors import InvalidInput
from pos_plugin.services.paging import Page


def record(
    actor: Actor, action: str, entity: str, entity_id: object, now: datetime, **data: Any
) -> None:
    db.session.add(
        AuditEvent(
            at=now,
            actor=actor.label,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            data=data,
        )
    )


def record_changes(
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object,
    now: datetime,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """An edit: only the fields that changed, each before and after; nothing if none did."""
    changed = {key: value for key, value in after.items() if before.get(key) != value}
    if changed:
        was = {key: before.get(key) for key in changed}
        record(actor, action, entity, entity_id, now, before=was, after=changed)


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log page narrows by; every part optional."""

    action: str | None = None
    entity: str | None = None
    who: str | None = None
    start: date | None = None
    end: date | None = None


def search(
    actor: Actor, store: Store, where: AuditFilter, *, offset: int = 0, limit: int = 50
) -> Page[AuditEvent]:
    """The log newest first; dates are the store's local calendar days, both ends included."""
    actor.require(Permission.MANAGE)
    if where.start and where.end and where.start > where.end:
        raise InvalidInput(_l("The start date is after the end date."), field="start")
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if where.action:
        query = query.where(AuditEvent.action == where.action)
    if where.entity:
        query = query.where(AuditEvent.entity == where.entity)
    if where.who:
        who = where.who.lower()
        query = query.where(func.lower(AuditEvent.actor).contains(who, autoescape=True))
    if where.start:
        query = query.where(AuditEvent.at >= local_to_utc(where.start, time(0), store.zone))
    if where.end:
        after = where.end + timedelta(days=1)
        query = query.where(AuditEvent.at < local_to_utc(after, time(0), store.zone))
    return paging.fetch(query, offset=offset, limit=limit)


def choices(actor: Actor) -> tuple[list[str], list[str]]:
    """The actions and entities the log holds, for the filter's drop-downs."""
    actor.require(Permission.MANAGE)
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    entities = db.session.scalars(select(AuditEvent.entity).distinct().order_by(AuditEvent.entity))
    return list(actions), list(entities)
