"""The pass-through inside the app: `pos-plugin serve` starts it as `[passthrough]` says."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from pos_plugin.database import db
from pos_plugin.passthrough import notes
from pos_plugin.passthrough.proxy import Passthrough, Route
from pos_plugin.settings import Settings


def route(settings: Settings) -> Route:
    """Where the till prints, and the real printer: by default the [printer] network one."""
    passthrough = settings.passthrough
    return Route(
        listen_host=passthrough.listen_host,
        listen_port=passthrough.listen_port,
        printer_host=passthrough.printer_host or settings.printer.host,
        printer_port=passthrough.printer_port or settings.printer.port,
        connect_timeout=passthrough.connect_timeout,
        flush_after=passthrough.flush_after,
    )


def print_worker_hold(settings: Settings) -> timedelta:
    """How long the print worker leaves a new note for a receipt to take (none when off)."""
    if not settings.passthrough.enabled:
        return timedelta(0)
    return notes.hold(settings.passthrough.match_minutes)


def make(app: Flask) -> Passthrough:
    """The app's pass-through, not started; notes are claimed on the app's clock."""
    settings: Settings = app.config["POS_PLUGIN_SETTINGS"]
    clock = app.config["POS_PLUGIN_CLOCK"]
    match_minutes = settings.passthrough.match_minutes
    printer_of_its_own = settings.printer.kind != "none"

    def claim(receipt_text: bytes) -> notes.Claimed | None:
        with app.app_context():
            try:
                if not printer_of_its_own:
                    notes.expire_unclaimed(clock(), match_minutes)
                return notes.claim_note(receipt_text, clock(), match_minutes)
            finally:
                db.session.remove()

    return Passthrough(route(settings), claim)


def start(app: Flask) -> Passthrough | None:
    """Listen for the till, if `[passthrough]` is enabled; OSError if the port is taken."""
    settings: Settings = app.config["POS_PLUGIN_SETTINGS"]
    if not settings.passthrough.enabled:
        return None
    passthrough = make(app)
    passthrough.start()
    return passthrough
