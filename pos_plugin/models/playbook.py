"""The breakdown playbook: known things that go wrong and the comp that makes up for them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from pos_plugin.database import Base, HumanLongText, HumanText, UTCDateTime, string_enum


class BreakdownStatus(enum.StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    RETIRED = "retired"
    DECLINED = "declined"


class Breakdown(Base):
    __tablename__ = "breakdown"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(HumanText(120), unique=True)
    recovery: Mapped[str] = mapped_column(HumanLongText(multiline=True))
    suggested_item_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_item.id"))
    status: Mapped[BreakdownStatus] = mapped_column(
        string_enum(BreakdownStatus, "breakdown_status")
    )
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
