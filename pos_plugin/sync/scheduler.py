"""The nightly sync inside `pos-plugin serve`: a thread that runs the sync at the right times.

It runs once on start (catching up days missed while the service was off),
then every day at `[sync] at` store time, and whenever a set backing off
after a failed delivery is due again. Each run exports what is pending,
delivers what is due and purges what has expired (`jobs.run_once`); then,
come what may of that, erases customer text past its keep period (`services.privacy`)
and takes the nightly backup when none was taken since the last `[sync] at`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Flask

from pos_plugin import backups
from pos_plugin.database import db, write_transaction
from pos_plugin.services import privacy
from pos_plugin.services.business_day import local_to_utc
from pos_plugin.services.store import get_store
from pos_plugin.settings import Settings
from pos_plugin.sync import batches, jobs, transports
from pos_plugin.sync.jobs import RunReport

log = logging.getLogger(__name__)

# Look again at least this often, so a clock change or a new config is noticed.
LONGEST_SLEEP = timedelta(hours=1)
AFTER_A_CRASH = timedelta(minutes=5)


def next_daily_run(now: datetime, zone: ZoneInfo, at: time) -> datetime:
    """The next `at` in the store's zone after `now` (a time skipped by DST runs an hour late)."""
    today: date = now.astimezone(zone).date()
    candidate = local_to_utc(today, at, zone)
    if candidate <= now:
        candidate = local_to_utc(today + timedelta(days=1), at, zone)
    return candidate


class SyncScheduler:
    def __init__(
        self,
        app: Flask,
        clock: Callable[[], datetime],
        make_transport: Callable[[Settings], transports.Transport] = transports.make,
    ) -> None:
        self.app = app
        self.clock = clock
        self.make_transport = make_transport
        self.last_report: RunReport | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sync-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.step()
            except Exception:  # a bug here must not end the nightly sync for good
                log.exception("sync run failed")
                wait = AFTER_A_CRASH
            self._stop.wait(max(1.0, wait.total_seconds()))

    def step(self) -> timedelta:
        """One sync run; returns how long to sleep before the next."""
        settings: Settings = self.app.config["POS_PLUGIN_SETTINGS"]
        with self.app.app_context():
            transport = self.make_transport(settings)
            try:
                report = jobs.run_once(settings, transport, self.clock)
                now = self.clock()
                zone = get_store().zone
                wake = [
                    next_daily_run(now, zone, settings.sync.at),
                    now + LONGEST_SLEEP,
                ]
                retry = batches.next_attempt(now)
                if retry is not None:
                    wake.append(retry)
            finally:
                transport.close()
                db.session.remove()
                self._erase_personal_data(settings)
                self._back_up(settings)
        self.last_report = report
        for delivery in report.failures:
            log.warning("sync: %s not delivered: %s", delivery.batch.manifest_name, delivery.detail)
        return min(wake) - now

    def _erase_personal_data(self, settings: Settings) -> None:
        """In a session of its own: a failure of the sync or of this leaves the other done."""
        try:
            with write_transaction():
                privacy.erase_expired_personal_data(
                    privacy.RETENTION,
                    get_store(),
                    settings.privacy.keep_customer_names_days,
                    self.clock(),
                )
        except Exception:  # logged, and tried again at the next run
            log.exception("erasing expired customer names and notes failed")

    def _back_up(self, settings: Settings) -> None:
        """After the erasure, so tonight's backup holds no text past its keep period."""
        try:
            now = self.clock()
            if not backups.due(settings, now, get_store().zone):
                return
            taken = backups.take(settings, now)
            removed = backups.prune(settings, now)
        except backups.BackupError as exc:  # tried again at the next run; `doctor` shows its age
            log.error("the nightly backup failed: %s", exc)
            return
        except Exception:
            log.exception("the nightly backup failed")
            return
        finally:
            db.session.remove()
        log.info(
            "nightly backup: %s (%d bytes); %d old removed", taken.path, taken.size, len(removed)
        )


def start(app: Flask) -> SyncScheduler:
    scheduler = SyncScheduler(app, app.config["POS_PLUGIN_CLOCK"])
    scheduler.start()
    return scheduler
