"""The store's health for its manager: the receipt printer and the nightly sync's recent days."""

from __future__ import annotations

from dataclasses import dataclass

from pos_plugin.models import SyncBatch
from pos_plugin.printing import app as printing
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.sync import batches

RECENT_BATCHES = 14


@dataclass(frozen=True)
class Health:
    printer: printing.PrinterStatus
    batches: list[SyncBatch]


def store_health(actor: Actor) -> Health:
    actor.require(Permission.MANAGE)
    return Health(printer=printing.printer_status(actor), batches=batches.recent(RECENT_BATCHES))
