"""Enrolled tablets and the server's record of each signed-in browser.

A tablet a manager enrolled carries a random token in a cookie; the server keeps
only its hash, so a copied database enrols nothing. A signed-in browser's
cookie names a `StaffSession` the server can end: signing out, a new PIN or
password, deactivation and a manager's "end sessions" all end it at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos_plugin.database import Base, HumanText, UTCDateTime
from pos_plugin.models.people import Staff

DEVICE_NAME_MAX = 40


class Device(Base):
    """A tablet a manager enrolled: sign-in tries on it count for it alone."""

    __tablename__ = "device"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(HumanText(DEVICE_NAME_MAX))
    # sha256 of the token in the tablet's cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    enrolled_by: Mapped[str] = mapped_column(String(120))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A manager unlocked it: wrong tries before this no longer count.
    unlocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffSession(Base):
    """One signed-in browser: its cookie holds the token whose hash is `token_hash`."""

    __tablename__ = "staff_session"
    __table_args__ = (Index("ix_staff_session_staff_ended", "staff_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"))
    # The client address it signed in from (for the console's list).
    address: Mapped[str] = mapped_column(String(45))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_why: Mapped[str | None] = mapped_column(String(40))

    staff: Mapped[Staff] = relationship()
    device: Mapped[Device | None] = relationship()
