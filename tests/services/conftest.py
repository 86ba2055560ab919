"""Service-test helpers: actors, and taps, voids and tallies run the way the views run them.

Each helper calls one service function inside `write_transaction()` in the test's
app context (`app_ctx`), passing the actor and `now` explicitly. Read helpers end
their read transaction, so the next read sees what the factories wrote since.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from pos_plugin.database import db, write_transaction
from pos_plugin.models import AuditEvent, Comp, IdempotencyKey, Role, Shift
from pos_plugin.services import comps, shifts, tokens
from pos_plugin.services.actors import SYSTEM, Actor
from pos_plugin.services.comps import CompRequest, TapResult
from pos_plugin.services.shifts import ShiftTally
from pos_plugin.services.store import get_store


@pytest.fixture
def manager() -> Actor:
    """A manager signed in on the manager pages."""
    return Actor(role=Role.MANAGER, label="Manager Mo")


@pytest.fixture
def make_barista(make_staff: Callable[..., Any]) -> Callable[..., Actor]:
    """A barista signed in on the tablet with their PIN."""

    def make(name: str | None = None) -> Actor:
        member = make_staff(Role.BARISTA, name=name)
        return Actor(role=Role.BARISTA, label=member.name, staff_id=member.id)

    return make


@pytest.fixture
def make_till(app: Any, make_token: Callable[..., str], clock: Any) -> Callable[..., Actor]:
    """The actor behind a freshly created API token (the till by default)."""

    def make(
        name: str = "front till", role: Role = Role.TILL, staff_id: int | None = None
    ) -> Actor:
        secret = make_token(role, name=name, staff_id=staff_id)
        with app.app_context():
            return tokens.authenticate(secret, clock.now)

    return make


@pytest.fixture
def tap(app_ctx: Any, clock: Any) -> Callable[..., TapResult]:
    """`tap(actor, item_id, now=..., key=..., approver=..., note=...)`: one comp, as POST /comps."""

    def run(
        actor: Actor,
        item_id: int,
        *,
        now: datetime | None = None,
        key: str | None = None,
        approver: Actor | None = None,
        **fields: Any,
    ) -> TapResult:
        request = CompRequest(item_id=item_id, **fields)
        with write_transaction():
            return comps.record_comp(
                actor, get_store(), request, now or clock.now, key, approver=approver
            )

    return run


@pytest.fixture
def void(app_ctx: Any, clock: Any) -> Callable[..., Comp]:
    def run(
        actor: Actor,
        comp_id: uuid.UUID,
        reason: str = "Tapped the wrong item",
        *,
        now: datetime | None = None,
    ) -> Comp:
        with write_transaction():
            return comps.void_comp(actor, comp_id, reason, now or clock.now)

    return run


@pytest.fixture
def current(app_ctx: Any, clock: Any) -> Callable[..., ShiftTally]:
    """The running shift and its tally, as GET /shifts/current returns them."""

    def run(now: datetime | None = None, actor: Actor = SYSTEM) -> ShiftTally:
        with write_transaction():
            return shifts.current_tally(actor, get_store(), now or clock.now)

    return run


@pytest.fixture
def count(app_ctx: Any) -> Callable[[type[Any]], int]:
    """How many rows a table holds: `count(Comp)`, `count(AuditEvent)`."""

    def run(model: type[Any]) -> int:
        try:
            return db.session.scalar(select(func.count()).select_from(model)) or 0
        finally:
            db.session.commit()

    return run


@pytest.fixture
def audit_log(app_ctx: Any) -> Callable[..., list[AuditEvent]]:
    """The audit rows, oldest first, optionally only those of one action."""

    def run(action: str | None = None) -> list[AuditEvent]:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        try:
            return list(db.session.scalars(query))
        finally:
            db.session.commit()

    return run


@pytest.fixture
def recorded(count: Callable[[type[Any]], int]) -> Callable[[], tuple[int, int, int, int]]:
    """A snapshot of everything a tap may write: comps, keys, audit rows, shifts."""

    def run() -> tuple[int, int, int, int]:
        return count(Comp), count(IdempotencyKey), count(AuditEvent), count(Shift)

    return run


@pytest.fixture
def do(app_ctx: Any) -> Callable[..., Any]:
    """`do(service_function, *args, **kwargs)`: one service call in its own write transaction,
    as a page or the CLI makes it."""

    def run(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with write_transaction():
            return function(*args, **kwargs)

    return run


@pytest.fixture
def barista() -> Actor:
    return Actor(role=Role.BARISTA, label="Bea", staff_id=None)
