"""/tablet: the barista's page (the grid, the allowance meter, undo, approvals)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from pos_plugin.models import Role
from pos_plugin.web.session import signed_in

bp = Blueprint("tablet", __name__, url_prefix="/tablet")


@bp.get("")
@signed_in(Role.BARISTA, Role.MANAGER)
def index() -> ResponseReturnValue:
    return render_template("tablet.html")
