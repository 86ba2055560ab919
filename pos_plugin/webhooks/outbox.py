"""The webhook outbox: what an event writes, and the delivery worker's view of the queue.

`services.events` announces each event inside its own transaction; `record`
listens and adds one delivery per endpoint that asked for the event and existed
when it happened, holding the JSON body exactly as it will be sent. The worker
takes each endpoint's oldest pending delivery only (`heads`), so a later event
never reaches a receiver before an earlier one.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import delete, func, select, update

from pos_plugin.api.schemas import CompSchema, ShiftSchema
from pos_plugin.database import after_commit, db
from pos_plugin.models import (
    Comp,
    DeliveryState,
    SyncBatch,
    WebhookDelivery,
    WebhookEndpoint,
)
from pos_plugin.models.webhooks import LAST_RESPONSE_MAX
from pos_plugin.services import events
from pos_plugin.services.shifts import ShiftTally

FIRST_RETRY_SECONDS = 5.0
# Finished deliveries (delivered or given up) are kept this long for the Webhooks page,
# then deleted: their bodies hold what customers told staff (`docs/security.md`).
KEEP_FINISHED = timedelta(days=7)
LONGEST_PAUSE_SECONDS = 3600.0

# Set when a transaction that queued a delivery commits: the worker wakes at once.
delivery_queued = threading.Event()


def init_app(app: Flask) -> None:
    """Listen for the store's events (once per process; every app shares the listener)."""
    events.happened.connect(record)


def record(subject: Any, *, kind: str, now: datetime, occurred_at: datetime) -> None:
    """Queue the event for every endpoint that asked for it and existed when it happened."""
    endpoints = [
        endpoint
        for endpoint in db.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.created_at <= occurred_at)
            .order_by(WebhookEndpoint.id)
        )
        if kind in endpoint.events
    ]
    if not endpoints:
        return
    event_id = uuid.uuid4()
    body = body_of(event_id, kind, occurred_at, data_of(kind, subject))
    for endpoint in endpoints:
        db.session.add(
            WebhookDelivery(
                endpoint_id=endpoint.id,
                event_id=event_id,
                event_type=kind,
                body=body,
                created_at=now,
                state=DeliveryState.PENDING,
                attempts=0,
                next_attempt_at=now,
            )
        )
    after_commit(delivery_queued.set)


def body_of(event_id: uuid.UUID, kind: str, occurred_at: datetime, data: dict[str, Any]) -> str:
    """The delivery's JSON: the payload shape of the Standard Webhooks spec, plus the id."""
    payload = {
        "id": str(event_id),
        "type": kind,
        "timestamp": occurred_at.isoformat(),
        "data": data,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def data_of(kind: str, subject: Any) -> dict[str, Any]:
    """The event's subject as the API shows it (a comp, a shift), or a sync set's state."""
    if isinstance(subject, Comp):
        comp: dict[str, Any] = CompSchema().dump(subject)
        return comp
    if isinstance(subject, ShiftTally):
        shift: dict[str, Any] = ShiftSchema().dump(subject)
        return shift
    if isinstance(subject, SyncBatch):
        return {
            "business_date": subject.business_date.isoformat(),
            "sequence": subject.sequence,
            "manifest": subject.manifest_name,
            "transport": subject.transport,
            "attempts": subject.attempts,
            "error": subject.last_error,
            "next_attempt_at": (
                subject.next_attempt_at.isoformat() if subject.next_attempt_at else None
            ),
        }
    raise TypeError(f"no webhook data for {kind} about {type(subject).__name__}")


@dataclass(frozen=True)
class Queued:
    """A pending delivery with what sending it takes, read before the network is used."""

    id: int
    url: str
    secret: str
    event_id: uuid.UUID
    event_type: str
    body: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime


def heads() -> list[Queued]:
    """Each endpoint's oldest pending delivery: the only one it may be sent next."""
    first = (
        select(func.min(WebhookDelivery.id))
        .where(WebhookDelivery.state == DeliveryState.PENDING)
        .group_by(WebhookDelivery.endpoint_id)
    )
    query = (
        select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
        .where(WebhookDelivery.id.in_(first))
        .order_by(WebhookDelivery.id)
        .execution_options(populate_existing=True)
    )
    return [
        Queued(
            id=delivery.id,
            url=endpoint.url,
            secret=endpoint.secret,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            body=delivery.body,
            attempts=delivery.attempts,
            created_at=delivery.created_at,
            next_attempt_at=delivery.next_attempt_at,
        )
        for delivery, endpoint in db.session.execute(query)
    ]


def mark_delivered(delivery_id: int, status: int, answer: str, now: datetime) -> None:
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.state == DeliveryState.PENDING)
        .values(
            state=DeliveryState.DELIVERED,
            attempts=WebhookDelivery.attempts + 1,
            last_attempt_at=now,
            last_status=status,
            last_response=answer[:LAST_RESPONSE_MAX],
            delivered_at=now,
        )
    )


def mark_not_delivered(
    delivery: Queued, status: int | None, answer: str, now: datetime, give_up: timedelta
) -> DeliveryState:
    """A try failed: wait longer before the next (5 s, 10 s, 20 s ... at most an hour),
    or give up once the event is `give_up` old. Returns the delivery's new state."""
    attempts = delivery.attempts + 1
    pause = min(LONGEST_PAUSE_SECONDS, FIRST_RETRY_SECONDS * 2 ** (attempts - 1))
    state = DeliveryState.FAILED if now - delivery.created_at >= give_up else DeliveryState.PENDING
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id, WebhookDelivery.state == DeliveryState.PENDING)
        .values(
            state=state,
            attempts=attempts,
            last_attempt_at=now,
            last_status=status,
            last_response=answer[:LAST_RESPONSE_MAX],
            next_attempt_at=now + timedelta(seconds=pause),
        )
    )
    return state


def purge_finished(now: datetime) -> int:
    """Delete deliveries that finished (delivered or given up) over `KEEP_FINISHED` ago."""
    old = delete(WebhookDelivery).where(
        WebhookDelivery.state != DeliveryState.PENDING,
        WebhookDelivery.created_at < now - KEEP_FINISHED,
    )
    return int(db.session.execute(old).rowcount or 0)  # type: ignore[attr-defined]
