"""/api/v1/comps: tap a comp, undo it, list them."""

from __future__ import annotations

import uuid
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from flask import request
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from pos_plugin.api.errors import (
    PROBLEM_MIMETYPE,
    SIGNED_IN,
    WITH_BODY,
    AllowanceExceededSchema,
    CompRefusedSchema,
    documents,
)
from pos_plugin.api.gate import caller
from pos_plugin.api.links import FIRST, operation, to_comp
from pos_plugin.api.schemas import (
    CompCreateSchema,
    CompListQuerySchema,
    CompSchema,
    IdempotencyHeaderSchema,
    VoidSchema,
)
from pos_plugin.caller import now
from pos_plugin.database import write_transaction
from pos_plugin.models import Comp
from pos_plugin.services import comps
from pos_plugin.services.actors import Permission
from pos_plugin.services.errors import PermissionDenied
from pos_plugin.services.store import get_store

LINK_HEADER = {
    "Link": {
        "description": 'with `limit`, when more comps follow: `<URL>; rel="next"`',
        "schema": {"type": "string"},
    }
}

blp = Blueprint("comps", __name__, url_prefix="/api/v1/comps", description="Comps on the house")


@blp.post("")
@blp.arguments(IdempotencyHeaderSchema(), location="headers")
@blp.arguments(CompCreateSchema())
@blp.response(201, CompSchema)
@blp.alt_response(
    409,
    schema=AllowanceExceededSchema,
    content_type=PROBLEM_MIMETYPE,
    description="over one of the shift's limits (named in `limit`): nothing recorded",
)
@blp.alt_response(
    422,
    schema=CompRefusedSchema,
    content_type=PROBLEM_MIMETYPE,
    description="bad input, or an item off the catalog (`limit`: item_retired)",
)
@blp.alt_response(200, schema=CompSchema, description="replay of an earlier Idempotency-Key")
@documents(blp, *SIGNED_IN, *(s for s in WITH_BODY if s is not HTTPStatus.UNPROCESSABLE_ENTITY))
@operation(blp, "createComp", {201: to_comp(), 200: to_comp()})
def create(headers: dict[str, Any], body: dict[str, Any]) -> tuple[Comp, int, dict[str, str]]:
    over_allowance = body.pop("over_allowance")
    actor = caller()
    with write_transaction():
        if over_allowance and not actor.can(Permission.MANAGE):
            raise PermissionDenied(
                _l("Only a manager may give a comp over the allowance; ask a manager."),
                field="over_allowance",
            )
        result = comps.record_comp(
            actor,
            get_store(),
            comps.CompRequest(**body),
            now(),
            headers["idempotency_key"],
            approver=actor if over_allowance else None,
        )
    if result.created:
        return result.comp, 201, {"Location": f"/api/v1/comps/{result.comp.id}"}
    return result.comp, 200, {"Idempotent-Replayed": "true"}


@blp.get("")
@blp.arguments(CompListQuerySchema(), location="query")
@blp.response(200, CompSchema(many=True), headers=LINK_HEADER)
@documents(blp, *SIGNED_IN, HTTPStatus.UNPROCESSABLE_ENTITY)
@operation(blp, "listComps", {200: to_comp(FIRST)})
def list_(query: dict[str, Any]) -> tuple[list[Comp], int, dict[str, str]]:
    page = comps.comps_page(caller(), get_store(), now(), **query)
    headers = {}
    if page.next_cursor is not None:
        args = {**request.args.to_dict(), "cursor": page.next_cursor}
        headers["Link"] = f'<{request.base_url}?{urlencode(args)}>; rel="next"'
    return page.comps, 200, headers


@blp.get("/<uuid:comp_id>")
@blp.response(200, CompSchema)
@documents(blp, *SIGNED_IN, HTTPStatus.NOT_FOUND)
@operation(blp, "getComp", {200: to_comp()})
def show(comp_id: uuid.UUID) -> Comp:
    return comps.get_comp(caller(), comp_id)


@blp.post("/<uuid:comp_id>/void")
@blp.arguments(VoidSchema())
@blp.response(200, CompSchema)
@documents(blp, *SIGNED_IN, *WITH_BODY, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT)
@operation(blp, "voidComp", {200: to_comp()})
def void(body: dict[str, Any], comp_id: uuid.UUID) -> Comp:
    with write_transaction():
        return comps.void_comp(caller(), comp_id, body["reason"], now())
