"""Webhook endpoints and their durable outbox: one row per endpoint per event to deliver.

A delivery row is written in the same transaction as the change it tells of
(`services.events`), holding the exact JSON body that will be sent; the
delivery worker signs and sends it later, so a tap never waits for a receiver.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos_plugin.database import Base, UTCDateTime, string_enum

URL_MAX = 2000
LAST_RESPONSE_MAX = 300


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    # Still refused or unanswered a day after the event: given up, shown on the page.
    FAILED = "failed"


class WebhookEndpoint(Base):
    """A receiver (the till, a loyalty system) and the events it asked for."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(URL_MAX))
    events: Mapped[list[str]] = mapped_column(JSON)
    # Kept as it was given out, not hashed: every delivery is signed with it.
    secret: Mapped[str] = mapped_column(String(80))
    # Events that happened before this moment are not the endpoint's to receive.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(120))


class WebhookDelivery(Base):
    """One event on its way to one endpoint; its id orders the endpoint's deliveries."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_endpoint_state", "endpoint_id", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id"))
    # The event's id, the same on every try and every endpoint: receivers de-duplicate by it.
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    event_type: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[DeliveryState] = mapped_column(
        string_enum(DeliveryState, "webhook_delivery_state"), default=DeliveryState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The receiver's HTTP status on the last try, or None when it gave no answer.
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_response: Mapped[str | None] = mapped_column(String(LAST_RESPONSE_MAX))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship()
