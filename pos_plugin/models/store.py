"""The store this service runs for: one row, its identity and its local rules.

The row is written from the `[store]` and `[allowance]` config sections by
`pos-plugin init` and on every `serve`, so the services read one place.
"""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Integer, String, Time, false
from sqlalchemy.orm import Mapped, mapped_column

from pos_plugin.database import Base, HumanText


class Store(Base):
    __tablename__ = "store"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(HumanText(80))
    currency: Mapped[str] = mapped_column(String(3))
    locale: Mapped[str] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64))
    business_day_starts: Mapped[time] = mapped_column(Time)
    # The `[allowance]` default, for times no shift template covers.
    default_allowance_amount: Mapped[int] = mapped_column(Integer)
    default_max_comps: Mapped[int | None] = mapped_column(Integer)
    default_max_comps_per_staff: Mapped[int | None] = mapped_column(Integer)
    # From `[printer]`: with no printer, a tap queues no print job.
    prints_notes: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
