"""head office: registered stores, ingested sets, comps (partitioned by date on PostgreSQL),
shifts and stories

Revision ID: ho_0001_initial
Revises:
Create Date: 2026-11-26

"""

import sqlalchemy as sa
from alembic import op

revision = "ho_0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ho_store",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("public_key", sa.String(length=80), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ho_store")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_ho_store_token_sha256")),
    )
    op.create_table(
        "ho_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "state",
            sa.Enum("current", "superseded", name="ho_set_state", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("comps_rows", sa.Integer(), nullable=False),
        sa.Column("shifts_rows", sa.Integer(), nullable=False),
        sa.Column("stories_rows", sa.Integer(), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["ho_store.id"], name=op.f("fk_ho_set_store_id_ho_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ho_set")),
        sa.UniqueConstraint(
            "store_id",
            "business_date",
            "sequence",
            name=op.f("uq_ho_set_store_id_business_date_sequence"),
        ),
    )
    op.create_table(
        "ho_comp",
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("comp_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("item_name", sa.Text(), nullable=False),
        sa.Column("value_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("staff_name", sa.Text(), nullable=True),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("order_ref", sa.Text(), nullable=True),
        sa.Column("breakdown_id", sa.Integer(), nullable=True),
        sa.Column("breakdown_title", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_by", sa.Text(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("business_date", "store_id", "comp_id", name=op.f("pk_ho_comp")),
        postgresql_partition_by="RANGE (business_date)",
    )
    op.create_index("ix_ho_comp_store_day", "ho_comp", ["store_id", "business_date"])
    op.create_table(
        "ho_shift",
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("allowance_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("max_comps", sa.Integer(), nullable=True),
        sa.Column("max_comps_per_staff", sa.Integer(), nullable=True),
        sa.Column("used_amount", sa.BigInteger(), nullable=False),
        sa.Column("comps_count", sa.Integer(), nullable=False),
        sa.Column("overridden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overridden_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("business_date", "store_id", "shift_id", name=op.f("pk_ho_shift")),
    )
    op.create_index("ix_ho_shift_store_day", "ho_shift", ["store_id", "business_date"])
    op.create_table(
        "ho_story",
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("comp_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("starred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("starred_by", sa.Text(), nullable=False),
        sa.Column("staff_name", sa.Text(), nullable=True),
        sa.Column("item_name", sa.Text(), nullable=False),
        sa.Column("story", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("business_date", "store_id", "comp_id", name=op.f("pk_ho_story")),
    )
    op.create_index("ix_ho_story_store_day", "ho_story", ["store_id", "business_date"])


def downgrade():
    op.drop_index("ix_ho_story_store_day", table_name="ho_story")
    op.drop_table("ho_story")
    op.drop_index("ix_ho_shift_store_day", table_name="ho_shift")
    op.drop_table("ho_shift")
    op.drop_index("ix_ho_comp_store_day", table_name="ho_comp")
    op.drop_table("ho_comp")  # on PostgreSQL its monthly partitions go with it
    op.drop_table("ho_set")
    op.drop_table("ho_store")
