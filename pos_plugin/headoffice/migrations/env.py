"""Alembic environment for the head office database (its own version table)."""

from alembic import context

from pos_plugin.headoffice.database import VERSION_TABLE
from pos_plugin.headoffice.models import HeadOfficeBase

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=HeadOfficeBase.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
