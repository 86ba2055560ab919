"""The delivery worker: one thread in `pos-plugin serve` that sends the outbox's deliveries.

Each round it first closes shifts that have ended (their `shift.closed` events
join the outbox) and, hourly, deletes deliveries finished a week ago; then it
sends each endpoint's oldest pending delivery that is due, outside any database
transaction, and records the answer in a short one.
A tap only ever inserts rows: a slow or silent receiver holds up its own
deliveries (up to `[webhooks] timeout` a try), never a tap.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import exists, select

from pos_plugin.database import db, write_transaction
from pos_plugin.models import DeliveryState, Shift
from pos_plugin.services import shifts
from pos_plugin.settings import WebhookSettings
from pos_plugin.webhooks import outbox, sending

log = logging.getLogger(__name__)

# Endpoints added and events written by other processes (the CLI) are seen this often.
IDLE_POLL_SECONDS = 2.0
PURGE_EVERY = timedelta(hours=1)


class DeliveryWorker:
    def __init__(self, app: Flask, clock: Callable[[], datetime]) -> None:
        self.app = app
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._purged_at: datetime | None = None

    @property
    def settings(self) -> WebhookSettings:
        found: WebhookSettings = self.app.config["POS_PLUGIN_SETTINGS"].webhooks
        return found

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="webhook-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        outbox.delivery_queued.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.step()
            except Exception:  # a bug here must not stop the deliveries for the rest of the day
                log.exception("webhook delivery round failed")
                wait = IDLE_POLL_SECONDS
            if wait > 0:
                outbox.delivery_queued.wait(wait)
                outbox.delivery_queued.clear()

    def step(self) -> float:
        """Close ended shifts, then send each endpoint's next due delivery, once; returns
        how long to wait before the next round (0: more is due now)."""
        with self.app.app_context():
            try:
                self._close_ended_shifts()
                self._purge_finished()
                return self._send_due()
            finally:
                db.session.remove()

    def _close_ended_shifts(self) -> None:
        now = self.clock()
        ended = select(Shift.id).where(Shift.closed_at.is_(None), Shift.ends_at <= now)
        # Looked for first without the write lock: most rounds there is nothing to close.
        if db.session.scalar(select(exists(ended))):
            with write_transaction():
                shifts.close_ended(now)

    def _purge_finished(self) -> None:
        now = self.clock()
        if self._purged_at is not None and now - self._purged_at < PURGE_EVERY:
            return
        with write_transaction():
            outbox.purge_finished(now)
        self._purged_at = now

    def _send_due(self) -> float:
        now = self.clock()
        due, wait = [], IDLE_POLL_SECONDS
        for delivery in outbox.heads():
            if delivery.next_attempt_at <= now:
                due.append(delivery)
            else:
                wait = min(wait, (delivery.next_attempt_at - now).total_seconds())
        db.session.rollback()  # hold no snapshot while a receiver is slow
        for delivery in due:
            answer = sending.send(
                delivery.url,
                delivery.secret,
                delivery.event_id,
                delivery.body,
                self.clock(),
                self.settings.timeout,
            )
            with write_transaction():
                now = self.clock()
                if answer.delivered:
                    assert answer.status is not None
                    outbox.mark_delivered(delivery.id, answer.status, answer.detail, now)
                    continue
                give_up = timedelta(hours=self.settings.give_up_after_hours)
                state = outbox.mark_not_delivered(
                    delivery, answer.status, answer.detail, now, give_up
                )
            what = f"HTTP {answer.status}" if answer.status else "no answer"
            log.warning(
                "webhook %s to %s not delivered (%s: %s)%s",
                delivery.event_type,
                delivery.url,
                what,
                answer.detail,
                "; given up" if state is DeliveryState.FAILED else "",
            )
        return 0.0 if due else wait


def start(app: Flask) -> DeliveryWorker:
    worker = DeliveryWorker(app, app.config["POS_PLUGIN_CLOCK"])
    worker.start()
    return worker
