"""/manage: the console's home, Live today, and the fragment it refreshes itself with."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from pos_plugin.database import write_transaction
from pos_plugin.services import live
from pos_plugin.services.store import get_store
from pos_plugin.web.manage.blueprint import bp, clock, manager, manager_page, page

REFRESH_SECONDS = 15


def _today() -> live.Today:
    # Opening the running shift on first look writes, as the first tap would.
    with write_transaction():
        return live.today(manager(), get_store(), clock())


@bp.get("")
@manager_page
def home() -> ResponseReturnValue:
    return page("home.html", today=_today(), refresh=REFRESH_SECONDS)


@bp.get("/live")
@manager_page
def live_fragment() -> ResponseReturnValue:
    """The Live today panel alone: home.html's script swaps it in every few seconds."""
    return page("_live.html", today=_today())
