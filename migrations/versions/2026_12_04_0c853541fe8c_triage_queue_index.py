"""Triage queue index: (status, received_on, id), the queue's filter and its whole order.

Replaces (status, received_on), which it covers. Reviewed by hand: the new index is made before
the old one goes, so the queue always has one; on PostgreSQL both are built and dropped
CONCURRENTLY, so reports can still be filed while a large table is indexed.

Revision ID: 0c853541fe8c
Revises: 2bcfd8ce5d1a
Create Date: 2026-12-04 18:23:52.921974

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0c853541fe8c"
down_revision = "2bcfd8ce5d1a"
branch_labels = None
depends_on = None

NEW = "ix_reports_status_received_on_id"
OLD = "ix_reports_status_received_on"


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index(
            NEW, "reports", ["status", "received_on", "id"], postgresql_concurrently=True
        )
        op.drop_index(OLD, table_name="reports", postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        op.create_index(OLD, "reports", ["status", "received_on"], postgresql_concurrently=True)
        op.drop_index(NEW, table_name="reports", postgresql_concurrently=True)
