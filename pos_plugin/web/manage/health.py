"""/manage/health: the receipt printer's state and the nightly sync's recent file sets."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from pos_plugin.services.health import store_health
from pos_plugin.web.manage.blueprint import bp, manager, manager_page, page


@bp.get("/health")
@manager_page
def health_page() -> ResponseReturnValue:
    health = store_health(manager())
    return page("health.html", printer=health.printer, batches=health.batches)
