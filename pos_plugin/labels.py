"""The words a person reads for the store's stored codes: roles, statuses, audit actions.

The database keeps the codes ("barista", "proposed", "comp.voided"); pages, CSV
headers and messages show these lazy labels, read in the store's language.
A code with no label (a newer action, say) is shown as it is stored.
"""

from __future__ import annotations

import re
from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

LABELS: dict[str, LazyString] = {
    # roles
    "barista": _l("barista"),
    "manager": _l("manager"),
    "till": _l("till"),
    # comps
    "active": _l("active"),
    "voided": _l("voided"),
    # playbook breakdowns
    "proposed": _l("proposed"),
    "approved": _l("approved"),
    "retired": _l("retired"),
    "declined": _l("declined"),
    # print jobs
    "queued": _l("queued"),
    "sending": _l("sending"),
    "printed": _l("printed"),
    "unconfirmed": _l("unconfirmed"),
    "expired": _l("expired"),
    "cancelled": _l("cancelled"),
    # sync batches and webhook deliveries
    "exported": _l("exported"),
    "delivered": _l("delivered"),
    "acknowledged": _l("acknowledged"),
    "failed": _l("failed"),
    "superseded": _l("superseded"),
    "pending": _l("pending"),
}

ACTIONS: dict[str, LazyString] = {
    "breakdown.approved": _l("breakdown approved"),
    "breakdown.declined": _l("breakdown declined"),
    "breakdown.proposed": _l("breakdown proposed"),
    "breakdown.retired": _l("breakdown retired"),
    "breakdown.updated": _l("breakdown edited"),
    "catalog_item.created": _l("item added"),
    "catalog_item.moved": _l("item moved"),
    "catalog_item.restored": _l("item restored"),
    "catalog_item.retired": _l("item retired"),
    "catalog_item.updated": _l("item edited"),
    "comp.approved_over_allowance": _l("comp given over the allowance"),
    "comp.created": _l("comp given"),
    "comp.starred": _l("story starred"),
    "comp.unstarred": _l("story unstarred"),
    "comp.voided": _l("comp voided"),
    "device.enrolled": _l("tablet enrolled"),
    "device.revoked": _l("tablet revoked"),
    "device.unlocked": _l("tablet unlocked"),
    "print_job.retried": _l("note printed again"),
    "shift.closed": _l("shift closed"),
    "shift.overridden": _l("shift allowance changed"),
    "shift_template.created": _l("shift added to the schedule"),
    "shift_template.deactivated": _l("shift removed from the schedule"),
    "shift_template.updated": _l("scheduled shift edited"),
    "staff.created": _l("staff member added"),
    "staff.deactivated": _l("staff member deactivated"),
    "staff.password_removed": _l("password removed"),
    "staff.password_set": _l("password set"),
    "staff.pin_reset": _l("PIN reset"),
    "staff.reactivated": _l("staff member reactivated"),
    "staff.sessions_ended": _l("signed out everywhere"),
    "staff.sign_in_locked": _l("sign-in locked"),
    "staff.signed_in": _l("signed in"),
    "staff.unlocked": _l("sign-in unlocked"),
    "store.created": _l("store set up"),
    "store.updated": _l("store settings changed"),
    "sync.failed": _l("sync failed"),
    "token.created": _l("API token created"),
    "token.revoked": _l("API token revoked"),
    "webhook.added": _l("webhook added"),
    "webhook.removed": _l("webhook removed"),
}

ENTITIES: dict[str, LazyString] = {
    "api_token": _l("API token"),
    "breakdown": _l("breakdown"),
    "catalog_item": _l("item"),
    "comp": _l("comp"),
    "device": _l("tablet"),
    "print_job": _l("print job"),
    "shift": _l("shift"),
    "shift_template": _l("scheduled shift"),
    "staff": _l("staff member"),
    "store": _l("store"),
    "sync_batch": _l("sync"),
    "webhook_endpoint": _l("webhook"),
}


def label(code: str | StrEnum) -> LazyString | str:
    """The label of a role or status code, or the code itself when it has none."""
    return LABELS.get(str(code), str(code))


# Who did something, as the audit log and the records store it (`Actor.label`).
_PERSON = re.compile(r"""(barista|manager|till) (?:'(.*)'|"(.*)")""", re.S)
_TOKEN = re.compile(r"""(barista|manager|till) token (?:'(.*)'|"(.*)")""", re.S)
ACTORS: dict[str, LazyString] = {
    "system": _l("system"),
    "nightly sync": _l("nightly sync"),
    "privacy retention": _l("privacy retention"),
    "pos-plugin CLI": _l("pos-plugin on the command line"),
}


def actor_name(stored: str | None) -> LazyString | str:
    """Who did something, in the store's language: "barista 'Ana'" reads "Ana (Barista)"."""
    if not stored:
        return ""
    token = _TOKEN.fullmatch(stored)
    if token is not None:
        return _l("%(role)s token “%(name)s”", role=label(token[1]), name=token[2] or token[3])
    person = _PERSON.fullmatch(stored)
    if person is not None:
        return _l("%(name)s (%(role)s)", name=person[2] or person[3], role=label(person[1]))
    return ACTORS.get(stored, stored)


def action_name(action: str) -> LazyString | str:
    return ACTIONS.get(action, action)


def entity_name(entity: str) -> LazyString | str:
    return ENTITIES.get(entity, entity)
