"""Bringing a data directory to life: migrate the schema, apply the store settings.

Alembic (through Flask-Migrate) is imported only by the commands that migrate:
`serve` compares the database's revision with `SCHEMA_HEAD`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from pos_plugin import backups
from pos_plugin.database import db, write_transaction
from pos_plugin.models import Store
from pos_plugin.services import store as store_service
from pos_plugin.services.actors import Actor
from pos_plugin.settings import Settings
from pos_plugin.sqlite_rebuild import UpgradeRefused


class DatabaseNotReady(Exception):
    """The schema is missing or older than this version of the code."""


class UpgradeFailed(Exception):
    """An upgrade failed; the message says where it left the database, why, and the
    command that puts back the backup taken before it."""

    def __init__(
        self, before: str | None, after: str | None, reason: str, backup: Path | None = None
    ) -> None:
        self.before, self.after, self.reason = before, after, reason
        if after == before:  # what the one migration transaction guarantees (env.py)
            state = f"the database was left as it was ({_at(before)})"
        else:
            state = f"the database is now {_at(after)} (it was {_at(before)})"
        message = f"The upgrade failed, and {state}: {reason}"
        if backup is not None:
            message += (
                "\nThe backup taken before the upgrade puts it back as it was: "
                + backups.restore_command(backup)
            )
        super().__init__(message)


@dataclass(frozen=True)
class Upgraded:
    revision: str | None
    # The backup taken before a pending upgrade ran; None for a new or current database.
    backup: backups.Backup | None


def _at(revision: str | None) -> str:
    return "at no revision" if revision is None else f"at revision {revision}"


MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest migration this version of the code needs: `serve` holds the database to it
# at every start. Alembic's ScriptDirectory knows the same, and a test holds the two
# together (tests/test_migrations.py), but importing Alembic took 120 ms of `serve`'s
# 660 ms start-up (measured with -X importtime), so a new migration updates this too.
SCHEMA_HEAD = "0010_print_job_sent_at"


def enable_migrations(app: Flask) -> None:
    """Bind Flask-Migrate to the app (once), for the commands that change the schema."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)


def schema_revision() -> str | None:
    if not inspect(db.engine).has_table("alembic_version"):
        return None
    with db.engine.connect() as connection:
        return connection.scalar(text("SELECT version_num FROM alembic_version"))


def upgrade_schema(app: Flask) -> str | None:
    """Create or upgrade the schema to the newest migration; returns the revision.

    Raises `UpgradeFailed` when the database refused a migration: all pending
    migrations run in one transaction (migrations/env.py), so it was rolled back.
    """
    enable_migrations(app)
    from flask_migrate import upgrade

    before = schema_revision()
    try:
        upgrade()
    except DBAPIError as exc:
        raise UpgradeFailed(before, schema_revision(), _first_line(exc.orig or exc)) from exc
    except UpgradeRefused as exc:
        raise UpgradeFailed(before, schema_revision(), str(exc)) from exc
    return schema_revision()


def upgrade_with_backup(
    app: Flask, settings: Settings, now: datetime, *, backup: bool = True
) -> Upgraded:
    """Upgrade the schema, first backing up a database that has an upgrade pending.

    Raises `backups.BackupError` (nothing migrated) when that backup cannot be taken.
    """
    before = schema_revision()
    taken = None
    if backup and before is not None and before != SCHEMA_HEAD:
        taken = backups.take(settings, now, label="-before-upgrade")
    try:
        revision = upgrade_schema(app)
    except UpgradeFailed as exc:
        raise UpgradeFailed(
            exc.before, exc.after, exc.reason, taken.path if taken else None
        ) from exc
    return Upgraded(revision=revision, backup=taken)


def _first_line(error: BaseException) -> str:
    # PostgreSQL's messages may go on with DETAIL and HINT lines, and the statement.
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def has_store_table() -> bool:
    return inspect(db.engine).has_table(Store.__tablename__)


def has_store() -> bool:
    return db.session.scalar(select(func.count()).select_from(Store)) != 0


def check_ready(app: Flask) -> None:
    with app.app_context():
        current = schema_revision()
        head = SCHEMA_HEAD
        if current != head:
            state = "has no tables yet" if current is None else f"is at revision {current}"
            raise DatabaseNotReady(
                f"The database {state}; this version needs {head}. Run `pos-plugin init`."
            )


def apply_settings(settings: Settings, actor: Actor, now: datetime) -> Store:
    with write_transaction():
        return store_service.apply_settings(settings, actor, now)
