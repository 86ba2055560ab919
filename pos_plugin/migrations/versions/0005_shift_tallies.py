"""shift tallies on the shift row; per-shift indexes for the per-barista and per-item caps

Revision ID: 0005_shift_tallies
Revises: 0004_print_jobs
Create Date: 2026-11-25

"""
import sqlalchemy as sa
from alembic import op

revision = "0005_shift_tallies"
down_revision = "0004_print_jobs"
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE shift SET
  used_amount = (SELECT COALESCE(SUM(value_amount), 0) FROM comp
                 WHERE comp.shift_id = shift.id AND comp.status = 'active'),
  comps_count = (SELECT COUNT(*) FROM comp
                 WHERE comp.shift_id = shift.id AND comp.status = 'active')
"""


def upgrade():
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("used_amount", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("comps_count", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute(BACKFILL)
    with op.batch_alter_table("comp", schema=None) as batch_op:
        batch_op.create_index("ix_comp_shift_staff", ["shift_id", "staff_id"], unique=False)
        batch_op.create_index("ix_comp_shift_item", ["shift_id", "item_id"], unique=False)


def downgrade():
    with op.batch_alter_table("comp", schema=None) as batch_op:
        batch_op.drop_index("ix_comp_shift_item")
        batch_op.drop_index("ix_comp_shift_staff")
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.drop_column("comps_count")
        batch_op.drop_column("used_amount")
