"""The database is tuned for a till: an acknowledged comp survives a power cut."""

import time
import uuid

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


# -- the write transaction ------------------------------------------------------------------


@pytest.fixture
def sqlite_writer(backend):
    if backend != "sqlite":
        pytest.skip("another process holding the whole database is SQLite's")


def audit_rows(action):
    """Committed audit rows of `action`, as another connection sees them."""
    from pos_plugin.models import AuditEvent

    with db.engine.connect() as conn:
        query = sa.select(sa.func.count()).where(AuditEvent.action == action)
        return conn.scalar(query)


def write_both_ways(action):
    """One audit row added to the session and one through the audit service."""
    from datetime import UTC, datetime

    from pos_plugin.models import AuditEvent
    from pos_plugin.services import audit
    from pos_plugin.services.actors import SYSTEM

    now = datetime.now(UTC)
    db.session.add(AuditEvent(at=now, actor="t", action=action, entity="e", entity_id="1", data={}))
    audit.record(SYSTEM, action, "e", 2, now)


class Broken(Exception):
    """Any error in a write's work."""


def write_then_fail(work):
    from pos_plugin.database import write_transaction

    with write_transaction():
        work()
        raise Broken


def test_the_work_in_a_write_commits_together(app_ctx):
    from pos_plugin.database import write_transaction

    with write_transaction():
        write_both_ways("test.both")
        assert audit_rows("test.both") == 0  # not before the commit
    assert audit_rows("test.both") == 2


def test_a_failed_write_leaves_nothing_and_the_next_write_goes_through(app_ctx):
    from pos_plugin.database import write_transaction

    def flushed():
        write_both_ways("test.failed")
        db.session.flush()

    with pytest.raises(Broken):
        write_then_fail(flushed)
    assert audit_rows("test.failed") == 0
    with write_transaction():
        write_both_ways("test.next")
    assert audit_rows("test.next") == 2


def test_after_commit_runs_once_the_work_is_committed_and_never_after_a_rollback(app_ctx):
    from pos_plugin.database import after_commit, write_transaction

    seen = []
    with write_transaction():
        write_both_ways("test.seen")
        after_commit(lambda: seen.append(audit_rows("test.seen")))
        assert seen == []
    assert seen == [2]  # another connection already sees the rows

    with pytest.raises(Broken):
        write_then_fail(lambda: after_commit(lambda: seen.append("rolled back")))
    assert seen == [2]
    with pytest.raises(RuntimeError, match="outside a write transaction"):
        after_commit(lambda: None)


def test_writes_go_on_after_the_engine_is_disposed(app_ctx):
    from pos_plugin.database import write_transaction

    with write_transaction():
        write_both_ways("test.before")
    db.engine.dispose()  # as tests and the CLI do
    with write_transaction():
        write_both_ways("test.after")
    assert audit_rows("test.after") == 2


@pytest.mark.usefixtures("sqlite_writer")
def test_a_database_another_process_holds_is_an_error_and_the_next_write_goes_through(
    app_ctx, monkeypatch, tmp_path
):
    import sqlite3

    from pos_plugin import database
    from pos_plugin.database import write_transaction

    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 100)
    db.engine.dispose()  # connections are opened again, with the short timeout
    other = sqlite3.connect(db.engine.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # as the CLI in another process would
    try:
        with pytest.raises(sa.exc.OperationalError, match="locked"), write_transaction():
            write_both_ways("test.locked")
    finally:
        other.execute("ROLLBACK")
        other.close()
    with write_transaction():
        write_both_ways("test.unlocked")
    assert (audit_rows("test.locked"), audit_rows("test.unlocked")) == (0, 2)


@pytest.mark.usefixtures("sqlite_writer")
def test_a_write_that_cannot_roll_back_raises_its_own_error_and_the_next_write_goes_through(
    app_ctx, monkeypatch
):
    import sqlite3

    from pos_plugin.database import write_transaction

    dialect = db.engine.dialect
    real_rollback = dialect.do_rollback

    def broken_rollback(dbapi_connection):
        monkeypatch.setattr(dialect, "do_rollback", real_rollback)  # once
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(dialect, "do_rollback", broken_rollback)
    with pytest.raises(Broken):
        write_then_fail(lambda: write_both_ways("test.unrolled"))
    with write_transaction():
        write_both_ways("test.after-unrolled")
    assert (audit_rows("test.unrolled"), audit_rows("test.after-unrolled")) == (0, 2)


@pytest.fixture
def postgresql_only(backend):
    if backend != "postgresql":
        pytest.skip("a server that drops connections is PostgreSQL's; SQLite's file stays open")


def terminate(admin, backend_pids):
    """Have PostgreSQL end these backends, as a restart or an idle timeout does."""
    # Autocommit: pg_stat_activity is read once per transaction.
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM unnest(:pids) pid"),
            {"pids": backend_pids},
        )
        for _ in range(500):
            alive = conn.execute(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                {"pids": backend_pids},
            ).scalar()
            if alive == 0:
                return
            time.sleep(0.01)
    raise AssertionError(f"backends {backend_pids} outlived pg_terminate_backend")


@pytest.mark.own_app  # a listener on the engine, which outlives the test
@pytest.mark.usefixtures("postgresql_only")
def test_a_tap_after_postgresql_dropped_the_pooled_connections_is_given(
    app, client, auth, make_item, postgres
):
    item = make_item()
    opened = []
    with app.app_context():
        db.engine.dispose()
        sa.event.listen(
            db.engine, "connect", lambda conn, _record: opened.append(conn.info.backend_pid)
        )

    def tap():
        headers = {**auth("till"), "Idempotency-Key": uuid.uuid4().hex}
        return client.post("/api/v1/comps", json={"item_id": item.id}, headers=headers)

    assert tap().status_code == 201
    terminate(postgres.engine, opened)

    again = tap()
    assert again.status_code == 201, again.get_data(as_text=True)
    assert len(client.get("/api/v1/comps", headers=auth("manager")).json) == 2
