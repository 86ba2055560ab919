"""Upgrades keep every store's history: a database at any past revision, filled as that
version of the product filled it, upgrades to the newest schema with every row and
value kept; an upgrade that fails leaves the database exactly as it was, and `init`
says so in one line."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import upgrade_history as history
from flask import Flask
from flask_migrate import upgrade

from pos_plugin import backups, create_app, lifecycle
from pos_plugin.cli import cli
from pos_plugin.database import Base, db


@pytest.fixture
def store_at(
    tmp_path: Path, empty_database_url: str, settings_for: Callable[..., Any]
) -> Iterator[Callable[[int], Flask]]:
    """`store_at(revision)`: the app on a database brought to that past revision only."""
    app = create_app({"SETTINGS": settings_for(tmp_path / "home", empty_database_url)})
    lifecycle.enable_migrations(app)

    def at(revision: int) -> Flask:
        with app.app_context():
            upgrade(revision=history.REVISIONS[revision])
        return app

    yield at
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def snapshot(engine: sa.Engine) -> dict[str, Any]:
    """Every table's columns, indexes, foreign keys and rows: the database as a user has it."""
    inspector = sa.inspect(engine)
    found: dict[str, Any] = {}
    with engine.connect() as connection:
        for name in sorted(inspector.get_table_names()):
            table = sa.table(name, *(sa.column(c["name"]) for c in inspector.get_columns(name)))
            found[name] = (
                [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)],
                sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(name)),
                sorted(str(f) for f in inspector.get_foreign_keys(name)),
                sorted(tuple(map(str, row)) for row in connection.execute(sa.select(table))),
            )
    return found


# -- every past revision, upgraded with its history --------------------------------------------


def test_the_history_covers_every_past_revision_and_every_table_and_column_of_today():
    # So a new migration cannot land without its rows in the upgrade tests.
    from alembic.script import ScriptDirectory

    chain = [s.revision for s in ScriptDirectory(str(lifecycle.MIGRATIONS_DIR)).walk_revisions()]
    assert [*history.REVISIONS.values(), lifecycle.SCHEMA_HEAD] == chain[::-1]
    assert {t.name: {c.name for c in t.columns} for t in Base.metadata.sorted_tables} == {
        name: set(rows[0]) for name, rows in history.HISTORY.items()
    }


@pytest.mark.parametrize(
    "revision", list(history.REVISIONS), ids=[f"{n:04d}" for n in history.REVISIONS]
)
def test_a_store_at_every_past_revision_upgrades_with_every_row_and_value_kept(store_at, revision):
    app = store_at(revision)
    with app.app_context(), db.engine.begin() as connection:
        history.write(connection, revision)

    with app.app_context():
        assert lifecycle.upgrade_schema(app) == lifecycle.SCHEMA_HEAD
        with db.engine.connect() as connection:
            found = {name: history.read(connection, name) for name in history.tables_at(revision)}
        # Today's models read every row back (enums, JSON, ids), table by table.
        loaded = {
            mapper.local_table.name: len(db.session.scalars(sa.select(mapper.class_)).all())
            for mapper in Base.registry.mappers
        }

    assert loaded == {name: len(found.get(name, [])) for name in history.ORDER}
    # 0003 cleans the text older versions stored dirty, and audits it after the history.
    audited = len(history.HISTORY["audit_event"])
    cleaned = found["audit_event"][audited:]
    found["audit_event"] = found["audit_event"][:audited]
    for name, rows in history.expected(revision).items():
        assert found[name] == history.plain_rows(rows), name
    assert [
        (row["actor"], row["action"], row["entity"], uuid.UUID(row["entity_id"]), row["data"])
        for row in cleaned
    ] == (
        [
            (
                "migration 0003",
                "text.cleaned",
                "comp",
                history.DIRTY_COMP,
                {"column": "note", "before": ascii(history.DIRTY_NOTE)},
            )
        ]
        if revision < 3
        else []
    )


