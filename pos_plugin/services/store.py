"""The store row: reading it, and applying the config file's store, allowance and printer."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pos_plugin.database import db
from pos_plugin.models import CatalogItem, Comp, Store
from pos_plugin.services import audit
from pos_plugin.services.actors import Actor
from pos_plugin.services.errors import InvalidInput, NotFound
from pos_plugin.settings import Settings

_NOT_SET_UP = _l("This store is not set up yet: run `pos-plugin init`.")


def get_store() -> Store:
    store = db.session.scalars(select(Store).limit(1)).first()
    if store is None:
        raise NotFound(_NOT_SET_UP)
    return store


def apply_settings(settings: Settings, actor: Actor, now: datetime) -> Store:
    """Create or update the store row so it matches the configuration."""
    wanted = {
        "name": settings.store.name,
        "currency": settings.store.currency,
        "locale": settings.store.locale,
        "timezone": settings.store.timezone,
        "business_day_starts": settings.store.business_day_starts,
        "default_allowance_amount": settings.allowance.amount,
        "default_max_comps": settings.allowance.max_comps,
        "default_max_comps_per_staff": settings.allowance.max_comps_per_staff,
        # The receipt pass-through prints notes on the till's own receipts.
        "prints_notes": settings.printer.kind != "none" or settings.passthrough.enabled,
    }
    store = db.session.scalars(select(Store).limit(1)).first()
    if store is None:
        store = Store(id=settings.store.id, **wanted)
        db.session.add(store)
        audit.record(actor, "store.created", "store", store.id, now, **_jsonable(wanted))
        db.session.flush()
        return store
    if store.id != settings.store.id:
        raise InvalidInput(
            _l(
                "The database belongs to store '%(stored)s' but the configuration says "
                "'%(configured)s'; a store's id cannot change.",
                stored=store.id,
                configured=settings.store.id,
            ),
            field="store.id",
        )
    if settings.store.currency != store.currency and _money_recorded():
        raise InvalidInput(
            _l(
                "The store already has comps and catalog items in %(stored)s; "
                "its currency cannot change to %(configured)s.",
                stored=store.currency,
                configured=settings.store.currency,
            ),
            field="store.currency",
        )
    changed = {k: v for k, v in wanted.items() if getattr(store, k) != v}
    for key, value in changed.items():
        setattr(store, key, value)
    if changed:
        audit.record(actor, "store.updated", "store", store.id, now, **_jsonable(changed))
        db.session.flush()
    return store


def _money_recorded() -> bool:
    return (
        db.session.scalars(select(Comp.id).limit(1)).first() is not None
        or db.session.scalars(select(CatalogItem.id).limit(1)).first() is not None
    )


def _jsonable(values: dict[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}
