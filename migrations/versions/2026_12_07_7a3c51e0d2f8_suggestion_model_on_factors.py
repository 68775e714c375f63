"""Suggestions carry the model that made them: report_factors.suggestion_model_id.

NULL for the reporter's ticks, reviewers' codes and day-one suggestions (the taxonomy's own
words); a retrain recomputes the suggestions of reports still open for coding that another
model made.

Revision ID: 7a3c51e0d2f8
Revises: 5e1d7c3a9b42
Create Date: 2026-12-07 18:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7a3c51e0d2f8"
down_revision = "5e1d7c3a9b42"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report_factors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suggestion_model_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_report_factors_suggestion_model_id_suggestion_models"),
            "suggestion_models",
            ["suggestion_model_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("report_factors", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_report_factors_suggestion_model_id_suggestion_models"),
            type_="foreignkey",
        )
        batch_op.drop_column("suggestion_model_id")
