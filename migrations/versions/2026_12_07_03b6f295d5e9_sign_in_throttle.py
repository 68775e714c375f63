"""Sign-in throttle: accounts are no longer locked in the database.

Failed sign-ins now make further attempts wait, counted in the shared rate-limit store (memory
or Redis) with the email hashed; users.failed_login_count and users.locked_until are unused.
Reviewed by hand: batch mode for SQLite; the downgrade brings the columns back empty.

Revision ID: 03b6f295d5e9
Revises: 5e1f0a7c3b21
Create Date: 2026-12-07 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "03b6f295d5e9"
down_revision = "5e1f0a7c3b21"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_login_count")


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("failed_login_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
