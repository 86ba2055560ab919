"""/api/v1/breakdowns: the store's playbook of known breakdowns, and proposing a new one."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from pos_plugin.api.errors import SIGNED_IN, WITH_BODY, documents
from pos_plugin.api.gate import caller
from pos_plugin.api.links import link, operation
from pos_plugin.api.schemas import BreakdownListQuerySchema, BreakdownProposeSchema, BreakdownSchema
from pos_plugin.caller import now
from pos_plugin.database import write_transaction
from pos_plugin.models import Breakdown
from pos_plugin.services import playbook

blp = Blueprint(
    "breakdowns",
    __name__,
    url_prefix="/api/v1/breakdowns",
    description="The breakdown playbook: what goes wrong and the comp that makes up for it",
)


@blp.get("")
@blp.arguments(BreakdownListQuerySchema(), location="query")
@blp.response(200, BreakdownSchema(many=True))
@documents(blp, *SIGNED_IN, *WITH_BODY)
@operation(
    blp,
    "listBreakdowns",
    {
        200: {
            "MakeUpForTheFirst": link(
                "createComp",
                "give the first breakdown's suggested comp for it",
                body={
                    "breakdown_id": "$response.body#/0/id",
                    "item_id": "$response.body#/0/suggested_item_id",
                },
            )
        }
    },
)
def list_(query: dict[str, Any]) -> list[Breakdown]:
    return playbook.list_breakdowns(caller(), query["status"])


@blp.post("")
@blp.arguments(BreakdownProposeSchema())
@blp.response(201, BreakdownSchema, description="proposed: it waits for a manager's approval")
@documents(blp, *SIGNED_IN, *WITH_BODY)
@operation(blp, "proposeBreakdown")
def propose(body: dict[str, Any]) -> Breakdown:
    actor = caller()
    with write_transaction():
        return playbook.propose(actor, proposed_by_id=actor.staff_id, now=now(), **body)
