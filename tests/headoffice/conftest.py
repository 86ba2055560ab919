"""Head office fixtures: its database on SQLite, PostgreSQL and Citus, stores, file sets.

`make_set` writes a signed set with the real format code (no store database
needed), so tests can tamper with any byte of it. `viewer` and `admin` are browsers
signed in to head office's pages (`ho_app`, on `ho_clock`).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from werkzeug.test import TestResponse

from pos_plugin import csv_cells
from pos_plugin.headoffice import database, distribute, ingest, stores, users
from pos_plugin.headoffice.models import HeadOfficeBase, UserRole
from pos_plugin.headoffice.receiver import create_app
from pos_plugin.sync import manifest, signing
from pos_plugin.sync.fileset import DATA_KINDS, SetName, sha256_hex, write_atomic

from . import citus_cluster

DAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql", "citus"])
def backend(request: pytest.FixtureRequest) -> str:
    """Head office's database tests run on a three-node Citus cluster too."""
    return str(request.param)


@pytest.fixture(scope="session")
def citus_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This test process's database on the run's Citus cluster (see citus_cluster), with
    head office's tables made and distributed once, on few shards so that is quick."""
    reason = citus_cluster.absent_reason()
    if reason:
        pytest.skip(reason)
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "main")
    run_folder = tmp_path_factory.getbasetemp()
    if worker_id != "main":  # xdist's workers share their run's folder
        run_folder = run_folder.parent
    state = run_folder / "citus-cluster.json"
    try:
        url = citus_cluster.join(state, f"pos_ho_{worker_id}_{os.getpid()}")
        url = sa.make_url(url).update_query_dict({"options": "-ccitus.shard_count=4"})
        engine = database.open_database(url.render_as_string(hide_password=False))
        with database.write_session(engine) as session:
            distribute.distribute(session)
        yield url.render_as_string(hide_password=False)
        engine.dispose()
    finally:
        citus_cluster.leave(state)


@pytest.fixture
def citus_database_url(citus_database: str) -> str:
    """The process's cluster database with every head office table emptied.

    Emptied rather than made again for each test: making and distributing the
    tables takes seconds on a cluster, so the migration tests stay off it. DELETE
    of a test's few rows takes a seventh of TRUNCATE's time, which locks and
    empties every shard; one connection per node, as Citus needs where a
    distributed table refers to a reference table."""
    tables = reversed(HeadOfficeBase.metadata.sorted_tables)  # those referred to last
    statements = [
        "SET LOCAL citus.multi_shard_modify_mode TO sequential",
        *(f"DELETE FROM {t.name}" for t in tables),
    ]
    engine = sa.create_engine(citus_database)
    with engine.begin() as connection:
        connection.exec_driver_sql("; ".join(statements))
    engine.dispose()
    return citus_database


@pytest.fixture
def ho_engine(empty_database_url: str) -> Iterator[Engine]:
    engine = database.open_database(empty_database_url)  # on Citus, distributed already
    yield engine
    engine.dispose()


@dataclass
class StoreKeys:
    store_id: str
    key: Ed25519PrivateKey
    token: str = ""

    @property
    def public(self) -> str:
        return signing.public_key_text(self.key)


@pytest.fixture
def register(ho_engine: Engine) -> Callable[..., StoreKeys]:
    def run(store_id: str = "cafe-001", key: Ed25519PrivateKey | None = None) -> StoreKeys:
        keys = StoreKeys(store_id, key or Ed25519PrivateKey.generate())
        with database.write_session(ho_engine) as session:
            keys.token = stores.add_store(session, store_id, keys.public, NOW).token
        return keys

    return run


def comp_row(day: date = DAY, **values: Any) -> dict[str, Any]:
    moment = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    row: dict[str, Any] = {
        "comp_id": uuid.uuid4(),
        "business_date": day.isoformat(),
        "status": "active",
        "created_at": moment.isoformat(),
        "item_id": 1,
        "item_name": "Free cookie",
        "value_amount": 180,
        "currency": "GBP",
        "staff_id": 1,
        "staff_name": "Ana",
        "approved_by_id": None,
        "approved_by_name": None,
        "shift_id": 7,
        "created_by": "Ana",
        "order_ref": None,
        "breakdown_id": None,
        "breakdown_title": None,
        "reason": None,
        "note": "Just this once.",
        "voided_at": None,
        "voided_by": None,
        "void_reason": None,
    }
    row.update(values)
    return row


def story_row(comp: dict[str, Any], **values: Any) -> dict[str, Any]:
    """The starred story of a `comp_row`."""
    row: dict[str, Any] = {
        "comp_id": comp["comp_id"],
        "starred_at": NOW.isoformat(),
        "starred_by": "Manager Mo",
        "staff_id": comp["staff_id"],
        "staff_name": comp["staff_name"],
        "item_name": comp["item_name"],
        "customer_name": "Priya",
        "note": comp["note"],
    }
    row.update(values)
    return row


