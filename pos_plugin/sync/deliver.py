"""Delivering due file sets, oldest day first, each retried with backoff until acknowledged.

Network work happens outside any database transaction; each batch's outcome
is then recorded in a short one. A set sent but not confirmed (an HTTPS
answer lost on the way, or a set still queued at head office) stays due and is
tried again later: the HTTPS transport first asks what became of it, and head
office answers a set sent again as a replay; either confirms it. A refusal
(`transports.Refused`) is not tried again by itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pos_plugin.database import db, write_transaction
from pos_plugin.models import BatchState, SyncBatch
from pos_plugin.services import events
from pos_plugin.sync import batches
from pos_plugin.sync.fileset import parse_name
from pos_plugin.sync.transports import DeliveryError, Refused, Sent, Transport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    batch: SyncBatch
    detail: str

    @property
    def acknowledged(self) -> bool:
        return self.batch.state is BatchState.ACKNOWLEDGED


def deliver_due(
    transport: Transport,
    clock: Callable[[], datetime],
    retry_max: float,
    *,
    waiting_too: bool = False,
    tries: int = 1,
    first_pause: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Delivery]:
    """Send every due set; `tries` > 1 retries a failed send at once, pausing 1 s, 2 s..."""
    due = [
        (b.id, Path(b.directory), b.manifest_name)
        for b in batches.due(clock(), waiting_too=waiting_too)
    ]
    db.session.rollback()  # hold no snapshot while the network is slow
    done: list[Delivery] = []
    for batch_id, directory, manifest_name in due:
        parsed = parse_name(manifest_name)
        names = parsed[0].all_files() if parsed else [manifest_name]
        outcome: Sent | DeliveryError = DeliveryError("not tried")
        for attempt in range(tries):
            try:
                outcome = transport.send(directory, names)
                break
            except Refused as error:
                outcome = error
                break
            except DeliveryError as error:
                outcome = error
                log.warning("sending %s failed (try %d): %s", manifest_name, attempt + 1, error)
                if attempt + 1 < tries:
                    sleep(first_pause * 2**attempt)
        done.append(_record(batch_id, transport.name, outcome, clock(), retry_max))
    return done


def _record(
    batch_id: int, transport: str, outcome: Sent | DeliveryError, now: datetime, retry_max: float
) -> Delivery:
    with write_transaction():
        if isinstance(outcome, Sent) and outcome.acknowledged:
            batch = batches.mark_acknowledged(batch_id, transport, now, outcome.answer)
            return Delivery(batch, outcome.answer)
        if isinstance(outcome, Sent):
            batch = batches.mark_delivered(batch_id, transport, now, retry_max)
            return Delivery(batch, outcome.answer)
        was_failing = (
            db.session.get_one(SyncBatch, batch_id, populate_existing=True).state
            is BatchState.FAILED
        )
        batch = batches.mark_failed(batch_id, transport, str(outcome), now, retry_max)
        if isinstance(outcome, Refused):
            batch.next_attempt_at = None  # only a person can fix it; `sync run` tries again
        if not was_failing:  # once when a set starts failing, not on every retry
            events.announce(events.SYNC_FAILED, batch, now)
        return Delivery(batch, str(outcome))
