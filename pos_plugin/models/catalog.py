"""The comps a barista can give: name, value, icon and an optional per-shift limit."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, CheckConstraint, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from pos_plugin.database import Base, HumanText
from pos_plugin.money import Money


class CatalogItem(Base):
    __tablename__ = "catalog_item"
    __table_args__ = (
        CheckConstraint("value_amount >= 0", name="value_not_negative"),
        CheckConstraint("per_shift_limit IS NULL OR per_shift_limit >= 1", name="limit_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(HumanText(80), unique=True)
    value_amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    icon: Mapped[str] = mapped_column(HumanText(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    per_shift_limit: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Whether a comp of this item prints a friendly note on the receipt printer.
    prints_note: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Friendly notes a barista can add with one tap ("Happy birthday!"), in the shown order.
    suggested_notes: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")

    @property
    def value(self) -> Money:
        return Money(self.value_amount, self.currency)
