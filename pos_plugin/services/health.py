"""The store's health for its manager: the health checks, the receipt printer with the
notes it did not confirm, and the nightly sync's recent days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pos_plugin import checks
from pos_plugin.models import PrintJob, PrintJobStatus, SyncBatch
from pos_plugin.printing import app as printing
from pos_plugin.printing import queue as print_queue
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.settings import Settings
from pos_plugin.sync import batches

RECENT_BATCHES = 14
UNCONFIRMED_SHOWN = 50


@dataclass(frozen=True)
class Health:
    checks: list[checks.Check]
    printer: printing.PrinterStatus
    # Went to the printer whole without a confirmation: the manager looks and may reprint.
    unconfirmed: list[PrintJob]
    batches: list[SyncBatch]


def store_health(actor: Actor, settings: Settings, now: datetime) -> Health:
    """The checks `pos-plugin doctor` runs (SQLite's lighter quick_check), and the details."""
    actor.require(Permission.MANAGE)
    return Health(
        checks=checks.run(checks.CONSOLE, settings, now),
        printer=printing.printer_status(actor),
        unconfirmed=print_queue.list_jobs(
            actor, status=PrintJobStatus.UNCONFIRMED, limit=UNCONFIRMED_SHOWN
        ),
        batches=batches.recent(RECENT_BATCHES),
    )
