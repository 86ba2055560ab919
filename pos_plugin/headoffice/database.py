"""The head office database: its engine, its own Alembic history, and write transactions.

Alembic is imported inside the functions that migrate: the store's `serve` loads
this module through the CLI and must not pay for Alembic (see benchmarks/README.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from pos_plugin.database import IMMEDIATE, configure_sqlite

if TYPE_CHECKING:
    from alembic.config import Config

VERSION_TABLE = "headoffice_alembic_version"
MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine as SQLAlchemy makes it; on SQLite, with its transactions begun by
    SQLAlchemy (so a write can begin IMMEDIATE) and foreign keys on. None of the till's
    tuning: head office is a server, with its own durability settings."""
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine)
    return engine


def _config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def open_database(url: str) -> Engine:
    """An engine on the head office database, its schema brought up to date first."""
    engine = make_engine(url)
    upgrade(engine)
    return engine


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One transaction that writes: committed on success, rolled back on any error.

    On SQLite it begins IMMEDIATE, so two ingests never both read before writing.
    """
    with engine.connect() as connection:
        connection = connection.execution_options(**{IMMEDIATE: True})
        with Session(bind=connection, expire_on_commit=False) as session, session.begin():
            yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(bind=engine, expire_on_commit=False) as session:
        yield session
