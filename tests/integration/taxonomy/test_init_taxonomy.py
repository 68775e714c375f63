"""``learnhub init --taxonomy FILE|none`` on a new database: the organisation's own taxonomy (or
none) instead of the built-in one, and init run again leaves the active taxonomy alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from learnhub import create_app
from learnhub.audit.models import AuditEvent
from learnhub.core.extensions import db
from learnhub.taxonomy.catalogue import default_catalogue_path
from learnhub.taxonomy.models import TaxonomyVersion, VersionStatus
from tests.conftest import app_settings
from tests.taxonomy_files import SAFENET_ROWS, write_safenet_csv


@pytest.fixture
def new_app(fresh_database: str) -> Iterator[Flask]:
    app = create_app(app_settings(fresh_database))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def init(app: Flask, *options: str) -> str:
    result = FlaskCliRunner(app).invoke(args=["init", *options])
    assert result.exit_code == 0, result.output
    return result.output


def stored_versions(app: Flask) -> list[tuple[int, str, VersionStatus, int]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(TaxonomyVersion).order_by(TaxonomyVersion.number))
        found = [(v.number, v.label, v.status, len(v.codes)) for v in rows]
        db.session.remove()
    return found


def test_init_installs_the_file_given_and_keeps_it_when_run_again(
    new_app: Flask, tmp_path: Path
) -> None:
    safenet = write_safenet_csv(tmp_path / "safenet-labels.csv")

    first = init(new_app, "--taxonomy", str(safenet))
    again = init(new_app, "--taxonomy", str(default_catalogue_path()))

    assert "taxonomy version 1 is active." in first
    assert "taxonomy version 1 is active and is left as it is (social-care-v1.json was not" in (
        again
    )
    assert stored_versions(new_app) == [
        (1, "safenet-labels", VersionStatus.ACTIVE, len(SAFENET_ROWS))
    ]
    with new_app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.object_type == "taxonomy_version")
        ).one()
        assert (event.action, event.object_id) == ("activate", "1")
        assert event.details == {
            "previous_version": None,
            "file": "safenet-labels.csv",
            "via": "init",
        }
        db.session.remove()


def test_init_with_none_installs_nothing_until_a_file_is_given(
    new_app: Flask, tmp_path: Path
) -> None:
    none = init(new_app, "--taxonomy", "none")
    plain = init(new_app)

    for output in (none, plain):
        assert "no taxonomy is active, so the report form asks for contributing factors in " in (
            output
        )
    assert stored_versions(new_app) == []

    chosen = init(new_app, "--taxonomy", str(write_safenet_csv(tmp_path / "labels.csv")))

    assert "taxonomy version 1 is active." in chosen
    assert stored_versions(new_app) == [(1, "labels", VersionStatus.ACTIVE, len(SAFENET_ROWS))]


def test_a_bad_file_stops_init_before_it_touches_the_database(
    new_app: Flask, tmp_path: Path
) -> None:
    bad = tmp_path / "labels.csv"
    bad.write_text("code,title,definition\nHF-1,Fatigue,\n", encoding="utf-8")
    runner = FlaskCliRunner(new_app)

    refused = runner.invoke(args=["init", "--taxonomy", str(bad)])
    missing = runner.invoke(args=["init", "--taxonomy", str(tmp_path / "nowhere.csv")])

    assert refused.exit_code == 1
    assert "- line 2 (HF-1): definition is empty" in refused.output
    assert missing.exit_code == 2
    assert "is not a file (or write 'none')" in missing.output
    with new_app.app_context():
        assert "taxonomy_versions" not in sa.inspect(db.engine).get_table_names()
