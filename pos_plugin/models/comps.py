"""Comps given on the house, and the idempotency keys that make a retried tap safe."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos_plugin.database import Base, HumanText, UTCDateTime, string_enum
from pos_plugin.models.catalog import CatalogItem
from pos_plugin.money import Money

NOTE_MAX = 280
CUSTOMER_NAME_MAX = 80
ORDER_REF_MAX = 64


class CompStatus(enum.StrEnum):
    ACTIVE = "active"
    VOIDED = "voided"


def _only_set(column: str) -> dict[str, Any]:
    """A partial index's condition on both databases: only rows where `column` is set."""
    where = text(f"{column} IS NOT NULL")
    return {"sqlite_where": where, "postgresql_where": where}


class Comp(Base):
    __tablename__ = "comp"
    __table_args__ = (
        Index("ix_comp_shift_status", "shift_id", "status"),
        # The per-barista and per-item caps count within one shift.
        Index("ix_comp_shift_staff", "shift_id", "staff_id"),
        Index("ix_comp_shift_item", "shift_id", "item_id"),
        # The nightly sync finds closed days changed by a late void or star with these.
        # Partial: a comp is given with neither, and an index holding its NULL would
        # cost every tap an index entry and a page written at its commit.
        Index("ix_comp_voided_at", "voided_at", **_only_set("voided_at")),
        Index("ix_comp_starred_at", "starred_at", **_only_set("starred_at")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalog_item.id"))
    # The value when given: later price changes do not rewrite history.
    value_amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id"))
    business_date: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    created_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"))
    note: Mapped[str | None] = mapped_column(HumanText(NOTE_MAX, multiline=True))
    reason: Mapped[str | None] = mapped_column(HumanText(NOTE_MAX, multiline=True))
    customer_name: Mapped[str | None] = mapped_column(HumanText(CUSTOMER_NAME_MAX))
    order_ref: Mapped[str | None] = mapped_column(HumanText(ORDER_REF_MAX))
    breakdown_id: Mapped[int | None] = mapped_column(ForeignKey("breakdown.id"))
    status: Mapped[CompStatus] = mapped_column(
        string_enum(CompStatus, "comp_status"),
        default=CompStatus.ACTIVE,
    )
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by: Mapped[str | None] = mapped_column(String(120))
    void_reason: Mapped[str | None] = mapped_column(HumanText(NOTE_MAX, multiline=True))
    # A manager who let this comp go over the shift's allowance (staff_id asked for it).
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # Starred on the delight wall: the story goes to head office with the nightly sync.
    starred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    starred_by: Mapped[str | None] = mapped_column(String(120))

    item: Mapped[CatalogItem] = relationship(lazy="joined")

    @property
    def value(self) -> Money:
        return Money(self.value_amount, self.currency)


class IdempotencyKey(Base):
    """A client's `Idempotency-Key`, scoped to the token or person that sent it."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    comp_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("comp.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    comp: Mapped[Comp] = relationship()
