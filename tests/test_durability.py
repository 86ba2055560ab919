"""What a store must never lose, and how it answers when the database cannot take a tap.

A process killed mid-rush keeps every comp it acknowledged; a full disk answers
"disk full" to every tap until space is freed, with nothing half-written; a
column altered while the app serves costs at most one failed tap per pooled
connection.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.client import HTTPException
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from pos_plugin import create_app
from pos_plugin.database import db, write_transaction
from pos_plugin.models import Comp, Role
from pos_plugin.money import Money
from pos_plugin.services import catalog, tokens
from pos_plugin.services.actors import SYSTEM
from pos_plugin.services.store import apply_settings, get_store
from pos_plugin.settings import parse


def new_store(settings: Any) -> tuple[Flask, int, str]:
    """A fresh store on `settings`'s database: its app, one item and a till token."""
    app = create_app({"SETTINGS": settings, "PROPAGATE_EXCEPTIONS": False})
    now = datetime.now(UTC)
    with app.app_context():
        db.create_all()
        with write_transaction():
            apply_settings(settings, SYSTEM, now)
            item = catalog.add_item(
                SYSTEM, get_store(), name="Cookie", value=Money(1, "EUR"), icon="🍪", now=now
            )
            _, secret = tokens.create_token(SYSTEM, role=Role.TILL, name="till", now=now)
        return app, item.id, secret


def comp_ids(app: Flask) -> set[str]:
    with app.app_context():
        try:
            return {str(i) for i in db.session.scalars(sa.select(Comp.id))}
        finally:
            db.session.remove()


@pytest.fixture
def roomy(settings_for: Callable[..., Any]) -> Callable[[Path, str], Any]:
    """Settings whose unscheduled shift never refuses: these tests count taps, not rules."""

    def make(home: Path, url: str) -> Any:
        from dataclasses import replace

        from pos_plugin.settings import AllowanceSettings

        base = settings_for(home, url)
        return replace(base, allowance=AllowanceSettings(amount=10**8, max_comps=None))

    return make


# -- a full disk --------------------------------------------------------------------------


