"""Each file set's journey: due for delivery, delivered, acknowledged or failed (with backoff).

`sync status` and the manager console read `recent`; delivery and the
scheduler move batches along with the `mark_*` functions; `purge_sent`
removes files head office confirmed more than `keep_days` ago.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select

from pos_plugin.database import db
from pos_plugin.models import BatchState, SyncBatch
from pos_plugin.models.sync import LAST_ERROR_MAX
from pos_plugin.sync.fileset import parse_name

FIRST_RETRY_SECONDS = 30.0
UNSENT = (BatchState.EXPORTED, BatchState.FAILED, BatchState.DELIVERED)


def recent(limit: int = 60) -> list[SyncBatch]:
    """The latest batches, newest business day first, for `sync status`."""
    query = (
        select(SyncBatch)
        .order_by(SyncBatch.business_date.desc(), SyncBatch.sequence.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def due(now: datetime, *, waiting_too: bool = False) -> list[SyncBatch]:
    """Batches to send now, oldest day first; `waiting_too` includes those backing off."""
    query = select(SyncBatch).where(SyncBatch.state.in_(UNSENT))
    if not waiting_too:
        # No next attempt: refused by head office, so only a person's `sync run` sends it again.
        query = query.where(SyncBatch.next_attempt_at <= now)
    return list(db.session.scalars(query.order_by(SyncBatch.business_date, SyncBatch.sequence)))


def next_attempt(now: datetime) -> datetime | None:
    """When the earliest batch backing off may be tried again."""
    waiting = [b.next_attempt_at for b in due(now, waiting_too=True) if b.next_attempt_at]
    return min(waiting, default=None)


def _get(batch_id: int) -> SyncBatch:
    return db.session.get_one(SyncBatch, batch_id, populate_existing=True)


def mark_delivered(batch_id: int, transport: str, now: datetime, retry_max: float) -> SyncBatch:
    """Sent, but not confirmed: try again later, which head office answers as a replay."""
    batch = _get(batch_id)
    batch.transport = transport
    batch.attempts += 1
    batch.delivered_at = now
    batch.state = BatchState.DELIVERED
    batch.last_error = "sent; head office has not confirmed it yet"
    batch.next_attempt_at = now + _backoff(batch.attempts, retry_max)
    return batch


def mark_acknowledged(batch_id: int, transport: str, now: datetime, answer: str) -> SyncBatch:
    batch = _get(batch_id)
    batch.transport = transport
    batch.attempts += 1
    batch.delivered_at = batch.delivered_at or now
    batch.acknowledged_at = now
    batch.acknowledgement = answer[:LAST_ERROR_MAX]
    batch.state = BatchState.ACKNOWLEDGED
    batch.last_error = None
    batch.next_attempt_at = None
    return batch


def mark_failed(
    batch_id: int, transport: str, error: str, now: datetime, retry_max: float
) -> SyncBatch:
    batch = _get(batch_id)
    batch.transport = transport
    batch.attempts += 1
    batch.state = BatchState.FAILED
    batch.last_error = error[:LAST_ERROR_MAX]
    batch.next_attempt_at = now + _backoff(batch.attempts, retry_max)
    return batch


def _backoff(attempts: int, retry_max: float) -> timedelta:
    """30 s, 1 min, 2 min... up to `retry_max`, with jitter so many stores do not retry in step."""
    seconds = min(retry_max, FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=seconds * random.uniform(0.8, 1.0))


def purge_sent(now: datetime, keep_days: int) -> int:
    """Delete the files of sets confirmed (or superseded) more than `keep_days` ago."""
    cutoff = now - timedelta(days=keep_days)
    old = db.session.scalars(
        select(SyncBatch).where(
            SyncBatch.files_purged_at.is_(None),
            or_(
                (SyncBatch.state == BatchState.ACKNOWLEDGED) & (SyncBatch.acknowledged_at < cutoff),
                (SyncBatch.state == BatchState.SUPERSEDED) & (SyncBatch.exported_at < cutoff),
            ),
        )
    ).all()
    for batch in old:
        parsed = parse_name(batch.manifest_name)
        if parsed is not None:
            for name in parsed[0].all_files():
                (Path(batch.directory) / name).unlink(missing_ok=True)
        batch.files_purged_at = now
    return len(old)
