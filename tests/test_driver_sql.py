"""Statements run on the driver connection write and read exactly what SQLAlchemy would."""

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from pos_plugin import driver_sql
from pos_plugin.database import (
    HumanText,
    db,
    execute_core,
    first_row,
    pipelined,
    send_read,
    table_of,
    write_transaction,
)
from pos_plugin.models import AuditEvent, IdempotencyKey

AUDIT = table_of(AuditEvent)
INSERT_AUDIT = sa.insert(AUDIT)
AUDIT_BY_ENTITY = sa.select(AUDIT.c.at, AUDIT.c.actor, AUDIT.c.data).where(
    AUDIT.c.entity_id == sa.bindparam("entity_id")
)
AT = datetime(2026, 12, 3, 21, 30, 15, 123456, tzinfo=UTC)


def audit_row(entity_id: str, **changes: object) -> dict[str, object]:
    return {
        "at": AT,
        "actor": "till token 'front'",
        "action": "test.driver",
        "entity": "test",
        "entity_id": entity_id,
        "data": {"value": 250, "note": "Grüße ☕"},
        **changes,
    }


def test_a_row_written_on_the_driver_reads_back_through_the_orm_unchanged(app_ctx):
    with write_transaction():
        execute_core(INSERT_AUDIT, audit_row("driver-1"))
    db.session.remove()
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_id == "driver-1")
    ).one()
    assert (event.at, event.actor, event.data) == (AT, "till token 'front'", audit_row("")["data"])


def test_a_row_read_on_the_driver_equals_sqlalchemys_row(app_ctx):
    with write_transaction():
        db.session.execute(INSERT_AUDIT, audit_row("driver-2"))
    fast = first_row(AUDIT_BY_ENTITY, {"entity_id": "driver-2"})
    slow = db.session.execute(AUDIT_BY_ENTITY, {"entity_id": "driver-2"}).one()
    assert tuple(fast) == tuple(slow)
    assert fast.at == AT
    assert fast.at.tzinfo is not None
    assert first_row(AUDIT_BY_ENTITY, {"entity_id": "nobody"}) is None


def test_a_value_the_types_refuse_is_refused_as_sqlalchemy_refuses_it(app_ctx):
    naive = datetime(2026, 12, 3, 21, 30)  # noqa: DTZ001 - the mistake under test
    with pytest.raises(sa.exc.StatementError, match="naive datetime"), write_transaction():
        execute_core(INSERT_AUDIT, audit_row("driver-3", at=naive))
    assert first_row(AUDIT_BY_ENTITY, {"entity_id": "driver-3"}) is None
    notes = sa.Table(
        "driver_notes",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("note", HumanText(40)),
    )
    with write_transaction():
        notes.create(db.session.connection())
    with pytest.raises(sa.exc.StatementError, match="NUL character"), write_transaction():
        execute_core(sa.insert(notes), {"id": 1, "note": "nul\x00"})


INSERT_KEY = sa.insert(table_of(IdempotencyKey))


def orphan_key(key: str) -> dict[str, object]:
    """An idempotency key naming a comp that does not exist: its foreign key refuses it."""
    return {
        "scope": "till:1",
        "key": key,
        "request_hash": "x",
        "comp_id": uuid.uuid4(),
        "created_at": AT,
    }


def test_a_database_error_reaches_the_caller_as_sqlalchemys_exception(app_ctx):
    with pytest.raises(sa.exc.IntegrityError), write_transaction():
        execute_core(INSERT_KEY, orphan_key("same"))


def test_a_statement_that_needs_python_defaults_runs_through_sqlalchemy(app_ctx):
    table = sa.Table(
        "driver_defaults",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("made", sa.String(8), default="default"),
    )
    with write_transaction():
        table.create(db.session.connection())
    insert = sa.insert(table)
    with write_transaction():
        execute_core(insert, {"id": 1})
    assert driver_sql.plan_for(db.engine.dialect, insert, {"id": 1}) is None
    assert db.session.execute(sa.select(table.c.made)).scalar() == "default"


