"""The comp catalog: what a barista can give and what each is worth."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select

from pos_plugin.database import db
from pos_plugin.models import CatalogItem, Store
from pos_plugin.models.comps import NOTE_MAX
from pos_plugin.money import Money
from pos_plugin.services import audit
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.errors import InvalidInput
from pos_plugin.services.text_input import required_text


def list_items(actor: Actor) -> list[CatalogItem]:
    actor.require(Permission.READ_CATALOG)
    return list(
        db.session.scalars(select(CatalogItem).order_by(CatalogItem.position, CatalogItem.id))
    )


def add_item(
    actor: Actor,
    store: Store,
    *,
    name: str,
    value: Money,
    icon: str,
    per_shift_limit: int | None = None,
    suggested_notes: Sequence[str] = (),
    now: datetime,
) -> CatalogItem:
    actor.require(Permission.MANAGE)
    name = required_text(name, field="name", max_length=80, empty="Give the item a name.")
    icon = required_text(icon, field="icon", max_length=16, empty="Pick an icon.")
    if value.currency != store.currency:
        raise InvalidInput(f"The store counts in {store.currency}.", field="value.currency")
    if value.amount < 0:
        raise InvalidInput("A value cannot be negative.", field="value.amount")
    if per_shift_limit is not None and per_shift_limit < 1:
        raise InvalidInput("Use at least 1, or no limit.", field="per_shift_limit")
    if db.session.scalars(select(CatalogItem.id).where(CatalogItem.name == name)).first():
        raise InvalidInput(f"There is already an item called {name!r}.", field="name")
    notes = _suggested_notes(suggested_notes)
    position = db.session.scalar(select(func.coalesce(func.max(CatalogItem.position), 0))) or 0
    item = CatalogItem(
        name=name,
        value_amount=value.amount,
        currency=value.currency,
        icon=icon,
        active=True,
        per_shift_limit=per_shift_limit,
        position=position + 1,
        suggested_notes=notes,
    )
    db.session.add(item)
    db.session.flush()
    audit.record(
        actor,
        "catalog_item.created",
        "catalog_item",
        item.id,
        now,
        name=name,
        value=value.amount,
        per_shift_limit=per_shift_limit,
    )
    return item


SUGGESTED_NOTES_MAX = 6


def _suggested_notes(notes: Sequence[str]) -> list[str]:
    """Each a note that could be printed as typed; a handful at most, so each is one tap."""
    if len(notes) > SUGGESTED_NOTES_MAX:
        raise InvalidInput(
            f"Offer at most {SUGGESTED_NOTES_MAX} suggested notes.", field="suggested_notes"
        )
    return [
        required_text(
            note, field="suggested_notes", max_length=NOTE_MAX, empty="A suggested note is empty."
        )
        for note in notes
    ]
