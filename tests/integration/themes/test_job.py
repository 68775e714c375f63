"""The theme job on a real database: finds the demo's planted patterns, keeps theme identity
from run to run, records every run, and leaves themes intact when a run fails."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from learnhub.core.extensions import db
from learnhub.demo.narratives import generate_reports
from learnhub.demo.seed import reporter_ticks, submission_for
from learnhub.reports.models import ReportSource
from learnhub.reports.services import file_report
from learnhub.themes import services
from learnhub.themes.detect import DetectionParameters
from learnhub.themes.models import RunStatus, Theme, ThemeMember, ThemeRun, ThemeStatus
from learnhub.themes.services import run_detection

TODAY = dt.date(2026, 11, 25)


def demo_reports(count: int) -> None:
    for demo in generate_reports(count, today=TODAY):
        submission = submission_for(demo)
        submission.factor_codes = reporter_ticks(demo)
        file_report(
            db.session,
            submission,
            today=demo.received_on,
            source=ReportSource.DEMO,
            receipt_key="k",
        )
    db.session.commit()


def theme_ids() -> dict[str, int]:
    return {t.signature: t.id for t in db.session.scalars(sa.select(Theme))}


@pytest.mark.usefixtures("app")
def test_a_run_finds_recurring_factors_and_keeps_identity_next_time() -> None:
    demo_reports(600)
    first = run_detection(db.session, TODAY)
    assert first.status is RunStatus.SUCCEEDED
    assert first.reports_read > 300
    assert first.candidates_new > 0
    themes = db.session.scalars(sa.select(Theme)).all()
    assert all(t.status is ThemeStatus.CANDIDATE and t.member_count >= 3 for t in themes)
    codes = {code for t in themes for code in t.defining_codes}
    assert codes & {"EXT-1", "PRE-TEAM-3", "PRE-TEAM-1", "PRE-TECH-1", "ORG-7", "PRE-FAM-2"}
    members = db.session.scalar(sa.select(sa.func.count()).select_from(ThemeMember))
    assert members == sum(t.member_count for t in themes)

    before = theme_ids()
    second = run_detection(db.session, TODAY)
    assert second.candidates_new == 0
    assert second.candidates_updated == len(before)
    assert theme_ids() == before
    assert second.input_digest == first.input_digest


@pytest.mark.usefixtures("app")
def test_a_run_that_fails_midway_is_recorded_and_leaves_the_themes_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    demo_reports(300)
    run_detection(db.session, TODAY)
    before = theme_ids()
    members_before = db.session.scalar(sa.select(sa.func.count()).select_from(ThemeMember))

    def fail_while_writing(*args: object, **kwargs: object) -> None:
        # Fault injection: the run dies after it has started changing themes.
        db.session.execute(sa.delete(ThemeMember))
        raise RuntimeError("simulated crash mid-run")

    monkeypatch.setattr(services, "record_reconciliation", fail_while_writing)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_detection(db.session, TODAY, DetectionParameters(text_clusters=False))
    failed = db.session.scalars(sa.select(ThemeRun).order_by(ThemeRun.id.desc())).first()
    assert failed.status is RunStatus.FAILED
    assert "simulated crash mid-run" in failed.error
    assert theme_ids() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ThemeMember)) == members_before


def test_themes_detect_command(runner: FlaskCliRunner) -> None:
    demo_reports(200)
    result = runner.invoke(args=["themes", "detect"])
    assert result.exit_code == 0, result.output
    assert "reports read" in result.output


@pytest.mark.usefixtures("app")
def test_a_later_run_keeps_what_the_panel_merged_into_a_theme() -> None:
    from learnhub.themes import triage

    demo_reports(600)
    run_detection(db.session, TODAY)
    target, source = db.session.scalars(
        sa.select(Theme).where(Theme.kind == "factor_combination").order_by(Theme.id).limit(2)
    ).all()
    triage.merge(db.session, source, target, None)
    db.session.commit()
    merged_members = set(
        db.session.scalars(
            sa.select(ThemeMember.report_id).where(ThemeMember.theme_id == source.id)
        )
    )

    run_detection(db.session, TODAY)

    db.session.expire_all()
    target = db.session.get(Theme, target.id)
    source = db.session.get(Theme, source.id)
    assert source.status is ThemeStatus.MERGED
    assert source.merged_into_id == target.id
    kept = set(
        db.session.scalars(
            sa.select(ThemeMember.report_id).where(ThemeMember.theme_id == target.id)
        )
    )
    assert merged_members <= kept
    assert target.member_count == len(kept)
    assert set(source.defining_codes) <= set(target.defining_codes)
