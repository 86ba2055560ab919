"""comps' void and star times indexed only where set: a tap writes neither index

Revision ID: 0008_partial_comp_indexes
Revises: 0007_tablet_and_console
Create Date: 2026-12-04

"""
import sqlalchemy as sa
from alembic import op

revision = "0008_partial_comp_indexes"
down_revision = "0007_tablet_and_console"
branch_labels = None
depends_on = None

COLUMNS = ("voided_at", "starred_at")


def upgrade():
    with op.batch_alter_table("comp", schema=None) as batch_op:
        for column in COLUMNS:
            where = sa.text(f"{column} IS NOT NULL")
            batch_op.drop_index(f"ix_comp_{column}")
            batch_op.create_index(
                f"ix_comp_{column}",
                [column],
                unique=False,
                sqlite_where=where,
                postgresql_where=where,
            )


def downgrade():
    with op.batch_alter_table("comp", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_index(f"ix_comp_{column}")
            batch_op.create_index(f"ix_comp_{column}", [column], unique=False)
