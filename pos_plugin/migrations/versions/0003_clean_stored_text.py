"""clean human text stored by older versions (NUL, control characters, non-NFC), audited

Before the one text type, SQLite kept whatever a request carried, NUL and
escape sequences included. Each dirty value is rewritten the way the text type
would have stored it (NFC, trimmed), with each refused character made a
visible U+FFFD, and every change is written to the audit log with the old value
escaped.

Revision ID: 0003_clean_stored_text
Revises: 0002_audit_append_only
Create Date: 2026-11-25

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from pos_plugin.database import UTCDateTime
from pos_plugin.text import scrub_text

revision = "0003_clean_stored_text"
down_revision = "0002_audit_append_only"
branch_labels = None
depends_on = None

# table, key column, text column, holds several lines, is unique
COLUMNS = [
    ("store", "id", "name", False, False),
    ("staff", "id", "name", False, True),
    ("api_token", "id", "name", False, False),
    ("catalog_item", "id", "name", False, True),
    ("catalog_item", "id", "icon", False, False),
    ("breakdown", "id", "title", False, True),
    ("breakdown", "id", "recovery", True, False),
    ("shift_template", "id", "name", False, False),
    ("shift", "id", "name", False, False),
    ("comp", "id", "note", True, False),
    ("comp", "id", "reason", True, False),
    ("comp", "id", "customer_name", False, False),
    ("comp", "id", "order_ref", False, False),
    ("comp", "id", "void_reason", True, False),
]

AUDIT = sa.table(
    "audit_event",
    sa.column("at", UTCDateTime),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("data", sa.JSON),
)


def _free_value(value: str, taken: set[str], key: object) -> str:
    # Trimming can make two names equal; the later one keeps its row id so both stay.
    return value if value not in taken else f"{value} (#{key})"


def upgrade():
    bind = op.get_bind()
    now = datetime.now(UTC)
    for table_name, key_name, column_name, multiline, unique in COLUMNS:
        table = sa.table(table_name, sa.column(key_name), sa.column(column_name, sa.Text))
        key, column = table.c[key_name], table.c[column_name]
        rows = bind.execute(sa.select(key, column).where(column.is_not(None))).all()
        taken = {value for _, value in rows}
        for row_key, before in rows:
            after = scrub_text(before, multiline=multiline)
            if after == before:
                continue
            if unique:
                taken.discard(before)
                after = _free_value(after, taken, row_key)
                taken.add(after)
            bind.execute(sa.update(table).where(key == row_key).values({column_name: after}))
            bind.execute(
                AUDIT.insert().values(
                    at=now,
                    actor="migration 0003",
                    action="text.cleaned",
                    entity=table_name,
                    entity_id=str(row_key),
                    data={"column": column_name, "before": ascii(before)},
                )
            )


def downgrade():
    # The old values are in the audit log; putting NULs back would serve no one.
    pass
