"""Bringing a data directory to life: migrate the schema, apply the store settings."""

from __future__ import annotations

from datetime import datetime

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select

from pos_plugin.database import db, write_transaction
from pos_plugin.models import Store
from pos_plugin.services import store as store_service
from pos_plugin.services.actors import Actor
from pos_plugin.settings import Settings


class DatabaseNotReady(Exception):
    """The schema is missing or older than this version of the code."""


def _script() -> ScriptDirectory:
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config)


def schema_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_schema() -> str | None:
    """Create or upgrade the schema to the newest migration; returns the revision."""
    upgrade()
    return schema_revision()


def has_store_table() -> bool:
    return inspect(db.engine).has_table(Store.__tablename__)


def has_store() -> bool:
    return db.session.scalar(select(func.count()).select_from(Store)) != 0


def check_ready(app: Flask) -> None:
    with app.app_context():
        current = schema_revision()
        head = _script().get_current_head()
        if current != head:
            state = "has no tables yet" if current is None else f"is at revision {current}"
            raise DatabaseNotReady(
                f"The database {state}; this version needs {head}. Run `pos-plugin init`."
            )


def apply_settings(settings: Settings, actor: Actor, now: datetime) -> Store:
    with write_transaction():
        return store_service.apply_settings(settings, actor, now)
