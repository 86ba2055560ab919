"""/manage/staff: baristas and managers (PINs, passwords, leaving) and the API tokens."""

from __future__ import annotations

from flask import current_app, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from pos_plugin.models import Role
from pos_plugin.services import sessions, staff, tokens
from pos_plugin.web.manage.blueprint import attempt, back, bp, clock, manager, manager_page, page
from pos_plugin.web.manage.forms import PasswordForm, PinForm, StaffForm, TokenForm, options


def _manager_pin_digits() -> int:
    """[security] manager_pin_digits: the service holds managers' PINs to it."""
    digits: int = current_app.config["POS_PLUGIN_SETTINGS"].security.manager_pin_digits
    return digits


def _token_form(form: TokenForm | None = None) -> TokenForm:
    form = form or TokenForm(formdata=None)
    active = [m for m in staff.list_staff() if m.active]
    form.staff.choices = options(
        [(0, _("nobody (a shared till)")), *((m.id, m.name) for m in active)]
    )
    return form


def _render(
    staff_form: StaffForm | None = None,
    token_form: TokenForm | None = None,
    new_secret: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    actor = manager()
    html = page(
        "staff.html",
        members=staff.list_staff(),
        tokens=tokens.list_tokens(actor),
        staff_form=staff_form or StaffForm(formdata=None),
        token_form=_token_form(token_form),
        new_secret=new_secret,
        manager_pin_digits=_manager_pin_digits(),
    )
    return html, status


@bp.get("/staff")
@manager_page
def staff_page() -> ResponseReturnValue:
    return _render()


@bp.post("/staff")
@manager_page
def add_staff() -> ResponseReturnValue:
    form = StaffForm()
    if form.validate():
        added = attempt(
            form,
            lambda: staff.add_staff(
                manager(),
                name=form.name.data or "",
                role=Role(form.role.data),
                pin=form.pin.data or "",
                password=form.password.data or None,
                now=clock(),
                manager_pin_digits=_manager_pin_digits(),
            ),
        )
        if added is not None:
            flash(_("Added %(name)s; they sign in with their PIN.", name=added.name), "ok")
            return redirect(url_for("manage.staff_page"))
    return _render(staff_form=form, status=422)


def _member_page(
    staff_id: int, pin_form: PinForm | None = None, password_form: PasswordForm | None = None
) -> str:
    actor = manager()
    return page(
        "staff_member.html",
        member=staff.get_staff(actor, staff_id),
        member_sessions=sessions.open_sessions(actor, clock(), staff_id=staff_id),
        pin_form=pin_form or PinForm(formdata=None),
        password_form=password_form or PasswordForm(formdata=None),
        manager_pin_digits=_manager_pin_digits(),
    )


@bp.get("/staff/<int:staff_id>")
@manager_page
def staff_member(staff_id: int) -> ResponseReturnValue:
    return _member_page(staff_id)


@bp.post("/staff/<int:staff_id>/pin")
@manager_page
def reset_pin(staff_id: int) -> ResponseReturnValue:
    member = staff.get_staff(manager(), staff_id)
    form = PinForm()
    digits = _manager_pin_digits()
    if form.validate() and attempt(
        form,
        lambda: staff.reset_pin(
            manager(), staff_id, form.pin.data or "", clock(), manager_pin_digits=digits
        ),
    ):
        flash(_("%(name)s's PIN is changed.", name=member.name), "ok")
        return redirect(url_for("manage.staff_page"))
    return _member_page(staff_id, pin_form=form), 422


@bp.post("/staff/<int:staff_id>/password")
@manager_page
def set_password(staff_id: int) -> ResponseReturnValue:
    member = staff.get_staff(manager(), staff_id)
    form = PasswordForm()
    if form.validate() and attempt(
        form,
        lambda: staff.set_password(manager(), staff_id, form.password.data or None, clock()),
    ):
        flash(_("%(name)s's console password is changed.", name=member.name), "ok")
        return redirect(url_for("manage.staff_page"))
    return _member_page(staff_id, password_form=form), 422


@bp.post("/staff/<int:staff_id>/deactivate")
@manager_page
def deactivate_staff(staff_id: int) -> ResponseReturnValue:
    done = attempt(None, lambda: staff.set_active(manager(), staff_id, False, clock()))
    if done is not None:
        flash(_("%(name)s can no longer sign in; their tokens are revoked.", name=done.name), "ok")
    return back(url_for("manage.staff_page"))


@bp.post("/staff/<int:staff_id>/reactivate")
@manager_page
def reactivate_staff(staff_id: int) -> ResponseReturnValue:
    done = attempt(None, lambda: staff.set_active(manager(), staff_id, True, clock()))
    if done is not None:
        flash(_("%(name)s can sign in again.", name=done.name), "ok")
    return back(url_for("manage.staff_page"))


@bp.post("/tokens")
@manager_page
def create_token() -> ResponseReturnValue:
    form = _token_form(TokenForm())
    if form.validate():
        made = attempt(
            form,
            lambda: tokens.create_token(
                manager(),
                role=Role(form.role.data),
                name=form.name.data or "",
                staff_id=form.staff.data or None,
                now=clock(),
            ),
        )
        if made is not None:
            # Shown once, on this answer only: it is stored as a hash.
            return _render(new_secret=made[1])
    return _render(token_form=form, status=422)


@bp.post("/tokens/<int:token_id>/revoke")
@manager_page
def revoke_token(token_id: int) -> ResponseReturnValue:
    done = attempt(None, lambda: tokens.revoke_token(manager(), token_id, clock()))
    if done is not None:
        flash(_("The token “%(name)s” no longer opens the API.", name=done.name), "ok")
    return back(url_for("manage.staff_page"))
