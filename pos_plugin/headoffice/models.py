"""Head office tables: registered stores, ingested sets, the stores' comps, shifts, stories,
and the people who sign in to the reports (users, their sessions and sign-in tries).

Comps are partitioned by business date on PostgreSQL (one partition a month,
made when a set first needs it) and keyed by (business date, store, comp),
so per-day queries prune partitions and per-store ones use an index.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pos_plugin.database import NAMING_CONVENTION, UTCDateTime, string_enum


class HeadOfficeBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _first_days_of(name: str, condition: str) -> Index:
    """An index of the rows a detail report lists, so it reads the first days' rows only."""
    where = text(condition)
    return Index(name, "business_date", "store_id", postgresql_where=where, sqlite_where=where)


class RegisteredStore(HeadOfficeBase):
    __tablename__ = "ho_store"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(80))
    key_id: Mapped[str] = mapped_column(String(16))
    # sha256 of the store's upload token for the HTTPS receiver.
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A disabled store's upload token is refused; its sets already loaded stay.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SetState(enum.StrEnum):
    CURRENT = "current"
    SUPERSEDED = "superseded"


class IngestedSet(HeadOfficeBase):
    """One (store, business date, sequence) loaded; the day's rows are its latest sequence's.

    Keyed by what it is, store first, so Citus can distribute it by store (ho_0005)."""

    __tablename__ = "ho_set"

    store_id: Mapped[str] = mapped_column(ForeignKey("ho_store.id"), primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    exported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[SetState] = mapped_column(string_enum(SetState, "ho_set_state"))
    comps_rows: Mapped[int] = mapped_column(Integer)
    shifts_rows: Mapped[int] = mapped_column(Integer)
    stories_rows: Mapped[int] = mapped_column(Integer)
    # The file format the store wrote (1 carries no approvers and no stories).
    format_version: Mapped[int] = mapped_column(Integer)
    totals: Mapped[dict[str, Any]] = mapped_column(JSON)


class StoreComp(HeadOfficeBase):
    __tablename__ = "ho_comp"
    __table_args__ = (
        _first_days_of("ix_ho_comp_voided_day", "status = 'voided'"),
        _first_days_of("ix_ho_comp_approved_day", "approved_by_id IS NOT NULL"),
        {"postgresql_partition_by": "RANGE (business_date)"},
    )

    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    store_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    comp_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    item_id: Mapped[int] = mapped_column(Integer)
    item_name: Mapped[str] = mapped_column(Text)
    value_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    staff_id: Mapped[int | None] = mapped_column(Integer)
    staff_name: Mapped[str | None] = mapped_column(Text)
    # The manager who let it go over the allowance (staff_* asked for it).
    approved_by_id: Mapped[int | None] = mapped_column(Integer)
    approved_by_name: Mapped[str | None] = mapped_column(Text)
    shift_id: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(Text)
    order_ref: Mapped[str | None] = mapped_column(Text)
    breakdown_id: Mapped[int | None] = mapped_column(Integer)
    breakdown_title: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by: Mapped[str | None] = mapped_column(Text)
    void_reason: Mapped[str | None] = mapped_column(Text)


class StoreShift(HeadOfficeBase):
    __tablename__ = "ho_shift"
    __table_args__ = (_first_days_of("ix_ho_shift_overridden_day", "overridden_at IS NOT NULL"),)

    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    store_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    shift_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    template_id: Mapped[int | None] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    allowance_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    max_comps: Mapped[int | None] = mapped_column(Integer)
    max_comps_per_staff: Mapped[int | None] = mapped_column(Integer)
    used_amount: Mapped[int] = mapped_column(BigInteger)
    comps_count: Mapped[int] = mapped_column(Integer)
    overridden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overridden_by: Mapped[str | None] = mapped_column(Text)


class StoreStory(HeadOfficeBase):
    __tablename__ = "ho_story"

    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    store_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    comp_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer)
    starred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Whoever the store recorded as starring it; a set without one is still taken.
    starred_by: Mapped[str | None] = mapped_column(Text)
    staff_id: Mapped[int | None] = mapped_column(Integer)
    staff_name: Mapped[str | None] = mapped_column(Text)
    item_name: Mapped[str] = mapped_column(Text)
    customer_name: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class UserRole(enum.StrEnum):
    """Viewers read the reports; admins also manage stores and users."""

    VIEWER = "viewer"
    ADMIN = "admin"


class User(HeadOfficeBase):
    """A person who signs in to head office's pages (`pos-plugin headoffice user add`)."""

    __tablename__ = "ho_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[UserRole] = mapped_column(string_enum(UserRole, "ho_user_role"))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Wrong tries before this no longer count: a new password unlocks.
    unlocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserSession(HeadOfficeBase):
    """One signed-in browser: its cookie holds the token whose hash is `token_hash`."""

    __tablename__ = "ho_user_session"
    __table_args__ = (Index("ix_ho_user_session_user_ended", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ho_user.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(45))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_why: Mapped[str | None] = mapped_column(String(40))


class SignInTry(HeadOfficeBase):
    """Every try at signing in; a name nobody has is kept with no user, against its address."""

    __tablename__ = "ho_signin_try"
    __table_args__ = (
        Index("ix_ho_signin_try_user_at", "user_id", "at"),
        Index("ix_ho_signin_try_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ho_user.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(45))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean)


class _DayRollup:
    """One store's business day of comps, summed: active comps, their value, voided comps.

    Rewritten from the raw rows whenever a set loads the day (`rollups.refresh`),
    so the reports read a few rows per store-day however many comps it had. One
    table for each way of summing, so a report reads only the rows it sums."""

    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    store_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    comps: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(BigInteger)
    voids: Mapped[int] = mapped_column(Integer)


class DayTotal(_DayRollup, HeadOfficeBase):
    __tablename__ = "ho_rollup_day"


class ItemRollup(_DayRollup, HeadOfficeBase):
    __tablename__ = "ho_rollup_item"

    name: Mapped[str] = mapped_column(Text, primary_key=True)


class BaristaRollup(_DayRollup, HeadOfficeBase):
    __tablename__ = "ho_rollup_barista"

    # The barista's name as the store recorded it; "" for comps no barista made.
    name: Mapped[str] = mapped_column(Text, primary_key=True)


class BreakdownRollup(_DayRollup, HeadOfficeBase):
    __tablename__ = "ho_rollup_breakdown"

    name: Mapped[str] = mapped_column(Text, primary_key=True)


ROW_TABLES = {"comps": StoreComp, "shifts": StoreShift, "stories": StoreStory}
