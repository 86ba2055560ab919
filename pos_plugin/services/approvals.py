"""A manager approves one comp over the allowance, with their PIN, on the barista's tablet.

The manager's PIN try counts towards their lockout like any sign-in, and is
recorded even when refused; the comp is recorded in the barista's name with the
manager as approver (`comps.record_comp(approver=...)`), and audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pos_plugin.models import Role, Store
from pos_plugin.services import comps, signin
from pos_plugin.services.actors import Actor
from pos_plugin.services.comps import CompRequest, TapResult
from pos_plugin.services.devices import Place
from pos_plugin.services.errors import DomainError


@dataclass(frozen=True)
class ApprovalOutcome:
    result: TapResult | None
    refusal: DomainError | None = None

    def accepted(self) -> TapResult:
        """The recorded comp, or the PIN's refusal raised (after the caller committed)."""
        if self.refusal is not None:
            raise self.refusal
        assert self.result is not None
        return self.result


def give_with_approval(
    actor: Actor,
    store: Store,
    request: CompRequest,
    *,
    manager_id: int,
    pin: str,
    place: Place,
    now: datetime,
    idempotency_key: str | None = None,
) -> ApprovalOutcome:
    """Check the manager's PIN from `place`; if right, give the comp past the caps."""
    outcome = signin.sign_in(
        store, staff_id=manager_id, place=place, now=now, pin=pin, roles=(Role.MANAGER,)
    )
    if outcome.refusal is not None:
        return ApprovalOutcome(None, outcome.refusal)
    approver = signin.actor_for(outcome.accepted())
    result = comps.record_comp(
        actor, store, request, now, idempotency_key=idempotency_key, approver=approver
    )
    return ApprovalOutcome(result)
