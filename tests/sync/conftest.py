"""Sync-test helpers: comps given (approved over the allowance or not), voided and starred at
chosen moments, through the services staff use; the sync commands run; and a head office
served over TLS on loopback for the HTTPS transport."""

from __future__ import annotations

import dataclasses
import json
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import trustme
from flask import Flask
from sqlalchemy import func, select

from pos_plugin.cli import cli
from pos_plugin.database import write_transaction
from pos_plugin.headoffice import database
from pos_plugin.headoffice.database import read_session
from pos_plugin.headoffice.models import IngestedSet, StoreComp
from pos_plugin.headoffice.receiver import create_app
from pos_plugin.headoffice.server import bound_port, make_server
from pos_plugin.headoffice.stores import add_store
from pos_plugin.headoffice.worker import start_worker
from pos_plugin.models import CatalogItem, Comp, Role, Staff
from pos_plugin.services import comps, delight, signin
from pos_plugin.services.actors import Actor
from pos_plugin.services.comps import CompRequest
from pos_plugin.services.store import get_store
from pos_plugin.sync import signing
from pos_plugin.sync.transports.https import HttpsTransport

MANAGER = Actor(role=Role.MANAGER, label="Manager Mo")
REGISTERED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


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


@dataclasses.dataclass
class HeadOffice:
    port: int
    ca_file: Path
    token: str
    engine: object
    home: Path


@pytest.fixture
def serve_head_office(app, empty_database_url, tmp_path, settings):
    """`serve_head_office(**headoffice_keys)`: `headoffice serve` over TLS on loopback, its
    ingest worker running (unless `worker_running=False`), with this store registered."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert_file, ca_file = tmp_path / "cert.pem", tmp_path / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    ca.cert_pem.write_to_path(str(ca_file))
    engine = database.open_database(empty_database_url)
    with database.write_session(engine) as session:
        public = signing.public_key_text(signing.load_or_create(settings.home))
        token = add_store(session, "test-cafe", public, REGISTERED).token
    running = []

    def serve(worker_running=True, **keys):
        ho_settings = dataclasses.replace(
            settings,
            home=tmp_path / "ho-home",
            headoffice=dataclasses.replace(settings.headoffice, **keys),
        )
        ho_app = create_app(ho_settings, engine)
        server = make_server(ho_app, "127.0.0.1", 0, cert_file, cert_file)
        # No TLS 1.3 session tickets: after the handshake the server sends nothing but
        # answers, so the fault proxy can tell an answer from the handshake by counting bytes.
        server.ssl_adapter.context.num_tickets = 0
        server.prepare()
        worker = start_worker(ho_app, ho_settings, engine) if worker_running else None
        thread = threading.Thread(target=server.serve, daemon=True)
        thread.start()
        running.append((server, worker, thread))
        return HeadOffice(bound_port(server), ca_file, token, engine, ho_settings.home)

    yield serve
    for server, worker, thread in running:
        server.stop()
        if worker is not None:
            worker.stop()
        thread.join(10)
    engine.dispose()


@pytest.fixture
def head_office(serve_head_office):
    return serve_head_office()


def sets_and_comps(engine):
    with read_session(engine) as session:
        sets = session.scalar(select(func.count()).select_from(IngestedSet))
        comps = session.scalar(select(func.count()).select_from(StoreComp))
    return sets, comps


def https(head_office, port, token=None):
    return HttpsTransport(
        url=f"https://127.0.0.1:{port}/",
        token=token or head_office.token,
        ca_file=head_office.ca_file,
        timeout=10,
    )
