"""/manage/health: the receipt printer's state and the nightly sync's recent file sets."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from pos_plugin.printing import app as printing
from pos_plugin.sync import batches
from pos_plugin.web.manage.blueprint import bp, manager, manager_page, page

RECENT_BATCHES = 14


@bp.get("/health")
@manager_page
def health_page() -> ResponseReturnValue:
    printer = printing.printer_status(manager())
    return page("health.html", printer=printer, batches=batches.recent(RECENT_BATCHES))
