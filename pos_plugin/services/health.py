"""The store's health for its manager: the health checks, the receipt printer and the
nightly sync's recent days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pos_plugin import checks
from pos_plugin.models import SyncBatch
from pos_plugin.printing import app as printing
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.settings import Settings
from pos_plugin.sync import batches

RECENT_BATCHES = 14


@dataclass(frozen=True)
class Health:
    checks: list[checks.Check]
    printer: printing.PrinterStatus
    batches: list[SyncBatch]


def store_health(actor: Actor, settings: Settings, now: datetime) -> Health:
    """The checks `pos-plugin doctor` runs (SQLite's lighter quick_check), and the details."""
    actor.require(Permission.MANAGE)
    return Health(
        checks=checks.run(checks.CONSOLE, settings, now),
        printer=printing.printer_status(actor),
        batches=batches.recent(RECENT_BATCHES),
    )
