"""The events the store announces to the outside world, and the one hook they go through.

A service announces an event inside the transaction that makes it true; whatever
listens (the webhook outbox, `pos_plugin.webhooks.outbox`) writes in that same
transaction, so an event is recorded exactly when its change is, never without it.
"""

from __future__ import annotations

from datetime import datetime

from blinker import Signal

COMP_CREATED = "comp.created"
COMP_VOIDED = "comp.voided"
SHIFT_CLOSED = "shift.closed"
SYNC_FAILED = "sync.failed"
EVENTS = (COMP_CREATED, COMP_VOIDED, SHIFT_CLOSED, SYNC_FAILED)

# Sent with the event's subject (a Comp, a ShiftTally, a SyncBatch), its kind, when it
# happened and when it is recorded.
happened = Signal("an event the store announces")


def announce(
    kind: str, subject: object, now: datetime, *, occurred_at: datetime | None = None
) -> None:
    """Tell the listeners; call it inside the write transaction that made `kind` true.

    `occurred_at` is when it happened, if earlier than `now` (a shift ended at its
    end time, and is noticed a moment later).
    """
    if kind not in EVENTS:
        raise ValueError(f"not an event: {kind}")
    happened.send(subject, kind=kind, now=now, occurred_at=occurred_at or now)
