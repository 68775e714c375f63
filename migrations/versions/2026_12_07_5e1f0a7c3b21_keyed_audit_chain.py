"""Keyed audit chain: each entry names the key its MAC was made with, and its place in the chain.

Both columns stay NULL on entries written before this revision: those keep their unkeyed
hashes, and the first keyed entry after them seals them (see docs/audit-trail.md). Adding
nullable columns rewrites nothing on PostgreSQL and is a plain ALTER on SQLite.

Revision ID: 5e1f0a7c3b21
Revises: 5e7713d1a2b4
Create Date: 2026-12-07 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e1f0a7c3b21"
down_revision = "5e7713d1a2b4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("position", sa.BigInteger(), nullable=True))


def downgrade():
    # Keyed entries keep their MACs in entry_hash; an older release reads them as broken.
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("position")
        batch_op.drop_column("key_id")