def test_writes_sent_together_fail_together_as_sqlalchemys_exception(app_ctx):
    def audit_then_orphan_key() -> None:
        with write_transaction(), pipelined():
            execute_core(INSERT_AUDIT, audit_row("driver-5"))
            execute_core(INSERT_KEY, orphan_key("orphan"))

    with pytest.raises(sa.exc.IntegrityError):
        audit_then_orphan_key()
    assert first_row(AUDIT_BY_ENTITY, {"entity_id": "driver-5"}) is None
    with write_transaction(), pipelined():
        execute_core(INSERT_AUDIT, audit_row("driver-6"))
        execute_core(INSERT_AUDIT, audit_row("driver-7"))
    assert first_row(AUDIT_BY_ENTITY, {"entity_id": "driver-7"}) is not None


def test_writes_sent_with_the_commit_fail_at_the_commit_and_leave_nothing(app_ctx):
    def audit_then_orphan_key() -> None:
        with write_transaction(), pipelined(last=True):
            execute_core(INSERT_AUDIT, audit_row("driver-8"))
            execute_core(INSERT_KEY, orphan_key("orphan-last"))

    with pytest.raises(sa.exc.IntegrityError):
        audit_then_orphan_key()
    assert first_row(AUDIT_BY_ENTITY, {"entity_id": "driver-8"}) is None
    with write_transaction(), pipelined(last=True):
        execute_core(INSERT_AUDIT, audit_row("driver-9"))
    db.session.remove()
    assert first_row(AUDIT_BY_ENTITY, {"entity_id": "driver-9"}) is not None


def test_writes_held_for_the_commit_reach_postgresql_only_with_it(app_ctx, backend):
    if backend != "postgresql":
        pytest.skip("SQLite runs each write at once; only PostgreSQL holds them")
    reached_commit = []

    def audit_then_orphan_key() -> None:
        with write_transaction():
            with pipelined(last=True):
                execute_core(INSERT_AUDIT, audit_row("driver-held"))
                execute_core(INSERT_KEY, orphan_key("orphan-held"))
            reached_commit.append(True)  # nothing was sent yet, so nothing failed yet

    with pytest.raises(sa.exc.IntegrityError):
        audit_then_orphan_key()
    assert reached_commit == [True]
    assert first_row(AUDIT_BY_ENTITY, {"entity_id": "driver-held"}) is None


def test_statements_after_writes_held_for_the_commit_see_them(app_ctx):
    with write_transaction():
        with pipelined(last=True):
            execute_core(INSERT_AUDIT, audit_row("driver-10"))
        # Through SQLAlchemy (the ORM) and on the driver, in the same transaction.
        orm = db.session.scalars(
            sa.select(AuditEvent.entity).where(AuditEvent.entity_id == "driver-10")
        ).all()
        with pipelined(last=True):
            execute_core(INSERT_AUDIT, audit_row("driver-11"))
        driver = first_row(AUDIT_BY_ENTITY, {"entity_id": "driver-11"})
    assert orm == ["test"]
    assert driver is not None
    assert first_row(AUDIT_BY_ENTITY, {"entity_id": "driver-10"}) is not None


def test_an_error_after_writes_held_for_the_commit_rolls_them_back(app_ctx):
    def audit_then_fail() -> None:
        with write_transaction():
            with pipelined(last=True):
                execute_core(INSERT_AUDIT, audit_row("driver-12"))
            raise LookupError("after the writes")

    with pytest.raises(LookupError):
        audit_then_fail()
    assert first_row(AUDIT_BY_ENTITY, {"entity_id": "driver-12"}) is None
    with write_transaction(), pipelined(last=True):
        execute_core(INSERT_AUDIT, audit_row("driver-13"))
    assert first_row(AUDIT_BY_ENTITY, {"entity_id": "driver-13"}) is not None


