"""Bringing a data directory to life: migrate the schema, apply the store settings.

Alembic (through Flask-Migrate) is loaded only by the commands that migrate:
`serve` checks the schema's revision against the newest migration file without
it, which keeps the server's start-up and memory close to Flask's own (issue 10).
"""

from __future__ import annotations

import ast
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import func, inspect, select, text

from pos_plugin.database import db, write_transaction
from pos_plugin.models import Store
from pos_plugin.services import store as store_service
from pos_plugin.services.actors import Actor
from pos_plugin.settings import Settings


class DatabaseNotReady(Exception):
    """The schema is missing or older than this version of the code."""


MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def enable_migrations(app: Flask) -> None:
    """Bind Flask-Migrate to the app (once), for the commands that change the schema."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)


def head_revision() -> str:
    """The newest migration's revision, read from the files (they form one chain)."""
    parents: dict[str, str | None] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        names: dict[str, str | None] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Constant)
            ):
                value = node.value.value
                names[node.targets[0].id] = value if isinstance(value, str) else None
        revision = names.get("revision")
        if revision is None:
            raise RuntimeError(f"{path}: a migration without a revision")
        parents[revision] = names.get("down_revision")
    heads = set(parents) - set(parents.values())
    if len(heads) != 1:
        raise RuntimeError(f"the migrations must form one chain; heads: {sorted(heads)}")
    return heads.pop()


def schema_revision() -> str | None:
    if not inspect(db.engine).has_table("alembic_version"):
        return None
    with db.engine.connect() as connection:
        return connection.scalar(text("SELECT version_num FROM alembic_version"))


def upgrade_schema(app: Flask) -> str | None:
    """Create or upgrade the schema to the newest migration; returns the revision."""
    enable_migrations(app)
    from flask_migrate import upgrade

    upgrade()
    return schema_revision()


def has_store_table() -> bool:
    return inspect(db.engine).has_table(Store.__tablename__)


def has_store() -> bool:
    return db.session.scalar(select(func.count()).select_from(Store)) != 0


def check_ready(app: Flask) -> None:
    with app.app_context():
        current = schema_revision()
        head = head_revision()
        if current != head:
            state = "has no tables yet" if current is None else f"is at revision {current}"
            raise DatabaseNotReady(
                f"The database {state}; this version needs {head}. Run `pos-plugin init`."
            )


def apply_settings(settings: Settings, actor: Actor, now: datetime) -> Store:
    with write_transaction():
        return store_service.apply_settings(settings, actor, now)
