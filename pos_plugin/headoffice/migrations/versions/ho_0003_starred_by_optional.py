"""a starred story is taken even when its store did not record who starred it

ho_0002 first reached main without this change and was amended a little
later; a head office upgraded in between has `ho_story.starred_by` NOT NULL.
This revision brings every head office to the same schema (for the others it
changes nothing).

Revision ID: ho_0003_starred_by_optional
Revises: ho_0002_approvers_and_stories
Create Date: 2026-11-25

"""

import sqlalchemy as sa
from alembic import op

revision = "ho_0003_starred_by_optional"
down_revision = "ho_0002_approvers_and_stories"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ho_story") as batch_op:
        batch_op.alter_column("starred_by", existing_type=sa.Text(), nullable=True)


def downgrade():
    pass  # ho_0002 as it stands keeps the column optional; its own downgrade restores NOT NULL