@pytest.fixture
def make_set(tmp_path: Path) -> Callable[..., Path]:
    """`make_set(keys, [comp_row(), ...], sequence=1, day=DAY)`: a signed set; its manifest.

    `format_version=1` writes the columns a store before version 2 wrote."""

    def run(
        keys: StoreKeys,
        comps: list[dict[str, Any]] | None = None,
        *,
        stories: list[dict[str, Any]] | None = None,
        sequence: int = 1,
        day: date = DAY,
        folder: Path | None = None,
        format_version: int = manifest.FORMAT_VERSION,
    ) -> Path:
        comps = [comp_row(day)] if comps is None else comps
        columns = manifest.COLUMNS_BY_VERSION[format_version]
        name = SetName(keys.store_id, day, sequence)
        directory = folder or tmp_path / "inbox"
        tables = {
            "comps": [[row[c] for c in columns["comps"]] for row in comps],
            "shifts": [],
            "stories": [[row[c] for c in columns["stories"]] for row in stories or []],
        }
        files: dict[str, Any] = {}
        for kind in DATA_KINDS:
            data, rows = csv_cells.to_bytes(columns[kind], tables[kind])
            write_atomic(directory, name.data_file(kind), data)
            files[kind] = {
                "name": name.data_file(kind),
                "rows": rows,
                "bytes": len(data),
                "sha256": sha256_hex(data),
            }
        body = {
            "format": manifest.FORMAT,
            "format_version": format_version,
            "store_id": keys.store_id,
            "business_date": day.isoformat(),
            "sequence": sequence,
            "supersedes": sequence - 1 or None,
            "exported_at": NOW.isoformat(),
            "timezone": "Europe/London",
            "business_day": {},
            "files": files,
            "totals": manifest.TotalsBuilder.of(
                (r["currency"], r["value_amount"], r["status"] == "voided") for r in comps
            ),
            "signature_algorithm": "ed25519",
            "key_id": signing.key_id(keys.public),
        }
        return write_atomic(directory, name.manifest, manifest.envelope(body, keys.key))

    return run


@pytest.fixture
def quarantine(tmp_path: Path) -> Path:
    return tmp_path / "quarantine"


@pytest.fixture
def ingest_one(ho_engine: Engine, quarantine: Path) -> Callable[[Path], ingest.Outcome]:
    def run(path: Path) -> ingest.Outcome:
        return ingest.ingest(ho_engine, path, quarantine, NOW)

    return run


class MovingClock:
    """A clock a test moves (past the idle timeout, say): `clock.now += timedelta(...)`."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client: FlaskClient, path: str = "/signin") -> str:
    """The CSRF token of a page's forms, as a browser would read it."""
    found = _CSRF.search(client.get(path).get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found[1]


@pytest.fixture
def ho_clock() -> MovingClock:
    return MovingClock()


@pytest.fixture
def ho_app(
    ho_engine: Engine,
    settings_for: Callable[..., Any],
    tmp_path: Path,
    empty_database_url: str,
    ho_clock: MovingClock,
) -> Flask:
    home = tmp_path / "ho-home"
    home.mkdir(mode=0o700)
    return create_app(settings_for(home, empty_database_url), ho_engine, clock=ho_clock)


@pytest.fixture
def make_user(ho_engine: Engine) -> Callable[..., None]:
    """`make_user("Olu", UserRole.ADMIN)`: someone who signs in with PASSWORD."""

    def run(name: str = "Olu", role: UserRole = UserRole.VIEWER, password: str = PASSWORD) -> None:
        with database.write_session(ho_engine) as session:
            users.add_user(session, name, role, password, NOW)

    return run


def sign_in(
    client: FlaskClient, name: str = "Olu", password: str = PASSWORD, **form: str
) -> TestResponse:
    data = {"name": name, "password": password, "csrf_token": csrf_of(client), **form}
    return client.post("/signin", data=data)


@pytest.fixture
def viewer(ho_app: Flask, make_user: Callable[..., None]) -> FlaskClient:
    """A browser signed in as a viewer."""
    make_user("Olu", UserRole.VIEWER)
    client = ho_app.test_client()
    assert sign_in(client).status_code == 302
    return client


@pytest.fixture
def admin(ho_app: Flask, make_user: Callable[..., None]) -> FlaskClient:
    """A browser signed in as an admin."""
    make_user("Ada", UserRole.ADMIN)
    client = ho_app.test_client()
    assert sign_in(client, "Ada").status_code == 302
    return client
