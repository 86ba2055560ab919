"""The ingest worker of `headoffice serve`: ingests uploaded sets outside any web request.

The receiver only stores a verified upload; a manifest that arrives wakes this
thread, which ingests each queued set through `ingest.ingest`, one at a time,
and leaves its outcome beside the store's inbox for the store to fetch. The
queue is the inbox itself, so a set received before a restart is ingested
after it. Every round also sweeps away what waited too long (`inbox.sweep`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine

from pos_plugin.headoffice import ingest, setfiles
from pos_plugin.headoffice.inbox import SetOutcome, record_outcome, sweep
from pos_plugin.settings import Settings

log = logging.getLogger(__name__)
WORKER = "pos_plugin.headoffice.worker"
# Look at the inbox this often even unwoken: sets left from before a restart, and the sweep.
POLL_SECONDS = 60.0


class IngestWorker:
    def __init__(self, settings: Settings, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.inbox = settings.in_home(settings.headoffice.inbox)
        self.quarantine = settings.in_home(settings.headoffice.quarantine)
        self.archive = settings.in_home(settings.headoffice.archive)
        self.engine = engine
        self.clock = clock
        # The head office's own folders, as a store must never read them in an answer.
        self._private = sorted(
            {
                (settings.home, "head office"),
                (self.inbox, "the inbox"),
                (self.quarantine, "quarantine"),
            },
            key=lambda pair: -len(str(pair[0])),
        )
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="headoffice-ingest", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.run_once()
            except Exception:  # a database away; the sets stay queued for the next round
                log.exception("The ingest worker failed; it tries again in %.0f s", POLL_SECONDS)
            self._wake.wait(POLL_SECONDS)

    def run_once(self) -> list[ingest.Outcome]:
        """One round: sweep each store's folder, then ingest every queued set, each store's
        oldest first, many to a transaction."""
        queued: list[Path] = []
        stores = self.inbox.iterdir() if self.inbox.is_dir() else iter(())
        for folder in sorted(p for p in stores if p.is_dir()):
            removed = sweep(folder, self.clock())
            if removed:
                log.info("Removed from %s, waiting over a day: %s", folder, ", ".join(removed))
            queued += setfiles.manifests_in([folder])
        outcomes: list[ingest.Outcome] = []
        for outcome in ingest.ingest_all(self.engine, queued, self.quarantine, self.clock):
            manifest = outcome.path
            # Recorded before the set leaves the inbox, so a store asking always finds one.
            told = SetOutcome(outcome.status, self.for_store(outcome.message))
            record_outcome(manifest.parent, manifest.name, told)
            if not outcome.refused:
                setfiles.archive_set(manifest, self.archive)
            log.info("%s: %s", manifest.name, outcome.message)
            outcomes.append(outcome)
            if self._stop.is_set():  # a set committed but not yet told is a replay next time
                break
        return outcomes

    def for_store(self, message: str) -> str:
        """`message` without head office's own paths: a store learns the reason, not the disk."""
        for path, name in self._private:
            for form in {str(path.resolve()), str(path)}:
                message = message.replace(form, name)
        return message


def start_worker(app: Flask, settings: Settings, engine: Engine) -> IngestWorker:
    """Start the worker for `app`'s receiver, which wakes it when a manifest arrives."""
    worker = IngestWorker(settings, engine, app.config["POS_PLUGIN_CLOCK"])
    app.extensions[WORKER] = worker
    worker.start()
    return worker
