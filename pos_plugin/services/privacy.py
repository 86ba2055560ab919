"""Keeping what customers tell staff only as long as `[privacy] keep_customer_names_days`.

Erased (set to NULL) on comps created more than that many days ago, the text
staff type about a customer on a comp:

- `comp.customer_name`: who it was for;
- `comp.note`: the friendly note printed for them;
- `comp.reason`: the internal reason, which may say why this customer needed it.

Kept: the comp itself, its item, value, staff, shift, times and status, so the
shift tallies, reports and sync totals do not change; and, as staff's record
of their own work rather than what a customer told them, `comp.void_reason`
(also held in the append-only audit log, which nothing may rewrite) and
`shift.override_reason`.

Print jobs hold no text of their own: a note is rendered from its comp when
it prints, so erasing the comp's text erases what any job, queued or printed,
would print. Nothing else in the store's tables holds customer text.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update

from pos_plugin.database import db
from pos_plugin.models import Comp, Role, Store
from pos_plugin.services import audit
from pos_plugin.services.actors import Actor, Permission

# Who the audit log names for the nightly erasure.
RETENTION = Actor(role=Role.MANAGER, label="privacy retention")
ERASED = "personal_data.erased"
CUSTOMER_TEXT = (Comp.customer_name, Comp.note, Comp.reason)


def erase_expired_personal_data(actor: Actor, store: Store, keep_days: int, now: datetime) -> int:
    """Blank the customer text of comps created before `now - keep_days`; how many comps.

    Runs inside `write_transaction()`. One UPDATE does it in the database, reading
    no row into memory however many there are. A run that finds nothing to erase
    records nothing, so running it again (the scheduler does, every hour) is a no-op.
    """
    actor.require(Permission.MANAGE)
    cutoff = now - timedelta(days=keep_days)
    blank = (
        update(Comp)
        .where(Comp.created_at < cutoff, or_(*(column.is_not(None) for column in CUSTOMER_TEXT)))
        .values(dict.fromkeys(CUSTOMER_TEXT))
    )
    erased = int(db.session.execute(blank).rowcount or 0)  # type: ignore[attr-defined]
    if erased:
        audit.record(
            actor,
            ERASED,
            "store",
            store.id,
            now,
            comps=erased,
            created_before=cutoff.isoformat(),
            fields=[column.key for column in CUSTOMER_TEXT],
        )
    return erased
