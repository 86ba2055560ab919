"""/signin, /signout and /switch: staff pick their tile and enter their PIN."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from pos_plugin import caller
from pos_plugin.browser_security import safe_next
from pos_plugin.caller import now
from pos_plugin.database import db, write_transaction
from pos_plugin.models import Role, Staff
from pos_plugin.problems import status_for
from pos_plugin.services import signin as signin_service
from pos_plugin.services.errors import DomainError
from pos_plugin.services.store import get_store
from pos_plugin.web import assets
from pos_plugin.web.forms import SignInForm

# The pages' shared blueprint: sign-in views, base templates and static files (/assets).
bp = Blueprint("web", __name__, template_folder="templates")
assets.register(bp)

ROLE_CHOICES = {"manager": (Role.MANAGER,), "barista": (Role.BARISTA,)}
ALL_STAFF = (Role.BARISTA, Role.MANAGER)


def home_for(role: Role) -> str:
    """Where a staff member lands after signing in when no page sent them."""
    return url_for("manage.home" if role is Role.MANAGER else "tablet.index")


def _roles(choice: str | None) -> tuple[Role, ...]:
    return ROLE_CHOICES.get(choice or "", ALL_STAFF)


@bp.get("/signin")
def signin() -> ResponseReturnValue:
    role = request.args.get("role") if request.args.get("role") in ROLE_CHOICES else None
    target = safe_next(request.args.get("next")) or ""
    form = SignInForm(formdata=None, next=target, role=role or "")
    chosen = request.args.get("staff", type=int)
    if chosen is None:
        tiles = signin_service.who_can_sign_in(_roles(role))
        return render_template("signin.html", form=form, tiles=tiles, role=role, next=target)
    staff = db.session.get(Staff, chosen)
    if staff is None or not staff.active or staff.role not in _roles(role):
        return redirect(url_for("web.signin", role=role, next=target or None))
    form.staff_id.data = staff.id
    return render_template("signin_pin.html", form=form, staff=staff, role=role)


@bp.post("/signin")
def signin_submit() -> ResponseReturnValue:
    form = SignInForm()
    role = form.role.data if form.role.data in ROLE_CHOICES else None
    chosen = form.staff_id.data
    staff = db.session.get(Staff, chosen) if isinstance(chosen, int) and chosen > 0 else None
    if staff is None:
        return redirect(url_for("web.signin", role=role))
    if not form.validate():
        return render_template("signin_pin.html", form=form, staff=staff, role=role), 422
    with write_transaction():
        outcome = signin_service.sign_in(
            get_store(),
            staff_id=staff.id,
            place=caller.place(),
            now=now(),
            pin=form.pin.data or None,
            password=form.password.data or None,
            roles=_roles(role),
        )
        if outcome.refusal is None:
            caller.start_session(outcome.accepted())
    if outcome.refusal is not None:
        return _refused(form, staff, role, outcome.refusal)
    return redirect(safe_next(form.next.data) or home_for(staff.role))


def _refused(
    form: SignInForm, staff: Staff, role: str | None, refusal: DomainError
) -> ResponseReturnValue:
    field = form.password if refusal.field == "password" else form.pin
    field.errors = [str(refusal.detail)]
    headers = {}
    if "retry_after" in refusal.extra:
        headers["Retry-After"] = str(refusal.extra["retry_after"])
    page = render_template(
        "signin_pin.html", form=form, staff=staff, role=role, locked="locked" in refusal.extra
    )
    return page, status_for(refusal), headers


@bp.post("/signout")
def signout() -> ResponseReturnValue:
    with write_transaction():
        caller.end_session()
    return redirect(url_for("web.signin"))


@bp.post("/switch")
def switch() -> ResponseReturnValue:
    """One tap hands the tablet over: sign out, and come back to the same page."""
    target = safe_next(request.form.get("next"))
    with write_transaction():
        caller.end_session()
    return redirect(url_for("web.signin", next=target))
