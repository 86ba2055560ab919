"""Alembic environment for the store's database (Flask-Migrate's, with the upgrade made whole).

Every pending revision runs in one transaction, on SQLite as on PostgreSQL (both
roll DDL back): an upgrade that fails anywhere leaves the database as it was. On
SQLite, whose batch migrations rebuild tables, foreign keys are off for that
transaction and checked before it commits (`pos_plugin.sqlite_rebuild`).
"""

import logging
from contextlib import nullcontext

from alembic import context
from flask import current_app

from pos_plugin.database import IMMEDIATE
from pos_plugin.sqlite_rebuild import check_foreign_keys, foreign_keys_off

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# No fileConfig(): the app owns logging, and fileConfig would silence its loggers.
logger = logging.getLogger("alembic.env")


def render_item(type_, obj, autogen_context):
    """Render the app's UTCDateTime as a plain DateTime, so migrations never import the app."""
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def get_engine():
    return current_app.extensions["migrate"].db.engine


def get_engine_url():
    return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=get_metadata(), literal_binds=True)

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    conf_args.setdefault("render_item", render_item)
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()
    sqlite = connectable.dialect.name == "sqlite"

    # Foreign keys are turned off before the transaction begins: inside one the pragma
    # does nothing. The transaction writes: on SQLite it takes the write lock first
    # (BEGIN IMMEDIATE), so a running `serve` cannot write between its reads.
    with (
        connectable.connect().execution_options(**{IMMEDIATE: True}) as connection,
        foreign_keys_off(connection) if sqlite else nullcontext(),
    ):
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            # Alembic gives SQLite a transaction per revision, as if its DDL could not
            # roll back; it can, and one transaction keeps a failed upgrade from
            # leaving the database half-way (at the revision before the failure).
            transactional_ddl=True,
            **conf_args,
        )

        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                check_foreign_keys(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
