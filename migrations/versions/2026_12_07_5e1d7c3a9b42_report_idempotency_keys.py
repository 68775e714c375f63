"""Report idempotency keys: the first answer to an API filing, kept sealed for its retries.

A keyed hash of the client's Idempotency-Key (primary key, never sequential), the day it was
first used, and the answer sealed under a key derived from the client's key and the server's
secret. Purged by the nightly retention job.

Revision ID: 5e1d7c3a9b42
Revises: 03b6f295d5e9
Create Date: 2026-12-07 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e1d7c3a9b42"
down_revision = "03b6f295d5e9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_idempotency_keys",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("used_on", sa.Date(), nullable=False),
        sa.Column("sealed_answer", sa.Text(), nullable=False),
        # Rewritten by the nightly settling like every anonymous row (learnhub/reports/settle.py).
        sa.Column("settled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_report_idempotency_keys")),
    )
    with op.batch_alter_table("report_idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_idempotency_keys_used_on"), ["used_on"], unique=False
        )
    condition = sa.text("NOT settled")
    op.create_index(
        "ix_report_idempotency_keys_unsettled",
        "report_idempotency_keys",
        ["used_on"],
        postgresql_where=condition,
        sqlite_where=condition,
    )


def downgrade():
    op.drop_index("ix_report_idempotency_keys_unsettled", table_name="report_idempotency_keys")
    with op.batch_alter_table("report_idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_idempotency_keys_used_on"))
    op.drop_table("report_idempotency_keys")
