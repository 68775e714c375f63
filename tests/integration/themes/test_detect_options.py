"""`learnhub themes detect --as-of/--window-months`, the THEME_WINDOW_MONTHS setting, and the
job's titles in the taxonomy's words, on a real database through the command line."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from learnhub.core.extensions import db
from learnhub.reports.models import Report
from learnhub.themes.jobs import run_detection
from learnhub.themes.models import Theme, ThemeKind, ThemeRun
from learnhub.themes.sharing import code_titles
from tests.integration.themes.test_job import TODAY, demo_reports

AS_OF = dt.date(2026, 6, 30)
CODE_ID = re.compile(r"\b[A-Z]{2,}(-[A-Z]+)*-\d+\b")


def count_reports(first_month: dt.date, as_of: dt.date) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Report)
        .where(
            Report.event_month >= first_month,
            Report.event_month <= as_of.replace(day=1),
            Report.received_on <= as_of,
        )
    )


def test_as_of_a_past_day_reads_only_what_was_known_then_and_stores_nothing(
    runner: FlaskCliRunner,
) -> None:
    demo_reports(300)
    later = db.session.scalar(
        sa.select(sa.func.count()).select_from(Report).where(Report.received_on > AS_OF)
    )
    assert later > 0  # the test means something only if some reports came after the day

    result = runner.invoke(args=["themes", "detect", "--as-of", str(AS_OF)])

    assert result.exit_code == 0, result.output
    expected = count_reports(dt.date(2025, 7, 1), AS_OF)
    assert f"Themes as of 2026-06-30 (2025-07 to 2026-06): {expected} reports read" in (
        result.output
    )
    assert "Stored themes are unchanged" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Theme)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ThemeRun)) == 0


def test_as_of_with_a_window_reads_that_many_months(runner: FlaskCliRunner) -> None:
    demo_reports(300)
    result = runner.invoke(args=["themes", "detect", "--as-of", str(AS_OF), "--window-months", "4"])
    assert result.exit_code == 0, result.output
    expected = count_reports(dt.date(2026, 3, 1), AS_OF)
    assert f"(2026-03 to 2026-06): {expected} reports read" in result.output


def test_the_window_option_is_used_by_a_stored_run(runner: FlaskCliRunner) -> None:
    demo_reports(100)
    result = runner.invoke(args=["themes", "detect", "--window-months", "24"])
    assert result.exit_code == 0, result.output
    run = db.session.scalars(sa.select(ThemeRun)).one()
    assert run.parameters["window_months"] == 24


def test_the_scheduled_job_reads_the_window_from_the_settings(
    app: Flask, runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo_reports(100)
    monkeypatch.setitem(app.config, "THEME_WINDOW_MONTHS", 6)
    result = runner.invoke(args=["themes", "detect"])
    assert result.exit_code == 0, result.output
    run = db.session.scalars(sa.select(ThemeRun)).one()
    assert run.parameters["window_months"] == 6


def test_the_window_setting_is_read_from_the_environment() -> None:
    from config import settings_from_environment

    assert settings_from_environment({"LEARNHUB_THEME_WINDOW_MONTHS": "36"}) == {
        "THEME_WINDOW_MONTHS": 36
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--window-months", "0"], "The window must be 4 to 120 months"),
        (["--window-months", "121"], "The window must be 4 to 120 months"),
        (["--window-months", "twelve"], "'twelve' is not a valid integer"),
        (["--as-of", "2026-13-01"], "'2026-13-01' does not match the format '%Y-%m-%d'"),
        (["--as-of", "30/06/2026"], "does not match the format"),
        (["--as-of", "2999-01-01"], "is after today"),
    ],
)
def test_a_bad_date_or_window_is_refused_with_the_reason(
    runner: FlaskCliRunner, args: list[str], message: str
) -> None:
    result = runner.invoke(args=["themes", "detect", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ThemeRun)) == 0


def test_a_bad_window_setting_fails_the_job_with_the_reason(
    app: Flask, runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "THEME_WINDOW_MONTHS", 2)
    result = runner.invoke(args=["themes", "detect"])
    assert result.exit_code == 2
    assert "The window must be 4 to 120 months" in result.output


@pytest.mark.usefixtures("app")
def test_the_job_titles_themes_in_the_taxonomys_words() -> None:
    demo_reports(600)
    run_detection(db.session, TODAY)
    titles = code_titles(db.session)
    themes = db.session.scalars(sa.select(Theme)).all()
    factors = [t for t in themes if t.kind is ThemeKind.FACTOR_COMBINATION]
    assert factors
    for theme in factors:
        assert theme.title == " + ".join(titles[code] for code in theme.defining_codes)
    stories = [t for t in themes if t.kind is ThemeKind.TEXT_CLUSTER and t.defining_codes]
    for theme in stories:
        # Never the job's words from raw narratives: only the taxonomy's.
        assert theme.title == "Similar accounts: " + " + ".join(
            titles[code] for code in theme.defining_codes
        )
    for theme in themes:
        assert not CODE_ID.search(theme.title), theme.title


@pytest.mark.usefixtures("app")
def test_a_later_run_retitles_the_jobs_titles_and_keeps_the_panels() -> None:
    demo_reports(600)
    run_detection(db.session, TODAY)
    first, second = db.session.scalars(
        sa.select(Theme).where(Theme.kind == ThemeKind.FACTOR_COMBINATION).order_by(Theme.id)
    ).all()[:2]
    readable = first.title
    # As a run before this change stored it: code ids.
    first.title = "Recurring factors: " + " + ".join(first.defining_codes)
    second.title = "Handover notes lost between teams"
    db.session.commit()

    run_detection(db.session, TODAY)

    db.session.expire_all()
    assert db.session.get(Theme, first.id).title == readable
    assert db.session.get(Theme, second.id).title == "Handover notes lost between teams"
