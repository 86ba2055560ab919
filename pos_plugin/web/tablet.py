"""/tablet: the barista's page (the grid, the allowance meter, undo, approvals, breakdowns).

The page is rendered once with what it needs; taps, undos, proposals and the
meter's polling go through the JSON API with the browser session (CSRF
header). A manager's approval on the tablet has its own small endpoint here,
because it carries a PIN, which the API never takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel.numbers import get_currency_precision
from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

from pos_plugin.api.reasons import translated
from pos_plugin.api.schemas import CompCreateSchema, CompSchema, IdempotencyHeaderSchema
from pos_plugin.caller import now, place, session_actor, signed_in_staff
from pos_plugin.database import write_transaction
from pos_plugin.models import CatalogItem, Role
from pos_plugin.services import approvals, catalog, comps, playbook, shifts, signin
from pos_plugin.services.errors import InvalidInput, NotAuthenticated
from pos_plugin.services.store import get_store
from pos_plugin.web.session import signed_in

bp = Blueprint("tablet", __name__, url_prefix="/tablet")


@dataclass(frozen=True)
class Tile:
    item: CatalogItem
    shown_value: str


class ApprovalSchema(CompCreateSchema):
    """A comp over the allowance, with the approving manager's PIN typed on this tablet."""

    class Meta(CompCreateSchema.Meta):
        exclude = ("over_allowance",)

    manager_id = fields.Integer(
        strict=True, required=True, validate=validate.Range(min=1, max=2**31 - 1)
    )
    pin = fields.String(required=True, validate=validate.Regexp(r"^\d{4,8}$"))


@bp.get("")
@signed_in(Role.BARISTA, Role.MANAGER)
def index() -> ResponseReturnValue:
    actor = session_actor()
    assert actor is not None
    store = get_store()
    with write_transaction():  # the shift opens on first use
        tally = shifts.current_tally(actor, store, now())
    items = [item for item in catalog.list_items(actor) if item.active]
    tiles = [Tile(item, item.value.format(store.locale)) for item in items]
    breakdowns = playbook.list_breakdowns(actor)
    managers = signin.who_can_sign_in([Role.MANAGER])
    me = signed_in_staff()
    page_data: dict[str, Any] = {
        "staff_id": actor.staff_id,
        "locale": store.locale.replace("_", "-"),
        "currency": store.currency,
        "exponent": get_currency_precision(store.currency),
        "undo_seconds": int(comps.UNDO_WINDOW.total_seconds()),
        "items": [
            {
                "id": item.id,
                "name": item.name,
                "value": item.value.as_json(),
                "per_shift_limit": item.per_shift_limit,
                "suggested_notes": list(item.suggested_notes or []),
            }
            for item in items
        ],
        "breakdowns": [
            {"id": b.id, "title": b.title, "item_id": b.suggested_item_id} for b in breakdowns
        ],
    }
    return render_template(
        "tablet.html",
        me=me,
        tally=tally,
        tiles=tiles,
        breakdowns=breakdowns,
        managers=managers,
        page_data=page_data,
        shown=lambda money: money.format(store.locale),
    )


@bp.post("/approvals")
def approve() -> ResponseReturnValue:
    """One comp over the allowance, approved by a manager's PIN on this tablet (JSON)."""
    actor = session_actor()
    if actor is None:
        raise NotAuthenticated(_l("Sign in on the tablet first."))
    try:
        headers = IdempotencyHeaderSchema().load(dict(request.headers))
        body = ApprovalSchema().load(request.get_json(silent=True) or {})
    except ValidationError as error:
        name, reasons = next(iter(error.normalized_messages().items()))
        listed = reasons if isinstance(reasons, list) else [reasons]
        reason = " ".join(translated(str(said)) for said in listed)
        raise InvalidInput(
            _l("%(field)s: %(reason)s", field=name, reason=reason), field=str(name)
        ) from None
    manager_id, pin = body.pop("manager_id"), body.pop("pin")
    with write_transaction():
        outcome = approvals.give_with_approval(
            actor,
            get_store(),
            comps.CompRequest(**body),
            manager_id=manager_id,
            pin=pin,
            place=place(),
            now=now(),
            idempotency_key=headers["idempotency_key"],
        )
    result = outcome.accepted()
    return CompSchema().dump(result.comp), 201 if result.created else 200
