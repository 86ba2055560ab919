"""/api/v1/shifts/current: the running shift's allowance, and a manager's override."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from pos_plugin.api.errors import SIGNED_IN, WITH_BODY, documents
from pos_plugin.api.gate import caller
from pos_plugin.api.links import operation
from pos_plugin.api.schemas import ShiftOverrideSchema, ShiftSchema
from pos_plugin.caller import now
from pos_plugin.database import write_transaction
from pos_plugin.services import shifts
from pos_plugin.services.shifts import ShiftTally
from pos_plugin.services.store import get_store

blp = Blueprint(
    "shifts",
    __name__,
    url_prefix="/api/v1/shifts",
    description="The running shift and its allowance",
)


@blp.get("/current")
@blp.response(200, ShiftSchema)
@documents(blp, *SIGNED_IN)
@operation(blp, "getCurrentShift")
def current() -> ShiftTally:
    # Opening the shift on first use writes, so this read takes the write path.
    with write_transaction():
        return shifts.current_tally(caller(), get_store(), now())


@blp.patch("/current")
@blp.arguments(ShiftOverrideSchema())
@blp.response(200, ShiftSchema)
@documents(blp, *SIGNED_IN, *WITH_BODY)
@operation(blp, "overrideCurrentShift")
def override(body: dict[str, Any]) -> ShiftTally:
    with write_transaction():
        return shifts.override_current(
            caller(), get_store(), body["allowance"], body["max_comps"], now(), body["reason"]
        )
