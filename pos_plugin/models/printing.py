"""The durable print queue: one row per friendly note to print, written with its comp."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos_plugin.database import Base, UTCDateTime, string_enum
from pos_plugin.models.comps import Comp

LAST_ERROR_MAX = 300


class PrintJobStatus(enum.StrEnum):
    QUEUED = "queued"
    # Committed before the first byte goes out: a job found so after a crash may be on paper.
    SENDING = "sending"
    PRINTED = "printed"
    # Every byte went out but the printer never said it read them (or said its paper ran
    # out): it may be on paper, so only a manager sends it again.
    UNCONFIRMED = "unconfirmed"
    # Waited longer than `[printer] expire_after_minutes`: a note hours late helps no one.
    EXPIRED = "expired"
    # Its comp was voided before the note printed.
    CANCELLED = "cancelled"


class PrintJob(Base):
    __tablename__ = "print_job"
    __table_args__ = (Index("ix_print_job_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comp_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("comp.id"), index=True)
    status: Mapped[PrintJobStatus] = mapped_column(
        string_enum(PrintJobStatus, "print_job_status"), default=PrintJobStatus.QUEUED
    )
    # When it was (re)queued: the expiry counts from here, so a reprint by hand gets a fresh wait.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(LAST_ERROR_MAX))
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When some or all of its bytes last went to the printer: set, a copy may be on paper
    # already, so the next one starts with a "reprint" line.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    comp: Mapped[Comp] = relationship(lazy="joined")
