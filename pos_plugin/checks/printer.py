"""The printer checks: can the receipt printer be reached, and are notes stuck in the queue.

`reachable` opens a connection (within `[printer] timeout`), for `doctor` and the
console; `last_known` only reads what the print worker last saw, for /readyz,
which a monitor polls and which must never wait on a printer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from pos_plugin.checks.result import Finding, check, fail, ok, warn
from pos_plugin.printing import app as printing
from pos_plugin.printing import devices
from pos_plugin.printing import queue as print_queue
from pos_plugin.services.actors import SYSTEM
from pos_plugin.settings import Settings

# A note is normally out within seconds; one waiting this long is stuck behind a problem.
STUCK_AFTER = timedelta(minutes=2)


@check("printer")
def reachable(settings: Settings, now: datetime) -> Finding:
    if settings.printer.kind == "none":
        return ok(_l("No receipt printer is set up."))
    where = devices.describe(settings.printer)
    try:
        probed = devices.probe(settings.printer)
    except devices.PrinterUnavailable as error:
        return fail(
            _l(
                "The receipt printer does not answer (%(error)s). Check it is switched on "
                "and on the shop network, then run `pos-plugin print-test`.",
                error=str(error),
            )
        )
    if not probed:
        return ok(
            _l(
                "The receipt printer is %(where)s, which only printing can check: "
                "`pos-plugin print-test` prints a test note.",
                where=where,
            )
        )
    return ok(_l("The receipt printer at %(where)s answers.", where=where))


@check("printer")
def last_known(settings: Settings, now: datetime) -> Finding:
    status = printing.printer_status(SYSTEM)
    where = devices.describe(settings.printer)
    if status.kind == "none":
        return ok(_l("No receipt printer is set up."))
    if status.state in ("offline", "paper_out"):
        return warn(
            _l(
                "The receipt printer at %(where)s did not print the last note (%(error)s). "
                "Taps still work and their notes wait in the queue. Check the printer, "
                "then run `pos-plugin print-test`.",
                where=where,
                error=status.detail,
            )
        )
    if status.state == "not_running":
        return warn(
            _l(
                "Notes for %(where)s are not being printed: no print worker runs here. "
                "`pos-plugin serve` runs one.",
                where=where,
            )
        )
    if status.last_printed_at is None:
        return ok(_l("The print worker for %(where)s is running; no note sent yet.", where=where))
    return ok(
        _l("The receipt printer at %(where)s printed the last note it was sent.", where=where)
    )


@check("print queue")
def queue(settings: Settings, now: datetime) -> Finding:
    oldest = print_queue.oldest_queued()
    unconfirmed = print_queue.unconfirmed_count()
    if oldest is None and unconfirmed:
        return warn(
            _l(
                "Notes the printer took but did not confirm: %(count)s. Look whether they "
                "are on paper; reprint those that are not from the console's Health page.",
                count=unconfirmed,
            )
        )
    if oldest is None:
        return ok(_l("No note is waiting to print."))
    waiting = print_queue.waiting_count()
    if now - oldest.queued_at < STUCK_AFTER:
        return ok(_l("Notes on their way to the printer: %(count)s.", count=waiting))
    since = oldest.queued_at.astimezone(ZoneInfo(settings.store.timezone)).strftime("%H:%M")
    return warn(
        _l(
            "Notes stuck in the print queue: %(count)s, the oldest since %(since)s "
            "(%(error)s). Check the printer and that `pos-plugin serve` is running; notes "
            "older than %(minutes)s minutes are dropped.",
            count=waiting,
            since=since,
            error=oldest.last_error or _l("not tried yet"),
            minutes=settings.printer.expire_after_minutes,
        )
    )
