"""/manage/health: the health checks, the receipt printer's state and the nightly sync's
recent file sets."""

from __future__ import annotations

from flask import current_app
from flask.typing import ResponseReturnValue

from pos_plugin.services.health import store_health
from pos_plugin.web.manage.blueprint import bp, clock, manager, manager_page, page


@bp.get("/health")
@manager_page
def health_page() -> ResponseReturnValue:
    health = store_health(manager(), current_app.config["POS_PLUGIN_SETTINGS"], clock())
    return page("health.html", checks=health.checks, printer=health.printer, batches=health.batches)
