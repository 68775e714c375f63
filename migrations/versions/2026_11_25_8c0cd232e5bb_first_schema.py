"""First schema: every table of the LearnHub data model.

Reviewed by hand: enums are VARCHAR with CHECK constraints (portable between SQLite and
PostgreSQL); booleans default through sa.true()/sa.false() so each dialect writes its own
literal; timestamps are timezone-aware; reports hold dates only and no link to any account.

Revision ID: 8c0cd232e5bb
Revises:
Create Date: 2026-11-25 21:47:20.143507

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8c0cd232e5bb"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_locks",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_locks")),
    )
    op.create_table(
        "service_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_areas")),
        sa.UniqueConstraint("name", name=op.f("uq_service_areas_name")),
        sa.UniqueConstraint("slug", name=op.f("uq_service_areas_slug")),
    )
    op.create_table(
        "spent_submissions",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_spent_submissions")),
    )
    with op.batch_alter_table("spent_submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_spent_submissions_spent_on"), ["spent_on"], unique=False
        )

    op.create_table(
        "subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "confirmed",
                "unsubscribed",
                name="subscriber_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "signup",
                "import",
                name="subscriber_source",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscribers")),
        sa.UniqueConstraint("email", name=op.f("uq_subscribers_email")),
    )
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscribers_status"), ["status"], unique=False)

    op.create_table(
        "taxonomy_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "active",
                "retired",
                name="taxonomy_version_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomy_versions")),
        sa.UniqueConstraint("number", name=op.f("uq_taxonomy_versions_number")),
    )
    op.create_table(
        "theme_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "succeeded",
                "failed",
                name="theme_run_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("input_digest", sa.String(length=64), nullable=True),
        sa.Column("reports_read", sa.Integer(), nullable=False),
        sa.Column("candidates_new", sa.Integer(), nullable=False),
        sa.Column("candidates_updated", sa.Integer(), nullable=False),
        sa.Column("candidates_retired", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_runs")),
    )
    with op.batch_alter_table("theme_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_theme_runs_started_at"), ["started_at"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "reviewer",
                "editor",
                "leader",
                "admin",
                name="user_role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("is_enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("session_token", sa.String(length=64), nullable=False),
        sa.Column("failed_login_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("session_token", name=op.f("uq_users_session_token")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_role"), ["role"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_on", sa.Date(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_events_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("entry_hash", name=op.f("uq_audit_events_entry_hash")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index("ix_audit_events_object", ["object_type", "object_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_events_occurred_at"), ["occurred_at"], unique=False
        )

    op.create_table(
        "bulletins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("lead_markdown", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "awaiting_approval",
                "approved",
                "published",
                name="bulletin_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("published_html", sa.Text(), nullable=True),
        sa.Column("published_text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("send_after", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "approved_by_id IS NULL OR submitted_by_id IS NULL OR approved_by_id <> submitted_by_id",
            name=op.f("ck_bulletins_second_person_approves"),
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_bulletins_approved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_bulletins_submitted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletins")),
        sa.UniqueConstraint("number", name=op.f("uq_bulletins_number")),
        sa.UniqueConstraint("period", name=op.f("uq_bulletins_period")),
    )
    with op.batch_alter_table("bulletins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bulletins_status"), ["status"], unique=False)

    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("receipt_hash", sa.String(length=64), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("event_month", sa.Date(), nullable=False),
        sa.Column(
            "event_type",
            sa.Enum(
                "near_miss",
                "no_harm",
                "harm",
                "good_practice",
                name="event_type",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "potential_severity",
            sa.Enum(
                "low",
                "moderate",
                "serious",
                "severe",
                name="potential_severity",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("what_nearly_happened", sa.Text(), server_default="", nullable=False),
        sa.Column("what_stopped_it", sa.Text(), server_default="", nullable=False),
        sa.Column("what_made_it_likely", sa.Text(), server_default="", nullable=False),
        sa.Column("what_would_help", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "reporter_role",
            sa.Enum(
                "social_worker",
                "senior_practitioner",
                "team_manager",
                "personal_adviser",
                "family_support",
                "residential",
                "business_support",
                "other",
                name="reporter_role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("service_area_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "new",
                "awaiting_reporter",
                "coding",
                "ready_for_learning",
                "closed",
                name="report_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "web",
                "api",
                "import",
                "demo",
                name="report_source",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("identifier_flags", sa.JSON(), nullable=False),
        sa.Column("redacted", sa.JSON(), nullable=True),
        sa.Column("deidentified_on", sa.Date(), nullable=True),
        sa.Column("taxonomy_version_id", sa.Integer(), nullable=True),
        sa.Column("triaged_on", sa.Date(), nullable=True),
        sa.Column("first_feedback_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("import_key", sa.String(length=64), nullable=True),
        sa.Column("narrative_purged_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "narrative <> '' OR narrative_purged_on IS NOT NULL",
            name=op.f("ck_reports_has_narrative"),
        ),
        sa.ForeignKeyConstraint(
            ["service_area_id"],
            ["service_areas.id"],
            name=op.f("fk_reports_service_area_id_service_areas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["taxonomy_version_id"],
            ["taxonomy_versions.id"],
            name=op.f("fk_reports_taxonomy_version_id_taxonomy_versions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("import_key", name=op.f("uq_reports_import_key")),
        sa.UniqueConstraint("receipt_hash", name=op.f("uq_reports_receipt_hash")),
        sa.UniqueConstraint("reference", name=op.f("uq_reports_reference")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reports_area_event_month", ["service_area_id", "event_month"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reports_event_month"), ["event_month"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_event_type"), ["event_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_received_on"), ["received_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_reports_status_received_on", ["status", "received_on"], unique=False
        )

    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_settings_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "suggestion_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taxonomy_version_id", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=80), nullable=False),
        sa.Column("trained_on_reports", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("artefact", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["taxonomy_version_id"],
            ["taxonomy_versions.id"],
            name=op.f("fk_suggestion_models_taxonomy_version_id_taxonomy_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_models")),
    )
    with op.batch_alter_table("suggestion_models", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_suggestion_models_taxonomy_version_id"),
            ["taxonomy_version_id"],
            unique=False,
        )

    op.create_table(
        "taxonomy_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("tier", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("includes", sa.Text(), server_default="", nullable=False),
        sa.Column("excludes", sa.Text(), server_default="", nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("ycff_domain", sa.String(length=80), server_default="", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["taxonomy_versions.id"],
            name=op.f("fk_taxonomy_codes_version_id_taxonomy_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomy_codes")),
        sa.UniqueConstraint("version_id", "code", name=op.f("uq_taxonomy_codes_version_id_code")),
    )
    with op.batch_alter_table("taxonomy_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_taxonomy_codes_tier"), ["tier"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_taxonomy_codes_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "factor_combination",
                "text_cluster",
                name="theme_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "candidate",
                "accepted",
                "dismissed",
                "merged",
                "retired",
                name="theme_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "learning_status",
            sa.Enum(
                "monitoring",
                "active_learning",
                "closed",
                name="learning_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("owner", sa.String(length=200), server_default="", nullable=False),
        sa.Column("defining_codes", sa.JSON(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("monthly_counts", sa.JSON(), nullable=False),
        sa.Column("statistics", sa.JSON(), nullable=False),
        sa.Column("is_rising", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("first_run_id", sa.Integer(), nullable=True),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("dismissed_reason", sa.Text(), nullable=True),
        sa.Column("dismissed_member_count", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_themes_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["first_run_id"],
            ["theme_runs.id"],
            name=op.f("fk_themes_first_run_id_theme_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["last_run_id"],
            ["theme_runs.id"],
            name=op.f("fk_themes_last_run_id_theme_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["themes.id"],
            name=op.f("fk_themes_merged_into_id_themes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_themes")),
        sa.UniqueConstraint("signature", name=op.f("uq_themes_signature")),
    )
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_themes_status"), ["status"], unique=False)

    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("owner_email", sa.String(length=320), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "in_progress",
                "completed",
                "cancelled",
                name="action_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("completion_evidence", sa.Text(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "theme_id IS NOT NULL OR report_id IS NOT NULL",
            name=op.f("ck_actions_linked_to_theme_or_report"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_actions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_actions_report_id_reports"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_actions_theme_id_themes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actions_report_id"), ["report_id"], unique=False)
        batch_op.create_index("ix_actions_status_due_on", ["status", "due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_actions_theme_id"), ["theme_id"], unique=False)

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bulletin_id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sending",
                "sent",
                "failed_temporary",
                "failed_permanent",
                name="delivery_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["bulletin_id"],
            ["bulletins.id"],
            name=op.f("fk_deliveries_bulletin_id_bulletins"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_deliveries_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint(
            "bulletin_id", "subscriber_id", name=op.f("uq_deliveries_bulletin_id_subscriber_id")
        ),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deliveries_bulletin_status", ["bulletin_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_deliveries_subscriber_id"), ["subscriber_id"], unique=False
        )

    op.create_table(
        "factor_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "confirmed",
                "added",
                "removed",
                name="coding_action",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "prompted_by",
            sa.Enum(
                "reporter",
                "suggested",
                "reviewer",
                name="factor_change_prompt",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["taxonomy_codes.id"],
            name=op.f("fk_factor_changes_code_id_taxonomy_codes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_factor_changes_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_factor_changes_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_changes")),
    )
    with op.batch_alter_table("factor_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_factor_changes_code_id"), ["code_id"], unique=False)
        batch_op.create_index(
            "ix_factor_changes_report_changed", ["report_id", "changed_at"], unique=False
        )

    op.create_table(
        "report_factors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "reporter",
                "suggested",
                "reviewer",
                name="factor_source",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "confirmed",
                "removed",
                name="factor_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("confidence", sa.Double(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "source <> 'reporter' OR (decided_by_id IS NULL AND decided_at IS NULL)",
            name=op.f("ck_report_factors_reporter_tick_anonymous"),
        ),
        sa.CheckConstraint(
            "confidence IS NULL OR (confidence >= 0 AND confidence <= 1)",
            name=op.f("ck_report_factors_confidence_range"),
        ),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["taxonomy_codes.id"],
            name=op.f("fk_report_factors_code_id_taxonomy_codes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_report_factors_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_factors_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_factors")),
        sa.UniqueConstraint(
            "report_id",
            "code_id",
            "source",
            name=op.f("uq_report_factors_report_id_code_id_source"),
        ),
    )
    with op.batch_alter_table("report_factors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_factors_code_id"), ["code_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_report_factors_report_id"), ["report_id"], unique=False
        )

    op.create_table(
        "reporter_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column(
            "direction",
            sa.Enum(
                "to_reporter",
                "from_reporter",
                name="message_direction",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("identifier_flags", sa.JSON(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("seen_by_panel", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint(
            "direction = 'to_reporter' OR author_id IS NULL",
            name=op.f("ck_reporter_messages_reporter_is_anonymous"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_reporter_messages_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_reporter_messages_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporter_messages")),
    )
    with op.batch_alter_table("reporter_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reporter_messages_report_id"), ["report_id"], unique=False
        )

    op.create_table(
        "reviewer_codings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("taxonomy_version_id", sa.Integer(), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("coded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_reviewer_codings_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_reviewer_codings_reviewer_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["taxonomy_version_id"],
            ["taxonomy_versions.id"],
            name=op.f("fk_reviewer_codings_taxonomy_version_id_taxonomy_versions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviewer_codings")),
        sa.UniqueConstraint(
            "report_id", "reviewer_id", name=op.f("uq_reviewer_codings_report_id_reviewer_id")
        ),
    )
    with op.batch_alter_table("reviewer_codings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reviewer_codings_report_id"), ["report_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reviewer_codings_reviewer_id"), ["reviewer_id"], unique=False
        )

    op.create_table(
        "taxonomy_code_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_code_id", sa.Integer(), nullable=False),
        sa.Column("to_code_id", sa.Integer(), nullable=False),
        sa.Column(
            "relation",
            sa.Enum(
                "same",
                "renamed",
                "merged",
                "split",
                name="mapping_relation",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["from_code_id"],
            ["taxonomy_codes.id"],
            name=op.f("fk_taxonomy_code_mappings_from_code_id_taxonomy_codes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_code_id"],
            ["taxonomy_codes.id"],
            name=op.f("fk_taxonomy_code_mappings_to_code_id_taxonomy_codes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomy_code_mappings")),
        sa.UniqueConstraint(
            "from_code_id",
            "to_code_id",
            name=op.f("uq_taxonomy_code_mappings_from_code_id_to_code_id"),
        ),
    )
    with op.batch_alter_table("taxonomy_code_mappings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_taxonomy_code_mappings_from_code_id"), ["from_code_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_taxonomy_code_mappings_to_code_id"), ["to_code_id"], unique=False
        )

    op.create_table(
        "theme_members",
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("similarity", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_theme_members_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_theme_members_theme_id_themes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("theme_id", "report_id", name=op.f("pk_theme_members")),
    )
    with op.batch_alter_table("theme_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_theme_members_report_id"), ["report_id"], unique=False)

    op.create_table(
        "bulletin_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bulletin_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "theme",
                "action",
                "story",
                "figure",
                name="bulletin_item_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("heading", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["actions.id"],
            name=op.f("fk_bulletin_items_action_id_actions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["bulletin_id"],
            ["bulletins.id"],
            name=op.f("fk_bulletin_items_bulletin_id_bulletins"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_bulletin_items_report_id_reports"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_bulletin_items_theme_id_themes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletin_items")),
    )
    with op.batch_alter_table("bulletin_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bulletin_items_bulletin_position", ["bulletin_id", "position"], unique=False
        )


def downgrade():
    with op.batch_alter_table("bulletin_items", schema=None) as batch_op:
        batch_op.drop_index("ix_bulletin_items_bulletin_position")

    op.drop_table("bulletin_items")
    with op.batch_alter_table("theme_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theme_members_report_id"))

    op.drop_table("theme_members")
    with op.batch_alter_table("taxonomy_code_mappings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_taxonomy_code_mappings_to_code_id"))
        batch_op.drop_index(batch_op.f("ix_taxonomy_code_mappings_from_code_id"))

    op.drop_table("taxonomy_code_mappings")
    with op.batch_alter_table("reviewer_codings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviewer_codings_reviewer_id"))
        batch_op.drop_index(batch_op.f("ix_reviewer_codings_report_id"))

    op.drop_table("reviewer_codings")
    with op.batch_alter_table("reporter_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reporter_messages_report_id"))

    op.drop_table("reporter_messages")
    with op.batch_alter_table("report_factors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_factors_report_id"))
        batch_op.drop_index(batch_op.f("ix_report_factors_code_id"))

    op.drop_table("report_factors")
    with op.batch_alter_table("factor_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_factor_changes_report_changed")
        batch_op.drop_index(batch_op.f("ix_factor_changes_code_id"))

    op.drop_table("factor_changes")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_subscriber_id"))
        batch_op.drop_index("ix_deliveries_bulletin_status")

    op.drop_table("deliveries")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actions_theme_id"))
        batch_op.drop_index("ix_actions_status_due_on")
        batch_op.drop_index(batch_op.f("ix_actions_report_id"))

    op.drop_table("actions")
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_themes_status"))

    op.drop_table("themes")
    with op.batch_alter_table("taxonomy_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_taxonomy_codes_version_id"))
        batch_op.drop_index(batch_op.f("ix_taxonomy_codes_tier"))

    op.drop_table("taxonomy_codes")
    with op.batch_alter_table("suggestion_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suggestion_models_taxonomy_version_id"))

    op.drop_table("suggestion_models")
    op.drop_table("settings")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_status_received_on")
        batch_op.drop_index(batch_op.f("ix_reports_status"))
        batch_op.drop_index(batch_op.f("ix_reports_received_on"))
        batch_op.drop_index(batch_op.f("ix_reports_event_type"))
        batch_op.drop_index(batch_op.f("ix_reports_event_month"))
        batch_op.drop_index("ix_reports_area_event_month")

    op.drop_table("reports")
    with op.batch_alter_table("bulletins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bulletins_status"))

    op.drop_table("bulletins")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_occurred_at"))
        batch_op.drop_index("ix_audit_events_object")
        batch_op.drop_index(batch_op.f("ix_audit_events_actor_id"))

    op.drop_table("audit_events")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_role"))

    op.drop_table("users")
    with op.batch_alter_table("theme_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theme_runs_started_at"))

    op.drop_table("theme_runs")
    op.drop_table("taxonomy_versions")
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscribers_status"))

    op.drop_table("subscribers")
    with op.batch_alter_table("spent_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spent_submissions_spent_on"))

    op.drop_table("spent_submissions")
    op.drop_table("service_areas")
    op.drop_table("job_locks")
