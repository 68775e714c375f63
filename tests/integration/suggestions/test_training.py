"""Retraining suggestions from reviewer codes: scores stored, and only a better model goes live."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from learnhub.core.extensions import db
from learnhub.demo.narratives import generate_reports
from learnhub.demo.seed import HINT_CODES
from learnhub.reports.models import ReportSource
from learnhub.reports.services import ReportSubmission, file_report
from learnhub.review import coding
from learnhub.suggestions import training
from learnhub.taxonomy import services as taxonomy
from learnhub.taxonomy.models import SuggestionModel
from tests.factories import make_user


def coded_reports(count: int) -> None:
    """File demo reports and code each with the factors its story was written around."""
    reviewer = make_user()
    version = taxonomy.active_version(db.session)
    for demo in generate_reports(count, today=dt.date(2026, 11, 25)):
        codes = sorted({HINT_CODES[h] for h in demo.factor_hints if h in HINT_CODES})
        if not codes:
            continue
        report = file_report(
            db.session,
            ReportSubmission(
                narrative=demo.what_happened,
                what_made_it_likely=demo.what_made_it_likely,
                event_type=demo.event_type,
                event_month=demo.event_month,
            ),
            today=demo.received_on,
            source=ReportSource.DEMO,
            receipt_key="k",
        ).report
        coding.save_coding(db.session, report, reviewer, version, codes, dt.datetime.now(dt.UTC))
    db.session.commit()


@pytest.mark.usefixtures("app")
def test_too_few_coded_reports_train_nothing() -> None:
    coded_reports(10)
    result = training.retrain(db.session, taxonomy.active_version(db.session))
    assert not result.trained
    assert "at least" in result.message
    assert db.session.scalars(sa.select(SuggestionModel)).all() == []


@pytest.mark.usefixtures("app")
def test_a_better_model_goes_live_and_every_model_keeps_its_scores() -> None:
    coded_reports(300)
    version = taxonomy.active_version(db.session)
    first = training.retrain(db.session, version)
    db.session.commit()
    assert first.activated, first.message
    stored = db.session.scalars(sa.select(SuggestionModel)).one()
    assert stored.is_active
    assert stored.scores["new"]["top3_recall"] > stored.scores["in_use_before"]["top3_recall"]
    assert stored.scores["in_use_algorithm"] != stored.algorithm  # day one was in use before
    assert b"__reduce__" not in stored.artefact  # JSON weights, never a pickle

    # The same reports train the same model: it scores exactly what the one in use scores, and
    # a tie goes to the newer model (suggest.better), so exactly one model stays live.
    second = training.retrain(db.session, version)
    db.session.commit()
    models = db.session.scalars(sa.select(SuggestionModel).order_by(SuggestionModel.id)).all()
    assert len(models) == 2
    assert models[1].scores["new"] == models[1].scores["in_use_before"]
    assert second.activated
    assert [m.is_active for m in models] == [False, True]
    assert training.suggester_for(db.session, version).algorithm == stored.algorithm


def test_retrain_command(runner: FlaskCliRunner) -> None:
    coded_reports(120)
    result = runner.invoke(args=["taxonomy", "retrain"])
    assert result.exit_code == 0, result.output
    assert "top-3 recall" in result.output


@pytest.mark.usefixtures("app")
def test_a_damaged_stored_model_falls_back_to_day_one(caplog: pytest.LogCaptureFixture) -> None:
    version = taxonomy.active_version(db.session)
    db.session.add(
        SuggestionModel(
            taxonomy_version_id=version.id,
            algorithm="broken",
            is_active=True,
            artefact=b'{"not": "a model"}',
        )
    )
    db.session.commit()
    suggester = training.suggester_for(db.session, version)
    assert suggester.algorithm != "broken"
    assert suggester.suggest("No placement could be found for the young person tonight.")
    assert "could not be loaded" in caplog.text
