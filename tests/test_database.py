"""The database is tuned for a till: an acknowledged comp survives a power cut."""

import pytest
import sqlalchemy as sa

from pos_plugin.database import db


@pytest.fixture
def sqlite_only(backend):
    if backend != "sqlite":
        pytest.skip("SQLite tuning; PostgreSQL is durable by its own defaults")


@pytest.mark.usefixtures("sqlite_only")
def test_sqlite_runs_in_wal_mode_with_full_sync_and_a_busy_timeout(app_ctx):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_times_come_back_as_aware_utc(app_ctx, make_item, client, auth):
    item = make_item()
    comp = client.post("/api/v1/comps", json={"item_id": item.id}, headers=auth("barista")).json
    assert comp["created_at"].endswith("+00:00")


def test_a_naive_datetime_is_refused_rather_than_guessed(app_ctx):
    from datetime import datetime

    from pos_plugin.models import AuditEvent

    db.session.add(
        AuditEvent(
            at=datetime(2026, 1, 1),  # noqa: DTZ001 - the mistake under test
            actor="t",
            action="a",
            entity="e",
            entity_id="1",
            data={},
        )
    )
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        db.session.flush()
    db.session.rollback()


def test_the_audit_log_cannot_be_rewritten(app_ctx, client, auth, make_item):
    from pos_plugin.models import AuditEvent

    item = make_item()
    client.post("/api/v1/comps", json={"item_id": item.id}, headers=auth("barista"))
    for statement in (sa.update(AuditEvent).values(actor="someone else"), sa.delete(AuditEvent)):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.query(AuditEvent).count() >= 1
