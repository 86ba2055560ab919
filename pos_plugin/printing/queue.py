"""The print queue's rules: what a tap queues, what the worker takes next, retry and expiry.

A job is written in the tap's own transaction, so a comp that prints and its
note are recorded together or not at all. The worker takes jobs strictly
oldest first (a note never overtakes an earlier one), commits "sending" before
the first byte goes out, and marks one printed only after the printer confirmed
it. A note none of which went out, or only part of it, is retried with backoff
until it is too old to be worth printing; one that went out whole without a
confirmation, or was being sent when the service stopped, is "unconfirmed" and
prints again only when a manager asks (`retry`).
"""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from pos_plugin.database import after_commit, db
from pos_plugin.models import CatalogItem, Comp, PrintJob, PrintJobStatus, Store
from pos_plugin.models.printing import LAST_ERROR_MAX
from pos_plugin.services import audit
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.errors import InvalidInput, NotFound

FIRST_RETRY_SECONDS = 0.5

# Set when a transaction that queued a job commits, so the worker wakes at once
# instead of at its next poll.
job_queued = threading.Event()


def enqueue(store: Store, item: CatalogItem, comp: Comp, now: datetime) -> None:
    """Queue the comp's note if the store has a printer and the item prints one."""
    if not (store.prints_notes and item.prints_note):
        return
    db.session.add(
        PrintJob(
            comp=comp,
            status=PrintJobStatus.QUEUED,
            queued_at=now,
            next_attempt_at=now,
            attempts=0,
        )
    )
    after_commit(job_queued.set)


def cancel_for_comp(comp: Comp) -> None:
    """A voided comp's note is not printed any more."""
    db.session.execute(
        update(PrintJob)
        .where(PrintJob.comp_id == comp.id, PrintJob.status == PrintJobStatus.QUEUED)
        .values(status=PrintJobStatus.CANCELLED)
    )


def oldest_queued() -> PrintJob | None:
    """The job that prints next: notes never overtake one another."""
    return db.session.scalars(
        select(PrintJob)
        .where(PrintJob.status == PrintJobStatus.QUEUED)
        .order_by(PrintJob.id)
        .limit(1)
    ).first()


def expire_older_than(cutoff: datetime) -> None:
    """A note that waited since before `cutoff` is no use to the customer any more."""
    db.session.execute(
        update(PrintJob)
        .where(PrintJob.status == PrintJobStatus.QUEUED, PrintJob.queued_at < cutoff)
        .values(status=PrintJobStatus.EXPIRED)
    )


def mark_sending(job_id: int, now: datetime) -> None:
    """The note's first byte is about to go out: from here on it may be on paper."""
    db.session.execute(
        update(PrintJob)
        .where(PrintJob.id == job_id, PrintJob.status == PrintJobStatus.QUEUED)
        .values(status=PrintJobStatus.SENDING, sent_at=now)
    )


def mark_printed(job_id: int, now: datetime) -> None:
    db.session.execute(
        update(PrintJob)
        .where(PrintJob.id == job_id, PrintJob.status == PrintJobStatus.SENDING)
        .values(
            status=PrintJobStatus.PRINTED,
            printed_at=now,
            attempts=PrintJob.attempts + 1,
            last_error=None,
        )
    )


def mark_unconfirmed(job_id: int, why: str) -> None:
    """Every byte went out, but the printer did not confirm: never sent again by itself."""
    db.session.execute(
        update(PrintJob)
        .where(PrintJob.id == job_id, PrintJob.status == PrintJobStatus.SENDING)
        .values(
            status=PrintJobStatus.UNCONFIRMED,
            attempts=PrintJob.attempts + 1,
            last_error=why[:LAST_ERROR_MAX],
        )
    )


STOPPED_WHILE_SENDING = "the service stopped while this note was being sent; it may be on paper"


def recover_after_stop() -> int:
    """At start-up: a note found "sending" was cut off by a crash mid-send, perhaps after
    its last byte. It is unconfirmed, not sent again; returns how many there were."""
    cut_off = list(
        db.session.scalars(select(PrintJob).where(PrintJob.status == PrintJobStatus.SENDING))
    )
    for job in cut_off:
        job.status = PrintJobStatus.UNCONFIRMED
        job.last_error = STOPPED_WHILE_SENDING
    return len(cut_off)


def retry_delay(attempts: int, max_seconds: float) -> float:
    """Exponential backoff with "equal jitter" (half fixed, half random), capped."""
    ceiling = min(max_seconds, FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0))
    return random.uniform(ceiling / 2, ceiling)


def mark_failed(job_id: int, error: str, now: datetime, max_seconds: float) -> None:
    """Nothing went out, or only part of it (the job was "sending"): it waits and is tried
    again; `sent_at` stays, so a copy after a fragment says it is a reprint."""
    job = db.session.get(PrintJob, job_id)
    if job is None or job.status not in (PrintJobStatus.QUEUED, PrintJobStatus.SENDING):
        return
    job.status = PrintJobStatus.QUEUED
    job.attempts += 1
    job.last_error = error[:LAST_ERROR_MAX]
    job.next_attempt_at = now + timedelta(seconds=retry_delay(job.attempts, max_seconds))


def list_jobs(
    actor: Actor, *, status: PrintJobStatus | None = None, limit: int = 50, offset: int = 0
) -> list[PrintJob]:
    """Newest first, a page at a time."""
    actor.require(Permission.MANAGE)
    query = select(PrintJob).order_by(PrintJob.id.desc()).limit(limit).offset(offset)
    if status is not None:
        query = query.where(PrintJob.status == status)
    return list(db.session.scalars(query))


def retry(actor: Actor, job_id: int, now: datetime) -> PrintJob:
    """Queue a job again by hand: an expired note, or a reprint of a printed or unconfirmed
    one (which then starts with a "reprint" line)."""
    actor.require(Permission.MANAGE)
    job = db.session.get(PrintJob, job_id)
    if job is None:
        raise NotFound(_l("No print job %(id)s.", id=job_id))
    if job.status is PrintJobStatus.QUEUED:
        raise InvalidInput(_l("This note is already waiting to print."), field="id")
    if job.status is PrintJobStatus.SENDING:
        raise InvalidInput(_l("This note is being sent to the printer right now."), field="id")
    if job.status is PrintJobStatus.CANCELLED:
        raise InvalidInput(_l("This comp was voided; its note is not printed."), field="id")
    before = job.status.value
    job.status = PrintJobStatus.QUEUED
    job.queued_at = now
    job.next_attempt_at = now
    job.last_error = None
    audit.record(actor, "print_job.retried", "print_job", job.id, now, was=before)
    after_commit(job_queued.set)
    db.session.flush()
    return job


def waiting_count() -> int:
    return _count(PrintJobStatus.QUEUED)


def unconfirmed_count() -> int:
    return _count(PrintJobStatus.UNCONFIRMED)


def _count(status: PrintJobStatus) -> int:
    query = select(func.count()).where(PrintJob.status == status)
    return db.session.scalar(query) or 0
