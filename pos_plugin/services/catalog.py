"""The comp catalog: what a barista can give, what each is worth, and in which order.

A retired item leaves the tablet but never the database: comps given with it
keep pointing at it, and a manager can restore it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from pos_plugin.database import db
from pos_plugin.models import CatalogItem, Store
from pos_plugin.models.comps import NOTE_MAX
from pos_plugin.money import Money
from pos_plugin.services import audit
from pos_plugin.services.actors import Actor, Permission
from pos_plugin.services.amounts import check_amount
from pos_plugin.services.errors import InvalidInput, NotFound
from pos_plugin.services.text_input import required_text

NAME_MAX = 80
ICON_MAX = 16
NOTES_MAX = 6
ONE_EMOJI = _l("Use one emoji as the icon (such as 🍪 or ☕), not text or several emoji.")

# What makes a grapheme cluster an emoji (UTS #51): a pictograph (with any skin tone,
# variation selector or ZWJ sequence around it), a flag's two regional indicators, or
# a keycap. A digit or letter alone is not one, nor is a lone regional indicator.
_EMOJI = r"(?s).*\p{Extended_Pictographic}.*|\p{Regional_Indicator}{2}|.+\u20e3"


@dataclass(frozen=True)
class ItemFields:
    """What a manager sets on an item, whether adding or editing it."""

    name: str
    value: Money
    icon: str
    per_shift_limit: int | None = None
    prints_note: bool = True
    suggested_notes: list[str] = field(default_factory=list)


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
    prints_note: bool = True,
    suggested_notes: Sequence[str] = (),
    now: datetime,
) -> CatalogItem:
    actor.require(Permission.MANAGE)
    fields = _checked(
        store,
        ItemFields(name, value, icon, per_shift_limit, prints_note, list(suggested_notes)),
        editing=None,
    )
    position = db.session.scalar(select(func.coalesce(func.max(CatalogItem.position), 0))) or 0
    item = CatalogItem(active=True, position=position + 1)
    _apply(item, fields)
    db.session.add(item)
    db.session.flush()
    audit.record(
        actor,
        "catalog_item.created",
        "catalog_item",
        item.id,
        now,
        name=item.name,
        value=value.amount,
        per_shift_limit=per_shift_limit,
    )
    return item


def edit_item(
    actor: Actor, store: Store, item_id: int, fields: ItemFields, now: datetime
) -> CatalogItem:
    """Change an item; comps already given keep the value they were given at."""
    actor.require(Permission.MANAGE)
    item = _get(item_id)
    checked = _checked(store, fields, editing=item.id)
    before = _described(item)
    _apply(item, checked)
    audit.record_changes(
        actor, "catalog_item.updated", "catalog_item", item.id, now, before, _described(item)
    )
    db.session.flush()
    return item


def set_active(actor: Actor, item_id: int, active: bool, now: datetime) -> CatalogItem:
    """Retire an item (it leaves the tablet, its comps stay) or restore it."""
    actor.require(Permission.MANAGE)
    item = _get(item_id)
    if item.active != active:
        item.active = active
        action = "catalog_item.restored" if active else "catalog_item.retired"
        audit.record(actor, action, "catalog_item", item.id, now, name=item.name)
        db.session.flush()
    return item


def move(actor: Actor, item_id: int, steps: int, now: datetime) -> list[CatalogItem]:
    """Move an item up (negative steps) or down the list the tablet shows; returns the new order."""
    actor.require(Permission.MANAGE)
    items = list_items(actor)
    item = _get(item_id)
    index = items.index(item)
    target = min(max(index + steps, 0), len(items) - 1)
    if target != index:
        items.insert(target, items.pop(index))
        for position, each in enumerate(items, start=1):
            each.position = position
        audit.record(
            actor,
            "catalog_item.moved",
            "catalog_item",
            item.id,
            now,
            name=item.name,
            position=target + 1,
        )
        db.session.flush()
    return items


def get_item(actor: Actor, item_id: int) -> CatalogItem:
    actor.require(Permission.MANAGE)
    return _get(item_id)


def _get(item_id: int) -> CatalogItem:
    item = db.session.get(CatalogItem, item_id)
    if item is None:
        raise NotFound(_l("No catalog item %(id)s.", id=item_id))
    return item


def _checked(store: Store, fields: ItemFields, *, editing: int | None) -> ItemFields:
    name = required_text(fields.name, field="name", max_length=NAME_MAX, empty=_l("Name the item."))
    icon = _checked_icon(fields.icon)
    if fields.value.currency != store.currency:
        raise InvalidInput(
            _l("The store counts in %(currency)s.", currency=store.currency), field="value.currency"
        )
    check_amount(fields.value, store.locale, field="value.amount")
    if fields.per_shift_limit is not None and fields.per_shift_limit < 1:
        raise InvalidInput(_l("Use at least 1, or no limit."), field="per_shift_limit")
    same_name = select(CatalogItem.id).where(CatalogItem.name == name)
    if editing is not None:
        same_name = same_name.where(CatalogItem.id != editing)
    if db.session.scalars(same_name).first() is not None:
        raise InvalidInput(
            _l("There is already an item called '%(name)s'.", name=name), field="name"
        )
    return ItemFields(
        name=name,
        value=fields.value,
        icon=icon,
        per_shift_limit=fields.per_shift_limit,
        prints_note=fields.prints_note,
        suggested_notes=_checked_notes(fields.suggested_notes),
    )


def _checked_icon(text: str) -> str:
    """One emoji, as the tablet's tile has room for one; the same rule for every door."""
    import regex  # here, not at the top: only saving an item needs it, not every start

    icon = required_text(text, field="icon", max_length=None, empty=_l("Pick an icon."))
    one = len(regex.findall(r"\X", icon)) == 1 and regex.fullmatch(_EMOJI, icon) is not None
    if not one or len(icon) > ICON_MAX:
        raise InvalidInput(ONE_EMOJI, field="icon")
    return icon


def _checked_notes(notes: list[str]) -> list[str]:
    """Blank lines dropped, repeats kept once, each short enough to read on a tile."""
    kept: list[str] = []
    for note in notes:
        if not note.strip():
            continue
        cleaned = required_text(
            note, field="suggested_notes", max_length=NOTE_MAX, empty=_l("A note cannot be blank.")
        )
        if cleaned not in kept:
            kept.append(cleaned)
    if len(kept) > NOTES_MAX:
        raise InvalidInput(
            _l("Suggest at most %(max)s notes.", max=NOTES_MAX), field="suggested_notes"
        )
    return kept


def _apply(item: CatalogItem, fields: ItemFields) -> None:
    item.name = fields.name
    item.value_amount = fields.value.amount
    item.currency = fields.value.currency
    item.icon = fields.icon
    item.per_shift_limit = fields.per_shift_limit
    item.prints_note = fields.prints_note
    item.suggested_notes = list(fields.suggested_notes)


def _described(item: CatalogItem) -> dict[str, object]:
    return {
        "name": item.name,
        "value": item.value_amount,
        "icon": item.icon,
        "per_shift_limit": item.per_shift_limit,
        "prints_note": item.prints_note,
        "suggested_notes": list(item.suggested_notes or []),
    }
