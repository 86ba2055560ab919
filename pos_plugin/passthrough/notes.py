"""Which waiting note a receipt carries: claimed and counted as printed in one transaction.

A note waits for a receipt while its print job is queued and younger than
`[passthrough] match_minutes`; the print worker leaves such jobs alone for that
long (`hold`), so a note is printed by one of them only. A receipt whose text
holds a waiting comp's `order_ref` takes that comp's note, else it takes the
oldest waiting one. The job row is locked while it is claimed, so two receipts
printed at once never both take it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, select

from pos_plugin.database import db, write_transaction
from pos_plugin.models import Comp, PrintJob, PrintJobStatus, Role
from pos_plugin.printing import app as printing
from pos_plugin.printing import queue as print_queue
from pos_plugin.services.actors import Actor
from pos_plugin.services.store import get_store

PASSTHROUGH = Actor(role=Role.TILL, label="receipt pass-through")
# Waiting notes looked at per receipt: a few minutes of taps.
_CANDIDATES = 100


@dataclass(frozen=True)
class Claimed:
    """A note that joins a receipt; its print job is already marked printed."""

    job_id: int
    comp_id: uuid.UUID
    order_ref: str | None
    by_order_ref: bool
    note: bytes


def hold(match_minutes: int) -> timedelta:
    """How long the print worker leaves a new note for a receipt to take."""
    return timedelta(minutes=match_minutes)


def _waiting(cutoff: datetime) -> ColumnElement[bool]:
    return and_(PrintJob.status == PrintJobStatus.QUEUED, PrintJob.queued_at > cutoff)


def _names(ref: str, text: bytes) -> bool:
    """`text` holds `ref` as a whole word: order A-1 is not named by a receipt for A-12."""
    pattern = rb"(?<![0-9A-Za-z])" + re.escape(ref.encode("utf-8")) + rb"(?![0-9A-Za-z])"
    return re.search(pattern, text) is not None


def _choose(order_refs: list[str | None], text: bytes) -> tuple[int, bool]:
    """The first waiting note whose order the receipt names, else the oldest; and which."""
    for index, ref in enumerate(order_refs):
        if ref and _names(ref, text):
            return index, True
    return 0, False


def expire_unclaimed(now: datetime, match_minutes: int) -> None:
    """With no printer of the store's own, a note no receipt took in time will not print:
    it expires, as a note the printer could not print in time does, for a manager to
    reprint from the print queue if it still matters."""
    cutoff = now - hold(match_minutes)
    stale = PrintJob.status == PrintJobStatus.QUEUED, PrintJob.queued_at <= cutoff
    if db.session.scalar(select(PrintJob.id).where(*stale).limit(1)) is None:
        db.session.rollback()
        return
    with write_transaction():
        print_queue.expire_older_than(cutoff)


def claim_note(receipt_text: bytes, now: datetime, match_minutes: int) -> Claimed | None:
    """The note for a receipt whose printable text is `receipt_text`, or None.

    The note is ESC/POS bytes as `GET /api/v1/comps/{id}/receipt?format=escpos`
    gives them; its job is marked printed in the same transaction that picks it.
    """
    cutoff = now - hold(match_minutes)
    # Most receipts find no note waiting: a read, without taking the write lock.
    if db.session.scalar(select(PrintJob.id).where(_waiting(cutoff)).limit(1)) is None:
        db.session.rollback()
        return None
    with write_transaction():
        rows = list(
            db.session.execute(
                select(PrintJob.id, PrintJob.comp_id, Comp.order_ref)
                .join(Comp, PrintJob.comp_id == Comp.id)
                .where(_waiting(cutoff))
                .order_by(PrintJob.id)
                .limit(_CANDIDATES)
                .with_for_update(of=PrintJob)
            )
        )
        if not rows:
            return None
        index, by_order_ref = _choose([row.order_ref for row in rows], receipt_text)
        job_id, comp_id, order_ref = rows[index]
        note = printing.receipt(PASSTHROUGH, get_store(), comp_id, "escpos")
        # Sent and printed at once: it goes out inside the till's receipt, whose printer
        # the till itself answers for.
        print_queue.mark_sending(job_id, now)
        print_queue.mark_printed(job_id, now)
    return Claimed(job_id, comp_id, order_ref, by_order_ref, note)
