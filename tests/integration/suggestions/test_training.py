"""Retraining suggestions from reviewer codes: scores stored, and only a better model goes live."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from learnhub.core.extensions import db
from learnhub.demo.narratives import generate_reports
from learnhub.demo.seed import HINT_CODES
from learnhub.reports.models import Report, ReportSource, ReportStatus
from learnhub.reports.services import ReportSubmission, file_report
from learnhub.review import coding
from learnhub.suggestions import jobs, stored, training
from learnhub.taxonomy import services as taxonomy
from learnhub.taxonomy.models import FactorSource, ReportFactor, SuggestionModel
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


def filed(narrative: str) -> Report:
    return file_report(
        db.session,
        ReportSubmission(
            narrative=narrative,
            what_made_it_likely="Everyone was stretched that week.",
            event_type="near_miss",
            event_month=dt.date(2026, 10, 1),
        ),
        today=dt.date(2026, 11, 20),
        source=ReportSource.DEMO,
        receipt_key="k",
    ).report


def suggestions_on(report: Report) -> list[ReportFactor]:
    return [
        factor
        for factor in coding.factors_of(db.session, report)
        if factor.source is FactorSource.SUGGESTED
    ]


@pytest.mark.usefixtures("app")
def test_a_retrain_refits_on_every_coded_report_and_refreshes_reports_being_coded() -> None:
    coded_reports(120)
    version = taxonomy.active_version(db.session)
    text = "The strategy discussion went ahead without the police; nobody rang them back."
    in_coding, closed = filed(text), filed(text)
    in_coding.status = ReportStatus.CODING  # moved to coding, no code confirmed yet
    closed.status = ReportStatus.CLOSED
    already_coded = db.session.scalars(sa.select(Report).where(Report.id != in_coding.id)).first()
    day_one, day_one_id = training.current_suggester(db.session, version)
    assert day_one_id is None
    for report in (in_coding, closed, already_coded):
        stored.store_suggestions(
            db.session, report, version, day_one, training.report_text(report), day_one_id
        )
    db.session.commit()
    shown_before = {f.code_id: f.confidence for f in suggestions_on(already_coded)}

    message = jobs.retrain_suggestions()

    model = db.session.scalars(sa.select(SuggestionModel)).one()
    assert model.is_active, message
    # Refitted on every coded report, the held-out fifth included, once it had won.
    coded = len(training.labelled_reports(db.session, version))
    assert model.trained_on_reports == coded
    assert json.loads(model.artefact)["trained_on"] == coded
    assert "refitted on all" in message
    trained, model_id = training.current_suggester(db.session, version)
    assert model_id == model.id

    refreshed = suggestions_on(in_coding)
    assert refreshed
    assert {f.suggestion_model_id for f in refreshed} == {model.id}
    expected = trained.suggest(training.report_text(in_coding), limit=stored.SUGGESTIONS_KEPT)
    by_id = {code.id: code.code for code in version.codes}
    assert sorted((by_id[f.code_id], f.confidence) for f in refreshed) == sorted(
        (s.code, round(s.score, 4)) for s in expected
    )
    assert "refreshed on 1 reports" in message
    # A closed report, and one a reviewer has coded, keep what was shown.
    assert {f.suggestion_model_id for f in suggestions_on(closed)} == {None}
    assert {f.code_id: f.confidence for f in suggestions_on(already_coded)} == shown_before


@pytest.mark.usefixtures("app")
def test_opening_a_report_after_a_retrain_replaces_suggestions_another_model_made() -> None:
    coded_reports(120)
    version = taxonomy.active_version(db.session)
    report = filed("The interpreter did not come, so the visit went ahead without one.")
    day_one, _ = training.current_suggester(db.session, version)
    first = stored.store_suggestions(db.session, report, version, day_one, "interpreter", None)
    again = stored.store_suggestions(db.session, report, version, day_one, "x", None)
    assert {f.id for f in again} == {f.id for f in first}  # stored once per model
    assert training.retrain(db.session, version).activated
    db.session.commit()
    trained, model_id = training.current_suggester(db.session, version)
    assert model_id is not None
    now = stored.store_suggestions(
        db.session, report, version, trained, training.report_text(report), model_id
    )
    assert {f.suggestion_model_id for f in now} == {model_id}
    assert {f.suggestion_model_id for f in suggestions_on(report)} == {model_id}
