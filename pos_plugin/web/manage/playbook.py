"""/manage/playbook: proposals to approve, edit or decline; the playbook; retiring."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from pos_plugin.models import Breakdown
from pos_plugin.services import catalog, playbook
from pos_plugin.services.actors import Actor
from pos_plugin.web.manage.blueprint import attempt, back, bp, clock, manager, manager_page, page
from pos_plugin.web.manage.forms import BreakdownForm, options


def _with_items(form: BreakdownForm) -> BreakdownForm:
    items = [i for i in catalog.list_items(manager()) if i.active]
    pairs = [(0, _("none")), *((i.id, f"{i.icon} {i.name}") for i in items)]
    form.suggested_item_id.choices = options(pairs)
    return form


def _render(form: BreakdownForm | None = None, status: int = 200) -> ResponseReturnValue:
    html = page(
        "playbook.html",
        breakdowns=playbook.review(manager()),
        form=_with_items(form or BreakdownForm(formdata=None)),
    )
    return html, status


@bp.get("/playbook")
@manager_page
def playbook_page() -> ResponseReturnValue:
    return _render()


@bp.post("/playbook")
@manager_page
def add_breakdown() -> ResponseReturnValue:
    """A manager's own breakdown goes straight into the playbook."""
    form = _with_items(BreakdownForm())
    if form.validate():

        def add() -> Breakdown:
            actor, now = manager(), clock()
            proposed = playbook.propose(
                actor,
                title=form.title.data or "",
                recovery=form.recovery.data or "",
                suggested_item_id=form.suggested_item_id.data or None,
                proposed_by_id=actor.staff_id,
                now=now,
            )
            return playbook.approve(actor, proposed.id, now)

        added = attempt(form, add)
        if added is not None:
            flash(_("“%(title)s” is in the playbook.", title=added.title), "ok")
            return redirect(url_for("manage.playbook_page"))
    return _render(form, 422)


@bp.route("/playbook/<int:breakdown_id>", methods=["GET", "POST"])
@manager_page
def edit_breakdown(breakdown_id: int) -> ResponseReturnValue:
    breakdown = playbook.get_breakdown(manager(), breakdown_id)
    if request.method == "GET":
        form = _with_items(BreakdownForm(formdata=None, obj=breakdown))
        form.suggested_item_id.data = breakdown.suggested_item_id or 0
        return page("breakdown_edit.html", form=form, breakdown=breakdown)
    form = _with_items(BreakdownForm())
    if form.validate():
        edited = attempt(
            form,
            lambda: playbook.edit(
                manager(),
                breakdown_id,
                title=form.title.data or "",
                recovery=form.recovery.data or "",
                suggested_item_id=form.suggested_item_id.data or None,
                now=clock(),
            ),
        )
        if edited is not None:
            flash(_("Saved “%(title)s”.", title=edited.title), "ok")
            return redirect(url_for("manage.playbook_page"))
    return page("breakdown_edit.html", form=form, breakdown=breakdown), 422


def _status_change(
    breakdown_id: int, change: Callable[[Actor, int, datetime], Breakdown], said: LazyString
) -> ResponseReturnValue:
    done = attempt(None, lambda: change(manager(), breakdown_id, clock()))
    if done is not None:
        flash(str(said) % {"title": done.title}, "ok")
    return back(url_for("manage.playbook_page"))


@bp.post("/playbook/<int:breakdown_id>/approve")
@manager_page
def approve_breakdown(breakdown_id: int) -> ResponseReturnValue:
    return _status_change(breakdown_id, playbook.approve, _l("“%(title)s” is in the playbook."))


@bp.post("/playbook/<int:breakdown_id>/decline")
@manager_page
def decline_breakdown(breakdown_id: int) -> ResponseReturnValue:
    return _status_change(breakdown_id, playbook.decline, _l("Declined “%(title)s”."))


@bp.post("/playbook/<int:breakdown_id>/retire")
@manager_page
def retire_breakdown(breakdown_id: int) -> ResponseReturnValue:
    return _status_change(breakdown_id, playbook.retire, _l("“%(title)s” left the playbook."))
