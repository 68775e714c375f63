"""The dashboard's monthly roll-up counts coded reports: dashboard_monthly_reports.coded.

A month whose reports nobody has coded yet shows "not yet coded" in the factor table instead
of a row of zeros. Filled by the next roll-up refresh (every 15 minutes, or
``learnhub dashboard refresh``); 0 until then.

Revision ID: b4d2e6f19c30
Revises: b4e19d2c6a70
Create Date: 2026-12-07 21:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b4d2e6f19c30"
down_revision = "b4e19d2c6a70"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("dashboard_monthly_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("coded", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("dashboard_monthly_reports", schema=None) as batch_op:
        batch_op.drop_column("coded")