def test_the_reported_store_at_0002_with_four_comps_upgrades_through_init(store_at):
    # The report: 0002, a store, staff, an item, a shift and four comps; then `init`
    # failed with "FOREIGN KEY constraint failed" (0004 rebuilds catalog_item on SQLite).
    app = store_at(2)
    with app.app_context(), db.engine.begin() as connection:
        for statement in [
            "INSERT INTO store (id, name, currency, locale, timezone, business_day_starts, "
            "default_allowance_amount) VALUES "
            "('test-cafe', 'Test Cafe', 'EUR', 'en_GB', 'Europe/London', '04:00:00', 1500)",
            "INSERT INTO staff (id, name, role, pin_hash, active, created_at) VALUES "
            "(1, 'Ana', 'barista', 'x', true, '2026-11-20 09:00:00')",
            "INSERT INTO catalog_item (id, name, value_amount, currency, icon, active, position) "
            "VALUES (1, 'Cookie', 180, 'EUR', 'c', true, 1)",
            "INSERT INTO shift (id, name, business_date, starts_at, ends_at, allowance_amount, "
            "currency) VALUES (1, 'Morning', '2026-11-24', '2026-11-24 06:00:00', "
            "'2026-11-24 11:00:00', 1000, 'EUR')",
        ]:
            connection.execute(sa.text(statement))
        for n in range(1, 5):
            connection.execute(
                sa.text(
                    "INSERT INTO comp (id, item_id, value_amount, currency, staff_id, shift_id, "
                    "business_date, created_at, created_by, status) VALUES (:id, 1, 180, 'EUR', "
                    "1, 1, '2026-11-24', '2026-11-24 07:00:00', 'Ana', 'active')"
                ),
                {"id": uuid.UUID(int=n).hex},
            )

    result = app.test_cli_runner().invoke(cli, ["init"])

    assert result.exit_code == 0, result.output
    (backup,) = backups.listed(app.config["POS_PLUGIN_SETTINGS"])
    assert result.stdout.startswith(
        f"Backed up the database before upgrading it: {backup.path}\n"
        f"Database ready (schema {lifecycle.SCHEMA_HEAD}) for Test Cafe [test-cafe]."
    )
    with app.app_context(), db.engine.connect() as connection:
        shift = connection.execute(sa.text("SELECT used_amount, comps_count FROM shift")).one()
        comps = connection.execute(sa.text("SELECT item_id, status FROM comp")).all()
    assert tuple(shift) == (720, 4)
    assert sorted(comps) == [(1, "active")] * 4


def test_a_busy_store_at_the_first_schema_upgrades_through_init_after_a_backup(store_at):
    # The history, and 3,000 comps more on its two shifts, as the first release wrote them.
    app = store_at(1)
    comp = history.table("comp")
    with app.app_context(), db.engine.begin() as connection:
        history.write(connection, 1)
        template = [r for r in history.rows_at("comp", 1) if r["status"] == "active"]
        more = [
            {**template[n % len(template)], "id": uuid.UUID(int=10**6 + n)} for n in range(3000)
        ]
        connection.execute(sa.insert(comp), more)
        count = sa.select(sa.func.count()).select_from(comp)
        tallies = sa.text(
            "SELECT shift_id, sum(value_amount), count(*) FROM comp "
            "WHERE status = 'active' GROUP BY shift_id ORDER BY shift_id"
        )
        comps_before = connection.scalar(count)
        expected = [tuple(row) for row in connection.execute(tallies)]

    result = app.test_cli_runner().invoke(cli, ["init"])

    assert result.exit_code == 0, result.output
    (backup,) = backups.listed(app.config["POS_PLUGIN_SETTINGS"])
    assert "before-upgrade" in backup.path.name
    if backup.path.suffix == ".db":
        taken = backups.check(backup.path)
        assert (taken.revision, taken.comps) == (history.REVISIONS[1], comps_before)
    with app.app_context(), db.engine.connect() as connection:
        assert connection.scalar(count) == comps_before
        found = connection.execute(
            sa.text("SELECT id, used_amount, comps_count FROM shift ORDER BY id")
        ).all()
    assert [tuple(row) for row in found] == expected


