"""/manage: the store manager's console, one module per page, all on one blueprint.

Every view is a manager page (`blueprint.manager_page`), parses a form, calls one
service function and renders; the services hold every rule and check the
manager's permission again.
"""

from __future__ import annotations

from pos_plugin.web.manage import (  # each module adds its views to the blueprint
    allowances,
    audit,
    catalog,
    delight,
    devices,
    health,
    home,
    playbook,
    reports,
    staff,
    webhooks,
)
from pos_plugin.web.manage.blueprint import bp

__all__ = [
    "allowances",
    "audit",
    "bp",
    "catalog",
    "delight",
    "devices",
    "health",
    "home",
    "playbook",
    "reports",
    "staff",
    "webhooks",
]
