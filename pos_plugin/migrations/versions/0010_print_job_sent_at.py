"""print_job.sent_at: when a note's bytes last went to the printer

The statuses "sending" and "unconfirmed" need no change: the status is a
VARCHAR(16) with no constraint on its values.

Revision ID: 0010_print_job_sent_at
Revises: 0009_devices_and_sessions
Create Date: 2026-12-08

"""
import sqlalchemy as sa
from alembic import op

from pos_plugin.database import UTCDateTime

revision = "0010_print_job_sent_at"
down_revision = "0009_devices_and_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("print_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent_at", UTCDateTime(), nullable=True))
    # A note printed before the upgrade went out when it printed: a reprint says so.
    op.execute("UPDATE print_job SET sent_at = printed_at")


def downgrade():
    # The two new statuses mean nothing to the older code: a note being sent or
    # unconfirmed may be on paper, so it is "printed" there, never sent again by itself.
    op.execute(
        "UPDATE print_job SET status = 'printed', printed_at = sent_at "
        "WHERE status IN ('sending', 'unconfirmed')"
    )
    with op.batch_alter_table("print_job", schema=None) as batch_op:
        batch_op.drop_column("sent_at")