def test_a_failed_write_among_those_held_for_the_commit_leaves_none_of_them(app_ctx):
    def audit_orphan_key_audit() -> None:
        with write_transaction(), pipelined(last=True):
            execute_core(INSERT_AUDIT, audit_row("driver-14"))
            execute_core(INSERT_KEY, orphan_key("orphan-middle"))
            execute_core(INSERT_AUDIT, audit_row("driver-15"))

    with pytest.raises(sa.exc.IntegrityError):
        audit_orphan_key_audit()
    assert first_row(AUDIT_BY_ENTITY, {"entity_id": "driver-14"}) is None
    assert first_row(AUDIT_BY_ENTITY, {"entity_id": "driver-15"}) is None
    with write_transaction(), pipelined(last=True):
        execute_core(INSERT_AUDIT, audit_row("driver-16"))
        execute_core(INSERT_AUDIT, audit_row("driver-17"))
    assert first_row(AUDIT_BY_ENTITY, {"entity_id": "driver-17"}) is not None


def test_reads_sent_together_each_get_their_own_row(app_ctx):
    with write_transaction():
        execute_core(INSERT_AUDIT, audit_row("driver-18", actor="first"))
        execute_core(INSERT_AUDIT, audit_row("driver-19", actor="second"))
    with write_transaction():
        with pipelined():  # the first statements of the transaction, with its BEGIN
            second = send_read(AUDIT_BY_ENTITY, {"entity_id": "driver-19"})
            nobody = send_read(AUDIT_BY_ENTITY, {"entity_id": "nobody"})
            first = send_read(AUDIT_BY_ENTITY, {"entity_id": "driver-18"})
        rows = (second.first(), nobody.first(), first.first())
    assert (rows[0].actor, rows[1], rows[2].actor) == ("second", None, "first")
    assert rows[0].at == AT


def test_text_sent_with_others_is_stored_exactly_as_typed(app_ctx):
    # On PostgreSQL the values of statements sent together are quoted into the query.
    typed = "O'Brien \\ 50% off; %(x)s %s $$ -- ') ; DROP TABLE audit_event; --"
    with write_transaction(), pipelined(last=True):
        execute_core(INSERT_AUDIT, audit_row("driver-20", actor=typed, data={"note": typed}))
        execute_core(INSERT_AUDIT, audit_row("driver-21"))
    row = first_row(AUDIT_BY_ENTITY, {"entity_id": "driver-20"})
    assert (row.actor, row.data) == (typed, {"note": typed})
    assert first_row(AUDIT_BY_ENTITY, {"entity_id": "driver-21"}) is not None


def test_a_read_taken_before_its_batch_is_sent_is_a_mistake_not_a_missing_row(app_ctx, backend):
    if backend != "postgresql":
        pytest.skip("SQLite runs each read at once; only PostgreSQL gathers them")
    with write_transaction(), pipelined():
        early = send_read(AUDIT_BY_ENTITY, {"entity_id": "nobody"})
        with pytest.raises(RuntimeError, match="only after the block"):
            early.first()


ECHO = sa.text("SELECT :said IS NULL AS unsaid").columns(unsaid=sa.Boolean)


def test_a_statement_postgresql_will_not_prepare_still_runs_and_the_transaction_goes_on(
    app_ctx, backend
):
    # PostgreSQL cannot infer the type of a parameter that is only tested for NULL.
    with write_transaction():
        execute_core(INSERT_AUDIT, audit_row("driver-22"))
        with pipelined():
            said = send_read(ECHO, {"said": "it's 50% off"})  # quoted in, not prepared
            found = send_read(AUDIT_BY_ENTITY, {"entity_id": "driver-22"})
        assert said.first().unsaid is False
        assert found.first() is not None
        execute_core(INSERT_AUDIT, audit_row("driver-23"))
    assert first_row(AUDIT_BY_ENTITY, {"entity_id": "driver-23"}) is not None
    if backend == "postgresql":
        prepared = db.session.execute(
            sa.text("SELECT statement FROM pg_prepared_statements WHERE name LIKE 'pos_plugin_%'")
        ).scalars()
        statements = " ".join(prepared)
        assert "audit_event.entity_id = $1" in statements
        assert "unsaid" not in statements