# -- a failed upgrade ---------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_comp_pointing_at_no_item_fails_the_upgrade_and_init_says_so_in_one_line(
    store_at, tmp_path
):
    # An older version wrote it with foreign keys off; SQLite's check after the rebuilds
    # finds it, and nothing of the upgrade is kept.
    app = store_at(2)
    with app.app_context(), db.engine.begin() as connection:
        history.write(connection, 2)
    database = sqlite3.connect(tmp_path / "empty.db")  # foreign keys off, as sqlite3 opens it
    with database:
        database.execute(
            "INSERT INTO comp (id, item_id, value_amount, currency, shift_id, business_date, "
            "created_at, created_by, status) SELECT ?, 99, value_amount, currency, shift_id, "
            "business_date, created_at, created_by, status FROM comp LIMIT 1",
            (uuid.UUID(int=99).hex,),
        )
    database.close()
    with app.app_context():
        before = snapshot(db.engine)

    result = app.test_cli_runner().invoke(cli, ["init"])

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    (backup,) = backups.listed(app.config["POS_PLUGIN_SETTINGS"])
    assert result.stderr.splitlines() == [
        "Error: The upgrade failed, and the database was left as it was (at revision "
        "0002_audit_append_only): 1 row points at a row that is not there: "
        "comp row 7 (item_id -> catalog_item)",
        "The backup taken before the upgrade puts it back as it was: "
        f"pos-plugin restore {backup.path} --force",
    ]
    with app.app_context():
        assert snapshot(db.engine) == before


def test_a_failure_half_way_through_leaves_the_database_as_it_was(store_at):
    # 0005 rebuilds the shift table and fills in its tallies; then 0006 finds a table
    # of its name already there. Neither 0005 nor anything else of the upgrade is kept.
    app = store_at(4)
    with app.app_context(), db.engine.begin() as connection:
        history.write(connection, 4)
        connection.execute(sa.text("CREATE TABLE sync_batch (id INTEGER PRIMARY KEY)"))
    with app.app_context():
        before = snapshot(db.engine)

    result = app.test_cli_runner().invoke(cli, ["init"])

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    line, restore = result.stderr.splitlines()
    assert line.startswith(
        "Error: The upgrade failed, and the database was left as it was "
        "(at revision 0004_print_jobs): "
    )
    assert "sync_batch" in line
    assert "already exists" in line
    with app.app_context():
        assert snapshot(db.engine) == before
    # The command it gives puts the backup taken before the upgrade back, as it was.
    (backup,) = backups.listed(app.config["POS_PLUGIN_SETTINGS"])
    assert restore == (
        "The backup taken before the upgrade puts it back as it was: "
        + backups.restore_command(backup.path)
    )
    if backup.path.suffix == ".db":
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE store SET name = 'Changed since'"))
        command = restore.split(": ", 1)[1].split()
        assert command[:2] == ["pos-plugin", "restore"]
        result = app.test_cli_runner().invoke(cli, command[1:])
        assert result.exit_code == 0, result.output
        with app.app_context():
            db.engine.dispose()
            assert snapshot(db.engine) == before


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("fails", [False, True], ids=["upgraded", "failed"])
def test_every_pooled_connection_enforces_foreign_keys_after_an_upgrade(store_at, fails):
    app = store_at(2)
    with app.app_context(), db.engine.begin() as connection:
        history.write(connection, 2)
        if fails:
            connection.execute(sa.text("CREATE TABLE sync_batch (id INTEGER PRIMARY KEY)"))
    with app.app_context():
        if fails:
            with pytest.raises(lifecycle.UpgradeFailed):
                lifecycle.upgrade_schema(app)
        else:
            lifecycle.upgrade_schema(app)
        # The migration's connection is among those the pool holds: take them all at once.
        pool = db.engine.pool
        connections = [db.engine.connect() for _ in range(max(pool.checkedin(), 1))]
        try:
            enforced = [c.exec_driver_sql("PRAGMA foreign_keys").scalar() for c in connections]
        finally:
            for connection in connections:
                connection.close()
    assert enforced == [1] * len(connections)
