"""Shift templates (the weekly schedule) and the shifts opened from them."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Time,
)
from sqlalchemy.orm import Mapped, mapped_column

from pos_plugin.database import Base, HumanText, UTCDateTime
from pos_plugin.money import Money


class ShiftTemplate(Base):
    """A recurring window in the business day, on one weekday (0 = Monday)."""

    __tablename__ = "shift_template"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("allowance_amount >= 0", name="allowance_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(HumanText(40))
    weekday: Mapped[int] = mapped_column(SmallInteger)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    allowance_amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    max_comps: Mapped[int | None] = mapped_column(Integer)
    max_comps_per_staff: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def allowance(self) -> Money:
        return Money(self.allowance_amount, self.currency)


class Shift(Base):
    """One running (or past) shift; its allowance is copied in when it opens."""

    __tablename__ = "shift"
    __table_args__ = (CheckConstraint("allowance_amount >= 0", name="allowance_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("shift_template.id"))
    name: Mapped[str] = mapped_column(HumanText(40))
    business_date: Mapped[date] = mapped_column(Date, index=True)
    # Unique: two tablets opening the same shift at once end up with one row.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, unique=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    allowance_amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    max_comps: Mapped[int | None] = mapped_column(Integer)
    max_comps_per_staff: Mapped[int | None] = mapped_column(Integer)
    overridden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overridden_by: Mapped[str | None] = mapped_column(String(120))
    override_reason: Mapped[str | None] = mapped_column(HumanText(280, multiline=True))
    # What its active comps add up to, kept by the tap and the void under the shift's lock,
    # so checking the allowance costs the same on the first tap and the ten-thousandth.
    used_amount: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    comps_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the store noticed the shift had ended and announced it (`shifts.close_ended`).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def allowance(self) -> Money:
        return Money(self.allowance_amount, self.currency)
