"""Sync-test helpers: comps given (approved over the allowance or not), voided and starred at
chosen moments, through the services staff use; and the sync commands run."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from pos_plugin.cli import cli
from pos_plugin.database import write_transaction
from pos_plugin.models import CatalogItem, Comp, Role, Staff
from pos_plugin.services import comps, delight, signin
from pos_plugin.services.actors import Actor
from pos_plugin.services.comps import CompRequest
from pos_plugin.services.store import get_store

MANAGER = Actor(role=Role.MANAGER, label="Manager Mo")


@pytest.fixture
def cookie(make_item: Callable[..., CatalogItem]) -> CatalogItem:
    return make_item(value=180, name="Free cookie")


@pytest.fixture
def give(app: Flask, cookie: CatalogItem, make_staff: Callable[..., Any]) -> Callable[..., Comp]:
    """`give(now, **fields)`: a barista gives one comp at `now` (a cookie unless item_id says);
    `approver=<manager Staff>` gives it over the allowance with that manager's approval."""
    member = make_staff(Role.BARISTA, name="Ana")
    barista = Actor(role=Role.BARISTA, label=member.name, staff_id=member.id)

    def run(now: datetime, approver: Staff | None = None, **fields: Any) -> Comp:
        fields.setdefault("item_id", cookie.id)
        manager = None if approver is None else signin.actor_for(approver)
        with app.app_context(), write_transaction():
            request = CompRequest(**fields)
            return comps.record_comp(barista, get_store(), request, now, approver=manager).comp

    return run


@pytest.fixture
def void_at(app: Flask) -> Callable[..., Comp]:
    def run(comp_id: uuid.UUID, now: datetime, reason: str = "Wrong table") -> Comp:
        with app.app_context(), write_transaction():
            return comps.void_comp(MANAGER, comp_id, reason, now)

    return run


@pytest.fixture
def star_at(app: Flask) -> Callable[..., None]:
    """`star_at(comp_id, now)`: a manager stars the story on the delight wall;
    `star_at(comp_id, now, starred=False)` unstars it."""

    def run(comp_id: uuid.UUID, now: datetime, starred: bool = True) -> None:
        with app.app_context(), write_transaction():
            (delight.star if starred else delight.unstar)(MANAGER, comp_id, now)

    return run


@pytest.fixture
def sync_cli(app: Flask) -> Callable[..., Any]:
    """`sync_cli("export", "--date", "2026-11-23")`: the command as a manager types it."""
    runner = app.test_cli_runner()

    def run(*args: str) -> Any:
        return runner.invoke(cli, ["sync", *args])

    return run


@pytest.fixture
def outbox(app: Flask) -> Path:
    return Path(app.config["POS_PLUGIN_SETTINGS"].home) / "outbox"


def read_manifest(path: Path) -> dict[str, Any]:
    signed: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    manifest: dict[str, Any] = signed["manifest"]
    return manifest


@pytest.fixture
def bulk_comps(app: Flask, cookie: CatalogItem) -> Callable[..., int]:
    """`bulk_comps(day_start, n)`: n comps in one shift starting at `day_start`, inserted at once
    (past the allowance: for tests that need big files, not rules)."""
    from datetime import timedelta

    from sqlalchemy import insert

    from pos_plugin.database import db
    from pos_plugin.models import Shift
    from pos_plugin.services.business_day import business_date_of

    def run(starts: datetime, n: int) -> int:
        with app.app_context(), write_transaction():
            store = get_store()
            day = business_date_of(starts, store.zone, store.business_day_starts)
            shift = Shift(
                name="Bulk",
                business_date=day,
                starts_at=starts,
                ends_at=starts + timedelta(hours=8),
                allowance_amount=10**9,
                currency="EUR",
                used_amount=n * cookie.value_amount,
                comps_count=n,
            )
            db.session.add(shift)
            db.session.flush()
            db.session.execute(
                insert(Comp),
                [
                    {
                        "id": uuid.uuid4(),
                        "item_id": cookie.id,
                        "value_amount": cookie.value_amount,
                        "currency": "EUR",
                        "shift_id": shift.id,
                        "business_date": day,
                        "created_at": starts + timedelta(seconds=i),
                        "created_by": "bulk",
                        "note": (f"Comp number {i}: " + "a friendly word " * 14).strip(),
                        "status": "active",
                    }
                    for i in range(n)
                ],
            )
        return n

    return run
