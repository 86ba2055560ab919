"""sync batches: the nightly sync's record of each file set; comps indexed by void time

Revision ID: 0006_sync_batches
Revises: 0005_shift_tallies
Create Date: 2026-11-26

"""
import sqlalchemy as sa
from alembic import op

revision = "0006_sync_batches"
down_revision = "0005_shift_tallies"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sync_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("directory", sa.String(length=1024), nullable=False),
        sa.Column("manifest_name", sa.String(length=120), nullable=False),
        sa.Column("comps_count", sa.Integer(), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "exported",
                "delivered",
                "acknowledged",
                "failed",
                "superseded",
                name="sync_batch_state",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("transport", sa.String(length=16), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledgement", sa.String(length=300), nullable=True),
        sa.Column("files_purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_batch")),
        sa.UniqueConstraint(
            "business_date", "sequence", name=op.f("uq_sync_batch_business_date_sequence")
        ),
    )
    with op.batch_alter_table("sync_batch", schema=None) as batch_op:
        batch_op.create_index("ix_sync_batch_state", ["state"], unique=False)
    with op.batch_alter_table("comp", schema=None) as batch_op:
        batch_op.create_index("ix_comp_voided_at", ["voided_at"], unique=False)


def downgrade():
    with op.batch_alter_table("comp", schema=None) as batch_op:
        batch_op.drop_index("ix_comp_voided_at")
    with op.batch_alter_table("sync_batch", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_batch_state")
    op.drop_table("sync_batch")
