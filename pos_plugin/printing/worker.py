"""The print worker: one thread for the printer, sending queued notes in order.

`pos-plugin serve` starts it. On start it turns a note a crash left "sending"
into an unconfirmed one. Each round it asks the queue for the next job,
renders it (behind a "reprint" line when some of it may be on paper already),
sends it over a fresh connection, committing "sending" just before the first
byte, and records the outcome; the tap never waits for any of it. What the
worker last saw of the printer is kept in `PrinterState` for the tablet and
the manager pages.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import Flask
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from pos_plugin.database import db, write_transaction
from pos_plugin.models import PrintJob
from pos_plugin.printing import devices
from pos_plugin.printing import queue as print_queue
from pos_plugin.printing.receipt import Receipts
from pos_plugin.printing.render import ProfileError
from pos_plugin.printing.template import TemplateError
from pos_plugin.services.store import get_store

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 2.0


@dataclass(frozen=True)
class PrinterState:
    """What the staff see: "idle", "online", "offline", "paper_out", "unconfirmed" (the last
    note went out whole but was not confirmed) or "not_running"."""

    state: str = "not_running"
    detail: str | LazyString = ""  # lazy for the worker's own words, read in the store's language
    last_printed_at: datetime | None = None
    checked_at: datetime | None = None


class PrintWorker:
    def __init__(
        self,
        app: Flask,
        receipts: Receipts,
        clock: Callable[[], datetime],
        hold: timedelta = timedelta(0),
    ) -> None:
        self.app = app
        self.receipts = receipts
        self.clock = clock
        # A new note waits this long for the receipt pass-through to print it first.
        self.hold = hold
        self.state = PrinterState()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # While the first note in line waits out its backoff, nothing behind it can print:
        # a new tap need not cost a query until then.
        self._head_waits_until: datetime | None = None

    def start(self) -> None:
        with self.app.app_context():
            try:
                with write_transaction():
                    cut_off = print_queue.recover_after_stop()
            finally:
                db.session.remove()
        if cut_off:
            log.warning("%s note(s) were being sent when the service stopped: unconfirmed", cut_off)
        self.state = replace(self.state, state="idle", detail=_l("no note sent yet"))
        self._thread = threading.Thread(target=self._run, name="print-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        print_queue.job_queued.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.state = replace(self.state, state="not_running", detail="")

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.step()
            except Exception:  # a bug here must not stop printing for the rest of the day
                log.exception("print worker round failed")
                wait = IDLE_POLL_SECONDS
            if wait > 0:
                print_queue.job_queued.wait(wait)
                print_queue.job_queued.clear()

    def step(self) -> float:
        """Print at most one job; return how long to wait before the next round."""
        settings = self.receipts.printer
        if self._head_waits_until is not None:
            left = (self._head_waits_until - self.clock()).total_seconds()
            if left > 0:
                return left
            self._head_waits_until = None
        with self.app.app_context():
            try:
                job = print_queue.oldest_queued()
                if job is None:
                    return IDLE_POLL_SECONDS
                now = self.clock()
                cutoff = now - timedelta(minutes=settings.expire_after_minutes)
                if job.queued_at < cutoff:
                    with write_transaction():
                        print_queue.expire_older_than(cutoff)
                    return 0.0
                due = max(job.next_attempt_at, job.queued_at + self.hold)
                if due > now:
                    self._head_waits_until = due
                    return (due - now).total_seconds()
                job_id = job.id
                try:
                    payload = self._payload(job)
                    db.session.rollback()  # hold no snapshot while the printer is slow
                    devices.send(settings, payload, lambda: self._sending(job_id))
                except (devices.PrinterUnavailable, TemplateError, ProfileError) as error:
                    self._failed(job_id, error)
                    return 0.0
                except devices.Unconfirmed as error:
                    self._unconfirmed(job_id, error)
                    return 0.0
                with write_transaction():
                    now = self.clock()
                    print_queue.mark_printed(job_id, now)
                self.state = PrinterState("online", "", now, now)
                return 0.0
            finally:
                db.session.remove()

    def _payload(self, job: PrintJob) -> bytes:
        """The note's bytes; behind a "reprint" line if some of it went out before."""
        store = get_store()
        note = self.receipts.render(store, job.comp, "escpos")
        if job.sent_at is None:
            return note
        reprint = self.receipts.reprint_lines(store, job.comp)
        return self.receipts.render_lines(reprint, "escpos") + note

    def _sending(self, job_id: int) -> None:
        with write_transaction():
            print_queue.mark_sending(job_id, self.clock())

    def _unconfirmed(self, job_id: int, error: devices.Unconfirmed) -> None:
        now = self.clock()
        state = "paper_out" if isinstance(error, devices.PaperRanOut) else "unconfirmed"
        self.state = PrinterState(state, str(error), self.state.last_printed_at, now)
        log.warning("note %s went out but is unconfirmed: %s", job_id, error)
        with write_transaction():
            print_queue.mark_unconfirmed(job_id, str(error))

    def _failed(self, job_id: int, error: Exception) -> None:
        now = self.clock()
        state = "paper_out" if isinstance(error, devices.PaperOut) else "offline"
        self.state = PrinterState(state, str(error), self.state.last_printed_at, now)
        log.warning("note %s not printed yet: %s", job_id, error)
        with write_transaction():
            print_queue.mark_failed(
                job_id, str(error), now, self.receipts.printer.retry_max_seconds
            )
