"""/manage/allowances: the week's shift templates, the running shift's override, its history."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from pos_plugin.database import write_transaction
from pos_plugin.services import schedule, shift_limits, shifts
from pos_plugin.services.limits import Limit
from pos_plugin.services.schedule import TemplateFields
from pos_plugin.services.shift_limits import LimitState
from pos_plugin.services.store import get_store
from pos_plugin.web.manage.blueprint import attempt, back, bp, clock, manager, manager_page, page
from pos_plugin.web.manage.forms import WEEKDAY_LABELS, OverrideForm, TemplateForm

HISTORY_PAGE = 10


def limit_name(state: LimitState) -> str:
    """A limit as the manager reads it, naming whom or what it blocks."""
    if state.limit is Limit.ALLOWANCE:
        return _("the shift's money")
    if state.limit is Limit.MAX_COMPS:
        return _("the shift's count of comps")
    if state.limit is Limit.MAX_COMPS_PER_STAFF:
        return _("each barista's own cap")
    return _("%(item)s's limit per shift", item=state.item)


def _still_blocking(limits: shift_limits.RunningLimits) -> str:
    return "; ".join(
        _("%(limit)s blocks %(whom)s", limit=limit_name(state), whom=", ".join(state.blocked))
        if state.blocked
        else limit_name(state)
        for state in limits.blocking
    )


def _fields(form: TemplateForm) -> TemplateFields:
    return TemplateFields(
        name=form.name.data or "",
        weekday=form.weekday.data,
        starts=form.starts.data,
        ends=form.ends.data,
        allowance=form.allowance.money(),
        max_comps=form.max_comps.data,
        max_comps_per_staff=form.max_comps_per_staff.data,
    )


def _render(
    add_form: TemplateForm | None = None,
    override_form: OverrideForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    actor = manager()
    store = get_store()
    # The running shift opens on first look, as it does on the first tap.
    with write_transaction():
        limits = shift_limits.running_limits(actor, store, clock())
    running = limits.tally
    history = shifts.override_history(
        actor, offset=request.args.get("offset", 0, type=int), limit=HISTORY_PAGE
    )
    if override_form is None:
        override_form = OverrideForm(
            formdata=None, allowance=running.shift.allowance, max_comps=running.shift.max_comps
        )
    html = page(
        "allowances.html",
        week=schedule.week(actor, store),
        running=running,
        limits=limits,
        limit_name=limit_name,
        history=history,
        add_form=add_form or TemplateForm(formdata=None),
        override_form=override_form,
    )
    return html, status


@bp.get("/allowances")
@manager_page
def allowances() -> ResponseReturnValue:
    return _render()


@bp.post("/allowances/templates")
@manager_page
def add_template() -> ResponseReturnValue:
    form = TemplateForm()
    if form.validate():
        fields = _fields(form)
        added = attempt(
            form,
            lambda: schedule.add_template(
                manager(),
                get_store(),
                name=fields.name,
                weekday=fields.weekday,
                starts=fields.starts,
                ends=fields.ends,
                allowance=fields.allowance,
                max_comps=fields.max_comps,
                max_comps_per_staff=fields.max_comps_per_staff,
                now=clock(),
            ),
        )
        if added is not None:
            flash(
                _("Added %(name)s on %(day)s.", name=added.name, day=WEEKDAY_LABELS[added.weekday]),
                "ok",
            )
            return redirect(url_for("manage.allowances"))
    return _render(add_form=form, status=422)


@bp.route("/allowances/templates/<int:template_id>", methods=["GET", "POST"])
@manager_page
def edit_template(template_id: int) -> ResponseReturnValue:
    template = schedule.get_template(manager(), template_id)
    if request.method == "GET":
        form = TemplateForm(obj=template, formdata=None)
        return page("template_edit.html", form=form, template=template)
    form = TemplateForm()
    if form.validate():
        fields = _fields(form)
        edited = attempt(
            form,
            lambda: schedule.edit_template(manager(), get_store(), template_id, fields, clock()),
        )
        if edited is not None:
            flash(_("Saved %(name)s.", name=edited.name), "ok")
            return redirect(url_for("manage.allowances"))
    return page("template_edit.html", form=form, template=template), 422


@bp.post("/allowances/templates/<int:template_id>/deactivate")
@manager_page
def deactivate_template(template_id: int) -> ResponseReturnValue:
    done = attempt(None, lambda: schedule.deactivate_template(manager(), template_id, clock()))
    if done is not None:
        flash(_("%(name)s is off the schedule.", name=done.name), "ok")
    return back(url_for("manage.allowances"))


@bp.post("/allowances/override")
@manager_page
def override() -> ResponseReturnValue:
    form = OverrideForm()
    if form.validate():
        done = attempt(
            form,
            lambda: shifts.override_current(
                manager(),
                get_store(),
                form.allowance.money(),
                form.max_comps.data,
                clock(),
                form.reason.data,
            ),
        )
        if done is not None:
            flash(
                _(
                    "The %(name)s shift's allowance is changed.",
                    name=shifts.shown_name(done.shift.name),
                ),
                "ok",
            )
            with write_transaction():
                after = shift_limits.running_limits(manager(), get_store(), clock())
            if after.blocking:
                flash(_("Still blocking: %(limits)s.", limits=_still_blocking(after)), "error")
            return redirect(url_for("manage.allowances"))
    return _render(override_form=form, status=422)
