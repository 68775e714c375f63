"""The one migration history builds exactly the models' schema, and ``init`` is idempotent."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from learnhub import create_app
from learnhub.extensions import db
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
