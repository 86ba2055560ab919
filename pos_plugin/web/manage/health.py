"""/manage/health: the health checks, the receipt printer's state and the notes it did not
confirm (each reprinted in one tap), and the nightly sync's recent file sets."""

from __future__ import annotations

from flask import current_app, flash, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from pos_plugin.printing import queue as print_queue
from pos_plugin.services.health import store_health
from pos_plugin.web.manage.blueprint import attempt, back, bp, clock, manager, manager_page, page


@bp.get("/health")
@manager_page
def health_page() -> ResponseReturnValue:
    health = store_health(manager(), current_app.config["POS_PLUGIN_SETTINGS"], clock())
    return page(
        "health.html",
        checks=health.checks,
        printer=health.printer,
        unconfirmed=health.unconfirmed,
        batches=health.batches,
    )


@bp.post("/health/print-jobs/<int:job_id>/reprint")
@manager_page
def reprint_note(job_id: int) -> ResponseReturnValue:
    done = attempt(None, lambda: print_queue.retry(manager(), job_id, clock()))
    if done is not None:
        flash(_("The note will print again, marked as a reprint."), "ok")
    return back(url_for("manage.health_page"))
