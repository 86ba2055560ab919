"""Writes the append-only audit log; every service that changes something calls it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert

from pos_plugin.database import db, table_of
from pos_plugin.models import AuditEvent
from pos_plugin.services.actors import Actor


def record(
    actor: Actor, action: str, entity: str, entity_id: object, now: datetime, **data: Any
) -> None:
    db.session.execute(
        insert(table_of(AuditEvent)),
        [
            {
                "at": now,
                "actor": actor.label,
                "action": action,
                "entity": entity,
                "entity_id": str(entity_id),
                "data": data,
            }
        ],
    )
