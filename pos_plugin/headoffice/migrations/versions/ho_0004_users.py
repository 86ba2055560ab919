"""people who sign in to head office's pages, their sessions and sign-in tries; a store
can be disabled

Revision ID: ho_0004_users
Revises: ho_0003_starred_by_optional
Create Date: 2026-12-07

"""

import sqlalchemy as sa
from alembic import op

revision = "ho_0004_users"
down_revision = "ho_0003_starred_by_optional"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade():
    # Plain ALTER TABLE, not a batch: remaking ho_store on SQLite would trip ho_set's key.
    op.add_column("ho_store", sa.Column("disabled_at", WHEN, nullable=True))
    op.create_table(
        "ho_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column(
            "role",
            sa.Enum("viewer", "admin", name="ho_user_role", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("unlocked_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ho_user")),
        sa.UniqueConstraint("name", name=op.f("uq_ho_user_name")),
    )
    op.create_table(
        "ho_user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("last_seen_at", WHEN, nullable=False),
        sa.Column("ended_at", WHEN, nullable=True),
        sa.Column("ended_why", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["ho_user.id"],
            name=op.f("fk_ho_user_session_user_id_ho_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ho_user_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_ho_user_session_token_hash")),
    )
    op.create_index(
        "ix_ho_user_session_user_ended", "ho_user_session", ["user_id", "ended_at"]
    )
    op.create_table(
        "ho_signin_try",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=45), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["ho_user.id"],
            name=op.f("fk_ho_signin_try_user_id_ho_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ho_signin_try")),
    )
    op.create_index("ix_ho_signin_try_user_at", "ho_signin_try", ["user_id", "at"])
    op.create_index("ix_ho_signin_try_address_at", "ho_signin_try", ["address", "at"])


def downgrade():
    op.drop_table("ho_signin_try")
    op.drop_table("ho_user_session")
    op.drop_table("ho_user")
    op.execute("ALTER TABLE ho_store DROP COLUMN disabled_at")  # SQLite 3.35+ has it too
