"""Dashboard roll-ups: monthly counts the dashboard reads instead of the reports tables.

Revision ID: 2bcfd8ce5d1a
Revises: 8c0cd232e5bb
Create Date: 2026-11-25 23:35:45.379906

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2bcfd8ce5d1a"
down_revision = "8c0cd232e5bb"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dashboard_monthly_codes",
        sa.Column("service_area_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=20), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("tier", sa.String(length=40), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "service_area_id",
            "event_type",
            "month",
            "code",
            name=op.f("pk_dashboard_monthly_codes"),
        ),
    )
    op.create_table(
        "dashboard_monthly_delays",
        sa.Column("service_area_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=20), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(length=20), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "service_area_id",
            "event_type",
            "month",
            "measure",
            "days",
            name=op.f("pk_dashboard_monthly_delays"),
        ),
    )
    op.create_table(
        "dashboard_monthly_reports",
        sa.Column("service_area_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=20), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("triaged", sa.Integer(), nullable=False),
        sa.Column("with_feedback", sa.Integer(), nullable=False),
        sa.Column("deidentified", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "service_area_id", "event_type", "month", name=op.f("pk_dashboard_monthly_reports")
        ),
    )
    op.create_table(
        "dashboard_monthly_tiers",
        sa.Column("service_area_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=20), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("tier", sa.String(length=40), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "service_area_id",
            "event_type",
            "month",
            "tier",
            name=op.f("pk_dashboard_monthly_tiers"),
        ),
    )
    op.create_table(
        "dashboard_refreshes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_refreshes")),
    )


def downgrade():
    op.drop_table("dashboard_refreshes")
    op.drop_table("dashboard_monthly_tiers")
    op.drop_table("dashboard_monthly_reports")
    op.drop_table("dashboard_monthly_delays")
    op.drop_table("dashboard_monthly_codes")
