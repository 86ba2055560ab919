"""Migrations: an empty database upgrades to exactly the schema the models describe."""

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from pos_plugin import create_app, lifecycle
from pos_plugin.database import db


@pytest.fixture
def empty_app(tmp_path, empty_database_url, settings_for):
    app = create_app({"SETTINGS": settings_for(tmp_path / "home", empty_database_url)})
    lifecycle.enable_migrations(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_upgrade_from_empty_matches_the_models(empty_app):
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []


def test_downgrade_to_empty_and_back_up(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        assert "comp" in sa.inspect(db.engine).get_table_names()


def test_the_migrated_audit_log_is_append_only(empty_app):
    with empty_app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO audit_event (at, actor, action, entity, entity_id, data) "
                "VALUES ('2026-01-01 00:00:00', 'a', 'b', 'c', '1', '{}')"
            )
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM audit_event")


def test_text_stored_dirty_by_older_versions_is_cleaned_and_audited(empty_app, backend):
    with empty_app.app_context():
        upgrade(revision="0002_audit_append_only")
        # PostgreSQL never accepted a NUL; on SQLite older versions stored one as sent.
        nul = "\x00" if backend == "sqlite" else ""
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO staff (id, name, role, pin_hash, active, created_at) VALUES "
                    "(1, 'Ana', 'barista', 'x', true, '2026-01-01 00:00:00'), "
                    "(2, 'Ana ', 'barista', 'x', true, '2026-01-01 00:00:00'), "
                    "(3, :dirty, 'barista', 'x', true, '2026-01-01 00:00:00')"
                ),
                {"dirty": "Zoe\u0308\x1b[2J"},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO api_token (id, name, role, token_hash, created_at) VALUES "
                    "(1, :name, 'till', 'h', '2026-01-01 00:00:00')"
                ),
                {"name": f"front{nul}\x07till"},
            )
        upgrade()
        with db.engine.connect() as conn:
            names = dict(conn.execute(sa.text("SELECT id, name FROM staff")).all())
            token = conn.execute(sa.text("SELECT name FROM api_token")).scalar_one()
            audited = conn.execute(
                sa.text("SELECT entity, entity_id FROM audit_event WHERE action = 'text.cleaned'")
            ).all()
    assert names == {1: "Ana", 2: "Ana (#2)", 3: "Zo\u00eb\ufffd[2J"}
    assert token == ("front\ufffd\ufffdtill" if backend == "sqlite" else "front\ufffdtill")
    assert sorted(audited) == [("api_token", "1"), ("staff", "2"), ("staff", "3")]


def test_shift_tallies_are_filled_in_from_the_comps_already_given(empty_app):
    with empty_app.app_context():
        upgrade(revision="0004_print_jobs")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO catalog_item (id, name, value_amount, currency, icon, active, "
                    "position) VALUES (1, 'Cookie', 180, 'EUR', 'c', true, 1)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO shift (id, name, business_date, starts_at, ends_at, "
                    "allowance_amount, currency) VALUES "
                    "(1, 'Morning', '2026-11-24', '2026-11-24 06:00:00', '2026-11-24 11:00:00', "
                    "1000, 'EUR'), "
                    "(2, 'Midday', '2026-11-24', '2026-11-24 11:00:00', '2026-11-24 15:00:00', "
                    "1000, 'EUR')"
                )
            )
            for n, (value, status) in enumerate([(180, "active"), (50, "active"), (70, "voided")]):
                conn.execute(
                    sa.text(
                        "INSERT INTO comp (id, item_id, value_amount, currency, shift_id, "
                        "business_date, created_at, created_by, status) VALUES (:id, 1, :value, "
                        "'EUR', 1, '2026-11-24', '2026-11-24 07:00:00', 'test', :status)"
                    ),
                    {"id": uuid.UUID(int=n + 1).hex, "value": value, "status": status},
                )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT id, used_amount, comps_count FROM shift ORDER BY id")
            ).all()
    assert [tuple(row) for row in rows] == [(1, 230, 2), (2, 0, 0)]


def test_the_server_knows_the_newest_migration_as_alembic_does(empty_app):
    from alembic.script import ScriptDirectory

    with empty_app.app_context():
        config = empty_app.extensions["migrate"].migrate.get_config()
        head = ScriptDirectory.from_config(config).get_current_head()
    assert head == lifecycle.SCHEMA_HEAD, "a new migration: set lifecycle.SCHEMA_HEAD to it"


def test_comps_void_and_star_times_are_indexed_only_where_set(empty_app, backend):
    # A tap gives a comp with neither time: it must not write either index.
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            if backend == "sqlite":
                found = conn.exec_driver_sql(
                    "SELECT name, sql FROM sqlite_master WHERE name LIKE 'ix_comp_%ed_at'"
                ).all()
            else:
                found = conn.exec_driver_sql(
                    "SELECT indexname, indexdef FROM pg_indexes "
                    "WHERE schemaname = current_schema() AND indexname LIKE 'ix_comp_%%ed_at'"
                ).all()
    definitions = dict(found)
    assert set(definitions) == {"ix_comp_voided_at", "ix_comp_starred_at"}
    for name, definition in definitions.items():
        column = name.removeprefix("ix_comp_")
        assert "WHERE" in definition
        assert f"{column} IS NOT NULL" in definition.replace("(", "").replace(")", "")
