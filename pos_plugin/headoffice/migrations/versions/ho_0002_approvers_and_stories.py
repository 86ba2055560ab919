"""sync format version 2: who approved a comp over the allowance, starred stories with the
customer's name and note, and each set's format version

Revision ID: ho_0002_approvers_and_stories
Revises: ho_0001_initial
Create Date: 2026-11-25

"""

import sqlalchemy as sa
from alembic import op

revision = "ho_0002_approvers_and_stories"
down_revision = "ho_0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    # Sets ingested so far were all written in format version 1.
    with op.batch_alter_table("ho_set") as batch_op:
        batch_op.add_column(
            sa.Column("format_version", sa.Integer(), nullable=False, server_default="1")
        )
    with op.batch_alter_table("ho_set") as batch_op:
        batch_op.alter_column("format_version", server_default=None)
    # ho_comp is partitioned on PostgreSQL: ALTER TABLE on it reaches every partition.
    with op.batch_alter_table("ho_comp") as batch_op:
        batch_op.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("approved_by_name", sa.Text(), nullable=True))
    # Version 1 stories were never written (its stories file held only a header), so the
    # free-text `story` becomes the note, and the customer's name and the staff id join it.
    # Who starred it is taken when the store says, and a story is not refused without it.
    with op.batch_alter_table("ho_story") as batch_op:
        batch_op.alter_column(
            "story", new_column_name="note", existing_type=sa.Text(), nullable=True
        )
        batch_op.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("customer_name", sa.Text(), nullable=True))
        batch_op.alter_column("starred_by", existing_type=sa.Text(), nullable=True)


def downgrade():
    with op.batch_alter_table("ho_story") as batch_op:
        batch_op.drop_column("customer_name")
        batch_op.drop_column("staff_id")
    op.execute("UPDATE ho_story SET note = '' WHERE note IS NULL")
    op.execute("UPDATE ho_story SET starred_by = '' WHERE starred_by IS NULL")
    with op.batch_alter_table("ho_story") as batch_op:
        batch_op.alter_column(
            "note", new_column_name="story", existing_type=sa.Text(), nullable=False
        )
        batch_op.alter_column("starred_by", existing_type=sa.Text(), nullable=False)
    with op.batch_alter_table("ho_comp") as batch_op:
        batch_op.drop_column("approved_by_name")
        batch_op.drop_column("approved_by_id")
    with op.batch_alter_table("ho_set") as batch_op:
        batch_op.drop_column("format_version")
