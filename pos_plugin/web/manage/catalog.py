"""/manage/catalog: the comp items, in the tablet's order; add, edit, move, retire, restore."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from pos_plugin.models import CatalogItem
from pos_plugin.services import catalog
from pos_plugin.services.catalog import ItemFields
from pos_plugin.services.store import get_store
from pos_plugin.web.manage.blueprint import attempt, back, bp, clock, manager, manager_page, page
from pos_plugin.web.manage.forms import ItemForm


def _fields(form: ItemForm) -> ItemFields:
    return ItemFields(
        name=form.name.data or "",
        value=form.value.money(),
        icon=form.icon.data or "",
        per_shift_limit=form.per_shift_limit.data,
        prints_note=bool(form.prints_note.data),
        suggested_notes=form.notes(),
    )


def _form_for(item: CatalogItem) -> ItemForm:
    return ItemForm(
        formdata=None,
        obj=item,
        suggested_notes="\n".join(item.suggested_notes or []),
    )


def _render(form: ItemForm | None = None, status: int = 200) -> ResponseReturnValue:
    items = catalog.list_items(manager())
    return page("catalog.html", items=items, form=form or ItemForm(formdata=None)), status


@bp.get("/catalog")
@manager_page
def catalog_page() -> ResponseReturnValue:
    return _render()


@bp.post("/catalog")
@manager_page
def add_item() -> ResponseReturnValue:
    form = ItemForm()
    if form.validate():
        fields = _fields(form)
        added = attempt(
            form,
            lambda: catalog.add_item(
                manager(),
                get_store(),
                name=fields.name,
                value=fields.value,
                icon=fields.icon,
                per_shift_limit=fields.per_shift_limit,
                prints_note=fields.prints_note,
                suggested_notes=fields.suggested_notes,
                now=clock(),
            ),
        )
        if added is not None:
            flash(_("Added %(name)s.", name=added.name), "ok")
            return redirect(url_for("manage.catalog_page"))
    return _render(form, 422)


@bp.route("/catalog/<int:item_id>", methods=["GET", "POST"])
@manager_page
def edit_item(item_id: int) -> ResponseReturnValue:
    item = catalog.get_item(manager(), item_id)
    if request.method == "GET":
        return page("item_edit.html", form=_form_for(item), item=item)
    form = ItemForm()
    if form.validate():
        fields = _fields(form)
        edited = attempt(
            form, lambda: catalog.edit_item(manager(), get_store(), item_id, fields, clock())
        )
        if edited is not None:
            flash(_("Saved %(name)s.", name=edited.name), "ok")
            return redirect(url_for("manage.catalog_page"))
    return page("item_edit.html", form=form, item=item), 422


@bp.post("/catalog/<int:item_id>/retire")
@manager_page
def retire_item(item_id: int) -> ResponseReturnValue:
    done = attempt(None, lambda: catalog.set_active(manager(), item_id, False, clock()))
    if done is not None:
        flash(_("%(name)s is retired: off the tablet, still in the history.", name=done.name), "ok")
    return back(url_for("manage.catalog_page"))


@bp.post("/catalog/<int:item_id>/restore")
@manager_page
def restore_item(item_id: int) -> ResponseReturnValue:
    done = attempt(None, lambda: catalog.set_active(manager(), item_id, True, clock()))
    if done is not None:
        flash(_("%(name)s is back on the tablet.", name=done.name), "ok")
    return back(url_for("manage.catalog_page"))


@bp.post("/catalog/<int:item_id>/up")
@manager_page
def move_up(item_id: int) -> ResponseReturnValue:
    attempt(None, lambda: catalog.move(manager(), item_id, -1, clock()))
    return back(url_for("manage.catalog_page"))


@bp.post("/catalog/<int:item_id>/down")
@manager_page
def move_down(item_id: int) -> ResponseReturnValue:
    attempt(None, lambda: catalog.move(manager(), item_id, 1, clock()))
    return back(url_for("manage.catalog_page"))
