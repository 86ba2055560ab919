"""Staff who sign in with a PIN, and the API tokens the till and tablets use."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos_plugin.database import Base, HumanText, UTCDateTime, string_enum


class Role(enum.StrEnum):
    BARISTA = "barista"
    MANAGER = "manager"
    TILL = "till"


_role = string_enum(Role, "role")


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(HumanText(80), unique=True)
    role: Mapped[Role] = mapped_column(_role)
    pin_hash: Mapped[str] = mapped_column(String(255))
    # Managers may also sign in to the console with a password; baristas use the PIN only.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A manager unlocked them: wrong tries before this no longer count.
    unlocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(HumanText(80))
    role: Mapped[Role] = mapped_column(_role)
    # sha256 of the token: tokens are long random secrets, so a fast hash is
    # enough and lets a request find its token with one indexed lookup.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Refreshed at most every few minutes, so a busy till does not add a write per tap.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff: Mapped[Staff | None] = relationship()


class SignInAttempt(Base):
    """One PIN or password try, kept to lock out guessing per staff member and per device."""

    __tablename__ = "sign_in_attempt"
    __table_args__ = (
        Index("ix_sign_in_attempt_staff_at", "staff_id", "at"),
        Index("ix_sign_in_attempt_device_at", "device", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # Where the try came from: "device:<id>" for an enrolled tablet, "address:<ip>" for
    # a browser that is not (`services.places.Place.scope`).
    device: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean)
