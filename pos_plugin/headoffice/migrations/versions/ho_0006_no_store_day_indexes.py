"""drop the (store_id, business_date) indexes of ho_comp, ho_shift and ho_story: every
primary key starts (business_date, store_id), which finds a store's day as well, and
each index more is written on every row an ingest loads

Revision ID: ho_0006_no_store_day_indexes
Revises: ho_0005_rollups
Create Date: 2026-12-08

"""

from alembic import op

revision = "ho_0006_no_store_day_indexes"
down_revision = "ho_0005_rollups"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_ho_comp_store_day": "ho_comp",
    "ix_ho_shift_store_day": "ho_shift",
    "ix_ho_story_store_day": "ho_story",
}


def upgrade():
    for name, table in _INDEXES.items():
        op.drop_index(name, table_name=table)


def downgrade():
    for name, table in _INDEXES.items():
        op.create_index(name, table, ["store_id", "business_date"])