def fill(disk: Path) -> Path:
    """Fill `disk` to the last byte; the file that did it, to delete."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError:
            pass
        try:
            while True:  # the last few blocks
                out.write(b"\0" * 512)
        except OSError:
            pass
    return filler


def test_a_full_disk_answers_disk_full_to_every_tap_and_loses_nothing_acknowledged(
    small_disk, roomy, caplog
):
    settings = roomy(small_disk / "home", f"sqlite:///{small_disk / 'pos-plugin.db'}")
    app, item_id, secret = new_store(settings)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}

    def tap() -> Any:
        key = {"Idempotency-Key": uuid.uuid4().hex}
        return client.post("/api/v1/comps", json={"item_id": item_id}, headers=headers | key)

    acknowledged = {tap().json["id"] for _ in range(20)}
    with app.app_context(), db.engine.connect() as conn:
        # An empty write-ahead log: the next write must find new space on the disk.
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    filler = fill(small_disk)
    caplog.set_level(logging.ERROR, logger="pos_plugin")

    answers = [tap() for _ in range(150)]

    statuses = {answer.status_code for answer in answers}
    assert statuses == {503}, statuses
    assert {answer.json["type"] for answer in answers} == {"/problems/disk-full"}
    assert "disk" in answers[0].json["detail"]
    assert all(answer.headers["Retry-After"] == "60" for answer in answers)
    told = [r for r in caplog.records if "disk is full" in r.getMessage()]
    assert len(told) == 1, "told once a minute, not once a tap"

    filler.unlink()
    after = tap()
    assert after.status_code == 201, after.get_data(as_text=True)
    assert comp_ids(app) == acknowledged | {after.json["id"]}


# -- a column altered while the app serves --------------------------------------------------


@pytest.fixture
def postgresql_url(empty_database_url: str, backend: str) -> str:
    if backend != "postgresql":
        pytest.skip("prepared statements and their cached plans are PostgreSQL's")
    return empty_database_url


def test_a_live_schema_change_costs_at_most_one_failed_tap_per_pooled_connection(
    tmp_path, postgresql_url, roomy
):
    app, item_id, secret = new_store(roomy(tmp_path / "home", postgresql_url))
    opened: list[int] = []
    with app.app_context():
        db.engine.dispose()  # every connection the taps use is counted
        sa.event.listen(db.engine, "connect", lambda conn, _record: opened.append(1))
    headers = {"Authorization": f"Bearer {secret}"}

    def taps(n: int) -> list[int]:
        client = app.test_client()
        return [
            client.post(
                "/api/v1/comps",
                json={"item_id": item_id},
                headers=headers | {"Idempotency-Key": uuid.uuid4().hex},
            ).status_code
            for _ in range(n)
        ]

    def rush() -> list[int]:
        with ThreadPoolExecutor(4) as pool:
            return [status for batch in pool.map(taps, [12] * 4) for status in batch]

    # Every pooled connection runs each statement past psycopg's threshold, so prepares it.
    assert set(rush()) == {201}
    other = sa.create_engine(postgresql_url)
    with other.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE catalog_item ALTER COLUMN name TYPE varchar(120)")
    other.dispose()

    during = rush()
    failed = [status for status in during if status != 201]
    assert set(failed) <= {500}
    assert len(failed) <= len(opened), (failed, len(opened))
    assert set(taps(10)) == {201}
    with app.app_context():
        db.engine.dispose()


# -- SIGKILL in the middle of a rush --------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(home: Path, url: str, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POS_PLUGIN_")}
    env |= {"POS_PLUGIN_HOME": str(home), "POS_PLUGIN_DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "pos_plugin", "serve", "--port", str(port)],
        env=env,
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1):
                return
        except (urllib.error.URLError, ConnectionError):
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


ROOMY = '[allowance]\namount = 100000000\nmax_comps = "none"\n'


def served_store(
    tmp_path: Path, database_url: str, config_text: str = ROOMY
) -> tuple[Path, str, Flask, int, str]:
    """A store for `serve` to run: its data directory (with `config_text` as its config,
    by default one that allows any number of comps), database URL, app, item and till
    token; its schema stamped at head."""
    home = tmp_path / "home"
    home.mkdir()
    url = database_url
    if url.startswith("sqlite"):
        url = f"sqlite:///{home / 'pos-plugin.db'}"
    config = home / "pos-plugin.toml"
    config.write_text(config_text, encoding="utf-8")
    settings = parse(tomllib.loads(config.read_text()), home=home, source=config, database_url=url)
    app, item_id, secret = new_store(settings)
    with app.app_context():
        # `serve` checks the schema's revision: this one was made from the models.
        from flask_migrate import stamp

        from pos_plugin import lifecycle

        lifecycle.enable_migrations(app)
        stamp()
        db.engine.dispose()
    return home, url, app, item_id, secret


@pytest.mark.console_script
def test_every_comp_acknowledged_before_a_sigkill_is_there_after_it(tmp_path, empty_database_url):
    home, url, app, item_id, secret = served_store(tmp_path, empty_database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(home, url, port)
    acknowledged: list[str] = []
    stop = threading.Event()

    def tapping() -> None:
        while not stop.is_set():
            request = urllib.request.Request(
                base + "/api/v1/comps",
                data=json.dumps({"item_id": item_id}).encode(),
                headers={
                    "Authorization": f"Bearer {secret}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": uuid.uuid4().hex,
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    if answer.status == 201:
                        acknowledged.append(json.loads(answer.read())["id"])
            except (urllib.error.URLError, ConnectionError, TimeoutError, HTTPException):
                return  # the server is gone (mid-answer, too: that comp was not acknowledged)

    try:
        wait_until_up(base, server)
        tappers = [threading.Thread(target=tapping) for _ in range(4)]
        for tapper in tappers:
            tapper.start()
        deadline = time.monotonic() + 20
        while len(acknowledged) < 60 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        stop.set()
        for tapper in tappers:
            tapper.join(timeout=10)
    finally:
        stop.set()
        if server.poll() is None:
            server.kill()

    assert len(acknowledged) >= 60
    assert set(acknowledged) <= comp_ids(app)
    with app.app_context():
        db.engine.dispose()
