"""Printing inside the app: templates checked at start-up, the worker, the printer's state."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from pos_plugin.models import Store
from pos_plugin.printing import queue as print_queue
from pos_plugin.printing.receipt import Format, Receipts
from pos_plugin.printing.render import ProfileError
from pos_plugin.printing.template import TemplateError
from pos_plugin.printing.worker import PrinterState, PrintWorker
from pos_plugin.services import comps
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.errors import InvalidInput
from pos_plugin.settings import Settings, SettingsError

log = logging.getLogger(__name__)

RECEIPTS = "pos_plugin.receipts"
WORKER = "pos_plugin.print_worker"


def init_app(app: Flask, settings: Settings) -> None:
    """Check every receipt template, the printer profile, logo and font: a mistake stops
    start-up; a font that is not installed is a warning, and what it would draw prints "?"."""
    receipts = Receipts.for_home(settings.home, settings.printer)
    try:
        receipts.check()
    except (TemplateError, ProfileError) as error:
        raise SettingsError(f"receipt printing: {error}") from None
    if settings.printer.kind != "none":
        for problem in receipts.missing_fonts():
            log.warning("receipt printing: %s", problem)
    app.extensions[RECEIPTS] = receipts


def receipts() -> Receipts:
    found: Receipts = current_app.extensions[RECEIPTS]
    return found


def make_worker(
    app: Flask, clock: Callable[[], datetime] | None = None, hold: timedelta = timedelta(0)
) -> PrintWorker:
    """The app's print worker, not started; the printer state the API shows is its state.

    `hold`: how long a new note is left for the receipt pass-through to print.
    """
    found: Receipts = app.extensions[RECEIPTS]
    worker = PrintWorker(app, found, clock or app.config["POS_PLUGIN_CLOCK"], hold)
    app.extensions[WORKER] = worker
    return worker


def start_worker(app: Flask, hold: timedelta = timedelta(0)) -> PrintWorker | None:
    """Start printing queued notes, if a printer is configured (`pos-plugin serve` does this)."""
    if app.extensions[RECEIPTS].printer.kind == "none":
        return None
    worker = make_worker(app, hold=hold)
    worker.start()
    return worker


@dataclass(frozen=True)
class PrinterStatus:
    kind: str
    state: str
    detail: str
    waiting: int
    unconfirmed: int
    last_printed_at: datetime | None
    checked_at: datetime | None


def printer_status(actor: Actor) -> PrinterStatus:
    """The printer as staff should see it: its state, and how many notes wait."""
    actor.require(Permission.READ_CATALOG)
    kind = receipts().printer.kind
    worker: PrintWorker | None = current_app.extensions.get(WORKER)
    state = worker.state if worker is not None else PrinterState()
    if kind == "none":
        state = PrinterState("none", _l("no receipt printer is configured"))
    return PrinterStatus(
        kind=kind,
        state=state.state,
        detail=str(state.detail),
        waiting=print_queue.waiting_count(),
        unconfirmed=print_queue.unconfirmed_count(),
        last_printed_at=state.last_printed_at,
        checked_at=state.checked_at,
    )


def receipt(actor: Actor, store: Store, comp_id: uuid.UUID, fmt: Format) -> bytes:
    """A comp's friendly note for the till to embed in its own receipt."""
    comp = comps.get_comp(actor, comp_id)
    try:
        return receipts().render(store, comp, fmt)
    except (TemplateError, ProfileError) as error:
        raise InvalidInput(_l("The note cannot be drawn: %(error)s", error=str(error))) from None
