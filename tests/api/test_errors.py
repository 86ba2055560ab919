"""When something breaks on our side the caller still gets a problem document, no traceback."""

import sqlite3
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from pos_plugin import database
from pos_plugin.database import db
from pos_plugin.models import Comp, Shift
from pos_plugin.services import catalog


@pytest.fixture
def unpropagated(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_an_unexpected_error_is_a_500_problem_without_a_traceback(
    unpropagated, client, auth, monkeypatch
):
    headers = auth("barista")

    def broken(actor):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(catalog, "list_items", broken)
    response = client.get("/api/v1/catalog", headers=headers)
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def tap(client, headers, item, key=None):
    sent = {**headers, "Idempotency-Key": key or uuid.uuid4().hex}
    return client.post("/api/v1/comps", json={"item_id": item.id}, headers=sent)


def comps_recorded():
    with db.engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(Comp))


@contextmanager
def held_elsewhere(backend, database_url):
    """Another process holds what a tap must lock: SQLite's write lock (as `pos-plugin sync
    export` would), or on PostgreSQL the running shift's row (as a slow tap would)."""
    if backend == "sqlite":
        other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.select(Shift.id).with_for_update())
            yield
    finally:
        engine.dispose()


def test_a_lock_held_past_the_busy_timeout_is_a_retryable_503_and_nothing_is_recorded(
    unpropagated, client, auth, make_item, monkeypatch, backend, database_url
):
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    with unpropagated.app_context():
        db.engine.dispose()  # connections open again with the short timeout
    item = make_item()
    headers = auth("till")
    assert tap(client, headers, item).status_code == 201  # the shift is open
    with held_elsewhere(backend, database_url):
        response = tap(client, headers, item, key="held")
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "2"
    assert response.json["type"].endswith("/database-busy")
    with unpropagated.app_context():
        assert comps_recorded() == 1
    assert tap(client, headers, item, key="held").status_code == 201


def test_a_missing_table_is_a_500_not_a_retry_and_its_traceback_is_logged(
    unpropagated, client, auth, make_item, caplog, backend
):
    if backend != "sqlite":
        pytest.skip("the tables are shared by the run's PostgreSQL tests")
    item = make_item()
    headers = auth("till")
    with unpropagated.app_context(), db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE idempotency_key")  # as a bad migration might
    response = tap(client, headers, item)
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
    body = response.get_data(as_text=True)
    assert "idempotency_key" not in body
    assert "nothing was recorded" in response.json["detail"]
    logged = [r for r in caplog.records if r.exc_info and "idempotency_key" in str(r.exc_info[1])]
    assert logged, "the traceback reaches the log"
