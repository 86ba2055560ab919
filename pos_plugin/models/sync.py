"""The nightly sync's record of each file set: exported, delivered, acknowledged or failed."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pos_plugin.database import Base, UTCDateTime, string_enum

LAST_ERROR_MAX = 300


class BatchState(enum.StrEnum):
    EXPORTED = "exported"
    # Sent, but head office has not confirmed it yet (an HTTPS upload whose answer was lost).
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"
    # A later sequence of the same day was exported before this one left: it never will.
    SUPERSEDED = "superseded"


class SyncBatch(Base):
    """One file set: a business day at one sequence; a late change makes the next sequence."""

    __tablename__ = "sync_batch"
    __table_args__ = (
        UniqueConstraint("business_date", "sequence"),
        Index("ix_sync_batch_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_date: Mapped[date] = mapped_column(Date)
    sequence: Mapped[int] = mapped_column(Integer)
    # sha256 over the data files: the same day exported again with nothing changed matches it.
    content_sha256: Mapped[str] = mapped_column(String(64))
    # Where the set was written (the outbox, or `sync export --out DIR`).
    directory: Mapped[str] = mapped_column(String(1024))
    manifest_name: Mapped[str] = mapped_column(String(120))
    comps_count: Mapped[int] = mapped_column(Integer)
    exported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[BatchState] = mapped_column(
        string_enum(BatchState, "sync_batch_state"), default=BatchState.EXPORTED
    )
    transport: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(LAST_ERROR_MAX))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What head office said of it ("ingested", "already ingested"), when it says anything.
    acknowledgement: Mapped[str | None] = mapped_column(String(LAST_ERROR_MAX))
    files_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
