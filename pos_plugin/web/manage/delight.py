"""/manage/delight: the delight wall of friendly notes and names; a manager stars the best."""

from __future__ import annotations

import uuid

from flask import flash, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from pos_plugin.services import delight
from pos_plugin.web.manage.blueprint import attempt, back, bp, clock, manager, manager_page, page

WALL_PAGE = 24


@bp.get("/delight")
@manager_page
def delight_page() -> ResponseReturnValue:
    starred = request.args.get("starred") == "1"
    stories = delight.stories(
        manager(),
        clock(),
        starred_only=starred,
        offset=request.args.get("offset", 0, type=int),
        limit=WALL_PAGE,
    )
    return page("delight.html", stories=stories, starred=starred)


@bp.post("/delight/<uuid:comp_id>/star")
@manager_page
def star(comp_id: uuid.UUID) -> ResponseReturnValue:
    if attempt(None, lambda: delight.star(manager(), comp_id, clock())) is not None:
        flash(_("Starred: it goes to head office tonight."), "ok")
    return back(url_for("manage.delight_page"))


@bp.post("/delight/<uuid:comp_id>/unstar")
@manager_page
def unstar(comp_id: uuid.UUID) -> ResponseReturnValue:
    attempt(None, lambda: delight.unstar(manager(), comp_id, clock()))
    return back(url_for("manage.delight_page"))
