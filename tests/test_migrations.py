"""Migrations: an empty database upgrades to exactly the schema the models describe."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from pos_plugin import create_app
from pos_plugin.database import db


@pytest.fixture
def empty_app(tmp_path, empty_database_url, settings_for):
    app = create_app({"SETTINGS": settings_for(tmp_path / "home", empty_database_url)})
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
