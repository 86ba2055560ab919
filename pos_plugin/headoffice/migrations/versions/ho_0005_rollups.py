"""rollups of each store-day's comps, in all and by item, barista and breakdown, for the
reports; partial indexes for the detail reports; ho_set keyed by (store, business date,
sequence), so every table with store rows can be distributed by store on Citus

Revision ID: ho_0005_rollups
Revises: ho_0003_starred_by_optional
Create Date: 2026-12-07

"""

import sqlalchemy as sa
from alembic import op

revision = "ho_0005_rollups"
down_revision = "ho_0004_users"
branch_labels = None
depends_on = None

# The sums `pos_plugin.headoffice.rollups` writes, for the days already ingested.
_SUMS = (
    "SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN status = 'active' THEN value_amount ELSE 0 END), "
    "SUM(CASE WHEN status = 'voided' THEN 1 ELSE 0 END)"
)
# Each rollup table: what it sums by beyond store, day and currency, and which comps.
_ROLLUPS = {
    "ho_rollup_day": (None, ""),
    "ho_rollup_item": ("item_name", ""),
    "ho_rollup_barista": ("COALESCE(staff_name, '')", ""),
    "ho_rollup_breakdown": ("breakdown_title", "WHERE breakdown_title IS NOT NULL"),
}
_PARTIAL = {
    "ix_ho_comp_voided_day": ("ho_comp", "status = 'voided'"),
    "ix_ho_comp_approved_day": ("ho_comp", "approved_by_id IS NOT NULL"),
    "ix_ho_shift_overridden_day": ("ho_shift", "overridden_at IS NOT NULL"),
}


def upgrade():
    for table, (name, where) in _ROLLUPS.items():
        named = [sa.Column("name", sa.Text(), nullable=False)] if name else []
        op.create_table(
            table,
            sa.Column("business_date", sa.Date(), nullable=False),
            sa.Column("store_id", sa.String(length=40), nullable=False),
            sa.Column("currency", sa.String(length=3), nullable=False),
            sa.Column("comps", sa.Integer(), nullable=False),
            sa.Column("value", sa.BigInteger(), nullable=False),
            sa.Column("voids", sa.Integer(), nullable=False),
            *named,
            sa.PrimaryKeyConstraint(
                "business_date",
                "store_id",
                "currency",
                *(["name"] if name else []),
                name=op.f(f"pk_{table}"),
            ),
        )
        keys = ", ".join(["business_date", "store_id", "currency", *([name] if name else [])])
        columns = keys.replace(name, "name") if name else keys
        op.execute(
            f"INSERT INTO {table} ({columns}, comps, value, voids) "
            f"SELECT {keys}, {_SUMS} FROM ho_comp {where} GROUP BY {keys}"
        )
    for index, (table, where) in _PARTIAL.items():
        op.create_index(
            index,
            table,
            ["business_date", "store_id"],
            postgresql_where=sa.text(where),
            sqlite_where=sa.text(where),
        )
    # Citus distributes by store: every unique key must hold store_id, and nothing joined on id.
    with op.batch_alter_table("ho_set") as batch_op:
        batch_op.drop_constraint("uq_ho_set_store_id_business_date_sequence", type_="unique")
        batch_op.drop_column("id")
        batch_op.create_primary_key("pk_ho_set", ["store_id", "business_date", "sequence"])


def downgrade():
    with op.batch_alter_table("ho_set") as batch_op:
        batch_op.drop_constraint("pk_ho_set", type_="primary")
        batch_op.create_unique_constraint(
            "uq_ho_set_store_id_business_date_sequence", ["store_id", "business_date", "sequence"]
        )
    # The sets get ids again, oldest first; a serial column fills itself on PostgreSQL.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE ho_set ADD COLUMN id SERIAL")
        op.execute("ALTER TABLE ho_set ADD CONSTRAINT pk_ho_set PRIMARY KEY (id)")
    else:
        with op.batch_alter_table("ho_set") as batch_op:
            batch_op.add_column(sa.Column("id", sa.Integer(), nullable=True))
        op.execute("UPDATE ho_set SET id = rowid")
        with op.batch_alter_table("ho_set", recreate="always") as batch_op:
            batch_op.alter_column("id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_primary_key("pk_ho_set", ["id"])
    for index, (table, _) in _PARTIAL.items():
        op.drop_index(index, table_name=table)
    for table in _ROLLUPS:
        op.drop_table(table)
