"""The one migration history builds exactly the models' schema, and ``init`` is idempotent."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from learnhub import create_app
from learnhub.core.extensions import db
from learnhub.reports.models import ServiceArea
from learnhub.reports.reference import DEFAULT_SERVICE_AREAS
from learnhub.setup import initialise
from learnhub.taxonomy.models import TaxonomyVersion
from tests.conftest import app_settings


def test_migrations_match_the_models_with_no_drift(fresh_database: str) -> None:
    app = create_app(app_settings(fresh_database))
    with app.app_context():
        initialise()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        tables = set(sa.inspect(db.engine).get_table_names())
        db.session.remove()
        db.engine.dispose()
    assert differences == []
    assert set(db.metadata.tables) <= tables


def test_init_twice_changes_nothing_the_second_time(fresh_database: str) -> None:
    app = create_app(app_settings(fresh_database))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init"])
    second = runner.invoke(args=["init"])
    with app.app_context():
        areas = db.session.scalar(sa.select(sa.func.count()).select_from(ServiceArea))
        versions = db.session.scalar(sa.select(sa.func.count()).select_from(TaxonomyVersion))
        db.session.remove()
        db.engine.dispose()
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert f"{len(DEFAULT_SERVICE_AREAS)} service areas added" in first.output
    assert "0 service areas added" in second.output
    assert areas == len(DEFAULT_SERVICE_AREAS)
    assert "taxonomy version 1 is active" in second.output
    assert versions == 1


def test_rows_filed_before_the_upgrade_get_random_ids_and_keep_their_links(
    fresh_database: str,
) -> None:
    """The anonymous-rows revision re-keys reports, factors and messages already there, and
    every reference to a report moves with it."""
    from flask_migrate import upgrade

    from learnhub.core.resources import resource_dir

    app = create_app(app_settings(fresh_database))
    migrations = str(resource_dir("migrations"))
    with app.app_context():
        # Plain SQL below: the models describe the schema after the upgrade.
        upgrade(directory=migrations, revision="0c853541fe8c")
        with db.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO service_areas (slug, name) VALUES ('a', 'A')"))
            for number in range(1, 6):
                connection.execute(
                    sa.text(
                        "INSERT INTO reports (id, reference, received_on, event_month,"
                        " event_type, narrative, status, source, identifier_flags)"
                        " VALUES (:n, :ref, '2026-12-01', '2026-12-01', 'near_miss',"
                        " :text, 'new', 'web', '[]')"
                    ),
                    {"n": number, "ref": f"REF{number}", "text": f"story {number}"},
                )
                connection.execute(
                    sa.text(
                        "INSERT INTO reporter_messages (id, report_id, direction, body,"
                        " identifier_flags, sent_on) VALUES (:n, :n, 'from_reporter', :text,"
                        " '[]', '2026-12-02')"
                    ),
                    {"n": number, "text": f"reply {number}"},
                )
                connection.execute(
                    sa.text(
                        "INSERT INTO actions (report_id, description, owner, due_on, status,"
                        " created_at, updated_at) VALUES (:n, :text, 'team', '2027-01-01',"
                        " 'open', '2026-12-01 10:00:00', '2026-12-01 10:00:00')"
                    ),
                    {"n": number, "text": f"action {number}"},
                )
        upgrade(directory=migrations)
        with db.engine.connect() as connection:
            linked = connection.execute(
                sa.text(
                    "SELECT r.id, r.reference, m.id, m.body, m.position, a.description"
                    " FROM reports r JOIN reporter_messages m ON m.report_id = r.id"
                    " JOIN actions a ON a.report_id = r.id ORDER BY r.reference"
                )
            ).all()
        db.session.remove()
        db.engine.dispose()
    assert [(row[1], row[3], row[4], row[5]) for row in linked] == [
        (f"REF{n}", f"reply {n}", 1, f"action {n}") for n in range(1, 6)
    ]
    ids = [row[0] for row in linked] + [row[2] for row in linked]
    assert all(6 <= i < 2**53 for i in ids)  # none kept its sequential id
    assert len(set(ids)) == len(ids)
