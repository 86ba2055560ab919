"""a starred story is taken even when its store did not record who starred it

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
    op.execute("UPDATE ho_story SET starred_by = '' WHERE starred_by IS NULL")
    with op.batch_alter_table("ho_story") as batch_op:
        batch_op.alter_column("starred_by", existing_type=sa.Text(), nullable=False)
