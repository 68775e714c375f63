"""Anonymous rows: random ids, a per-thread message position, and the nightly settling's flag.

Reviewed by hand. Reports, their factors and the follow-up messages take random 53-bit ids
(learnhub.core.database.random_id) instead of a sequence, so no id orders them: on PostgreSQL
the ids and every column pointing at a report widen to BIGINT and the sequences go; SQLite's
INTEGER is 64-bit already. Existing rows are given random ids too, children first, with the
foreign keys checked at the end of the step. ``settled`` starts false everywhere, so the first
nightly settling rewrites every existing anonymous row (one long run on a large database: run
`learnhub reports settle` at a quiet time after upgrading). Downgrading keeps the BIGINT ids and
gives the tables sequences again, starting above the largest id.

Revision ID: 5e7713d1a2b4
Revises: 0c853541fe8c
Create Date: 2026-12-07 10:02:11.000000

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e7713d1a2b4"
down_revision = "0c853541fe8c"
branch_labels = None
depends_on = None

RANDOM_ID_LIMIT = 2**53  # as learnhub.core.database.RANDOM_ID_LIMIT, frozen for this revision
RANDOM_IDS = ("reports", "report_factors", "reporter_messages")
# (table, its foreign key to reports.id)
REPORT_REFERENCES = (
    ("report_factors", "fk_report_factors_report_id_reports"),
    ("reporter_messages", "fk_reporter_messages_report_id_reports"),
    ("actions", "fk_actions_report_id_reports"),
    ("theme_members", "fk_theme_members_report_id_reports"),
    ("bulletin_items", "fk_bulletin_items_report_id_reports"),
    ("factor_changes", "fk_factor_changes_report_id_reports"),
    ("reviewer_codings", "fk_reviewer_codings_report_id_reports"),
)
SETTLED = {
    "reports": "received_on",
    "report_factors": "report_id",
    "reporter_messages": "sent_on",
    "spent_submissions": "spent_on",
}


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for table in RANDOM_IDS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN id DROP DEFAULT")
            op.execute(f"DROP SEQUENCE IF EXISTS {table}_id_seq")
            op.alter_column(table, "id", type_=sa.BigInteger(), existing_type=sa.Integer())
        for table, _ in REPORT_REFERENCES:
            op.alter_column(table, "report_id", type_=sa.BigInteger(), existing_type=sa.Integer())
    for table, column in SETTLED.items():
        # A plain ADD COLUMN on SQLite too: a batch copy of reports would drop the table, and with
        # it (foreign keys being on) the references to every report.
        op.add_column(
            table, sa.Column("settled", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        condition = sa.text("NOT settled")
        op.create_index(
            f"ix_{table}_unsettled",
            table,
            [column],
            postgresql_where=condition,
            sqlite_where=condition,
        )
    op.add_column(
        "reporter_messages",
        sa.Column("position", sa.Integer(), server_default="1", nullable=False),
    )
    op.execute(
        "UPDATE reporter_messages SET position = (SELECT count(*) FROM reporter_messages AS m"
        " WHERE m.report_id = reporter_messages.report_id AND m.id <= reporter_messages.id)"
    )
    _random_ids_for_existing_rows(postgres)


def _random_ids_for_existing_rows(postgres: bool) -> None:
    """Replace the sequential ids of rows already there. The foreign keys are checked once all
    of a report's references have moved with it (SQLite: at commit; PostgreSQL: made deferrable
    for the step, then checked and made immediate again)."""
    bind = op.get_bind()
    if postgres:
        for table, constraint in REPORT_REFERENCES:
            op.execute(f"ALTER TABLE {table} ALTER CONSTRAINT {constraint} DEFERRABLE")
        op.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        op.execute("PRAGMA defer_foreign_keys = ON")
    for name in RANDOM_IDS:
        table = sa.table(name, sa.column("id"))
        old_ids = list(bind.execute(sa.select(table.c.id)).scalars())
        new_ids: set[int] = set()
        while len(new_ids) < len(old_ids):
            new_ids.add(secrets.randbelow(RANDOM_ID_LIMIT - 1) + 1)
        # Negative first, so a new id can never meet an old one mid-way.
        pairs = [{"old": old, "new": -new} for old, new in zip(old_ids, new_ids, strict=True)]
        if not pairs:
            continue
        moves = [(table, table.c.id)]
        if name == "reports":
            children = [sa.table(child, sa.column("report_id")) for child, _ in REPORT_REFERENCES]
            moves += [(child, child.c.report_id) for child in children]
        for target, column in moves:
            bind.execute(
                sa.update(target)
                .where(column == sa.bindparam("old"))
                .values({column.name: sa.bindparam("new")}),
                pairs,
            )
        for target, column in moves:
            bind.execute(sa.update(target).where(column < 0).values({column.name: -column}))
    if postgres:
        op.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, constraint in REPORT_REFERENCES:
            op.execute(f"ALTER TABLE {table} ALTER CONSTRAINT {constraint} NOT DEFERRABLE")


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("reporter_messages") as batch_op:
        batch_op.drop_column("position")
    for table in SETTLED:
        op.drop_index(f"ix_{table}_unsettled", table_name=table)
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("settled")
    if postgres:
        for table in RANDOM_IDS:
            op.execute(f"CREATE SEQUENCE {table}_id_seq OWNED BY {table}.id")
            largest = sa.select(sa.func.max(sa.table(table, sa.column("id")).c.id))
            start = op.get_bind().scalar(largest) or 0
            op.execute(f"SELECT setval('{table}_id_seq', {int(start) + 1}, false)")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{table}_id_seq')")
