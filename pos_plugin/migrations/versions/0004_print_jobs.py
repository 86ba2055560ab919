"""print queue: print_job table, catalog_item.prints_note, store.prints_notes

Revision ID: 0004_print_jobs
Revises: 0003_clean_stored_text
Create Date: 2026-11-25

"""
import sqlalchemy as sa
from alembic import op

from pos_plugin.database import UTCDateTime

revision = "0004_print_jobs"
down_revision = "0003_clean_stored_text"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "print_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comp_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued", "printed", "expired", "cancelled",
                name="print_job_status", native_enum=False, length=16,
            ),
            nullable=False,
        ),
        sa.Column("queued_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("printed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["comp_id"], ["comp.id"], name=op.f("fk_print_job_comp_id_comp")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_job")),
    )
    with op.batch_alter_table("print_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_print_job_comp_id"), ["comp_id"], unique=False)
        batch_op.create_index("ix_print_job_status_id", ["status", "id"], unique=False)
    with op.batch_alter_table("catalog_item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("prints_note", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("store", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("prints_notes", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("store", schema=None) as batch_op:
        batch_op.drop_column("prints_notes")
    with op.batch_alter_table("catalog_item", schema=None) as batch_op:
        batch_op.drop_column("prints_note")
    with op.batch_alter_table("print_job", schema=None) as batch_op:
        batch_op.drop_index("ix_print_job_status_id")
        batch_op.drop_index(batch_op.f("ix_print_job_comp_id"))
    op.drop_table("print_job")
