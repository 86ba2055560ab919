"""Who is acting (a token, a signed-in person, or the system) and what their role may do."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from pos_plugin.labels import label
from pos_plugin.models import Role
from pos_plugin.services.errors import PermissionDenied


class Permission(enum.Enum):
    TAP = "give comps"
    READ_CATALOG = "read the catalog and the current shift"
    READ_COMPS = "read comps"
    VOID_OWN_RECENT = "undo their own recent comps"
    MANAGE = "manage the store"


# One whole sentence per permission, so each language can word it its own way.
_REFUSED: dict[Permission, Callable[[LazyString | str], LazyString]] = {
    Permission.TAP: lambda role: _l("The role %(role)s may not give comps.", role=role),
    Permission.READ_CATALOG: lambda role: _l(
        "The role %(role)s may not read the catalog and the current shift.", role=role
    ),
    Permission.READ_COMPS: lambda role: _l("The role %(role)s may not read comps.", role=role),
    Permission.VOID_OWN_RECENT: lambda role: _l(
        "The role %(role)s may not undo their own recent comps.", role=role
    ),
    Permission.MANAGE: lambda role: _l("The role %(role)s may not manage the store.", role=role),
}

_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.BARISTA: frozenset({Permission.TAP, Permission.READ_CATALOG, Permission.VOID_OWN_RECENT}),
    Role.TILL: frozenset({Permission.TAP, Permission.READ_CATALOG, Permission.READ_COMPS}),
    Role.MANAGER: frozenset(Permission),
}


@dataclass(frozen=True)
class Actor:
    role: Role
    label: str
    token_id: int | None = None
    staff_id: int | None = None

    @property
    def idempotency_scope(self) -> str:
        """Keys are per sender, so two tills numbering their keys alike never collide."""
        if self.token_id is not None:
            return f"token:{self.token_id}"
        return f"staff:{self.staff_id}"

    def can(self, permission: Permission) -> bool:
        return permission in _GRANTS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(_REFUSED[permission](label(self.role)), role=self.role.value)


SYSTEM = Actor(role=Role.MANAGER, label="system")
