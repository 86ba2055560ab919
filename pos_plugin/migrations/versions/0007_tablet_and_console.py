"""tablet and manager console: sign-in attempts, manager passwords, over-allowance approvers,
starred stories, suggested notes, token last use, override reasons

Revision ID: 0007_tablet_and_console
Revises: 0006_sync_batches
Create Date: 2026-11-25

"""
import sqlalchemy as sa
from alembic import op

revision = "0007_tablet_and_console"
down_revision = "0006_sync_batches"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_sign_in_attempt_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_attempt")),
    )
    with op.batch_alter_table("sign_in_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_sign_in_attempt_device_at", ["device", "at"], unique=False)
        batch_op.create_index("ix_sign_in_attempt_staff_at", ["staff_id", "at"], unique=False)

    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_hash", sa.String(length=255), nullable=True))
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("catalog_item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("suggested_notes", sa.JSON(), server_default="[]", nullable=False)
        )
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("override_reason", sa.String(length=280), nullable=True)
        )
    with op.batch_alter_table("comp", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("starred_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("starred_by", sa.String(length=120), nullable=True))
        batch_op.create_index(batch_op.f("ix_comp_starred_at"), ["starred_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_comp_approved_by_id_staff"), "staff", ["approved_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("comp", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_comp_approved_by_id_staff"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_comp_starred_at"))
        batch_op.drop_column("starred_by")
        batch_op.drop_column("starred_at")
        batch_op.drop_column("approved_by_id")
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.drop_column("override_reason")
    with op.batch_alter_table("catalog_item", schema=None) as batch_op:
        batch_op.drop_column("suggested_notes")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("password_hash")
    with op.batch_alter_table("sign_in_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_attempt_staff_at")
        batch_op.drop_index("ix_sign_in_attempt_device_at")
    op.drop_table("sign_in_attempt")
