"""/manage/devices: the shop's enrolled tablets, who is signed in where, and unlocking.

Enrolling makes the browser the manager is using a tablet of the shop: it gets
its token in a cookie (shown to nobody), and its sign-in tries count for it
alone. The rules live in `services.devices`, `services.sessions` and
`services.signin`.
"""

from __future__ import annotations

from flask import current_app, flash, make_response, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from pos_plugin.browser_security import cookies_secure
from pos_plugin.caller import TABLET_COOKIE, place
from pos_plugin.services import devices, sessions, signin
from pos_plugin.web.manage.blueprint import attempt, back, bp, clock, manager, manager_page, page
from pos_plugin.web.manage.forms import DeviceForm

# A tablet stays enrolled until a manager revokes it, not until a cookie runs out.
TABLET_COOKIE_MAX_AGE = 5 * 365 * 24 * 3600


def _render(form: DeviceForm | None = None, status: int = 200) -> ResponseReturnValue:
    actor = manager()
    here = place().device
    html = page(
        "devices.html",
        devices=devices.list_devices(actor),
        open_sessions=sessions.open_sessions(actor, clock()),
        this_device=here.id if here is not None else None,
        form=form or DeviceForm(formdata=None),
    )
    return html, status


@bp.get("/devices")
@manager_page
def devices_page() -> ResponseReturnValue:
    return _render()


@bp.post("/devices")
@manager_page
def enrol_device() -> ResponseReturnValue:
    form = DeviceForm()
    if form.validate():
        made = attempt(form, lambda: devices.enrol(manager(), form.name.data or "", clock()))
        if made is not None:
            device, token = made
            flash(_("This browser is now the shop tablet “%(name)s”.", name=device.name), "ok")
            response = make_response(redirect(url_for("manage.devices_page")))
            response.set_cookie(
                TABLET_COOKIE,
                token,
                max_age=TABLET_COOKIE_MAX_AGE,
                httponly=True,
                samesite="Strict",
                secure=cookies_secure(current_app),
            )
            return response
    return _render(form, status=422)


@bp.post("/devices/<int:device_id>/revoke")
@manager_page
def revoke_device(device_id: int) -> ResponseReturnValue:
    done = attempt(None, lambda: devices.revoke(manager(), device_id, clock()))
    if done is not None:
        flash(_("“%(name)s” is no longer a shop tablet; its sign-ins ended.", name=done.name), "ok")
    return back(url_for("manage.devices_page"))


@bp.post("/devices/<int:device_id>/unlock")
@manager_page
def unlock_device(device_id: int) -> ResponseReturnValue:
    done = attempt(None, lambda: devices.unlock(manager(), device_id, clock()))
    if done is not None:
        flash(_("“%(name)s” may be signed in on again.", name=done.name), "ok")
    return back(url_for("manage.devices_page"))


@bp.post("/staff/<int:staff_id>/unlock")
@manager_page
def unlock_staff(staff_id: int) -> ResponseReturnValue:
    done = attempt(None, lambda: signin.unlock_staff(manager(), staff_id, clock()))
    if done is not None:
        flash(_("%(name)s may sign in again.", name=done.name), "ok")
    return back(url_for("manage.staff_member", staff_id=staff_id))


@bp.post("/staff/<int:staff_id>/sessions/end")
@manager_page
def end_sessions(staff_id: int) -> ResponseReturnValue:
    ended = attempt(None, lambda: sessions.end_for(manager(), staff_id, clock()))
    if ended is not None:
        flash(_("Signed out everywhere (%(n)s sessions).", n=ended), "ok")
    return back(url_for("manage.staff_member", staff_id=staff_id))
