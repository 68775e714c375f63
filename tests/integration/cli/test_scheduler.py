"""The scheduler's job list runs jobs under a lease, so two processes never run one twice."""

import datetime as dt

from flask import Flask
from flask.testing import FlaskCliRunner

from learnhub.core.extensions import db
from learnhub.core.jobs import release, run_job, try_acquire
from learnhub.scheduler import JOBS, build_scheduler


def test_every_job_is_scheduled(app: Flask) -> None:
    scheduler = build_scheduler(app)
    assert {job.id for job in scheduler.get_jobs()} == {job.name for job in JOBS}


def test_run_now_runs_a_job(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["scheduler", "--run-now", "retrain-suggestions"])
    assert result.exit_code == 0, result.output
    assert "retrain-suggestions: " in result.output
    assert "reviewer-coded reports" in result.output  # too few to train in an empty database


def test_a_job_whose_lease_is_held_elsewhere_is_skipped(app: Flask) -> None:
    job = JOBS[-1]
    assert try_acquire(db.session, f"job:{job.name}", "other-process", dt.timedelta(minutes=5))
    try:
        assert run_job(app, job) is None
    finally:
        release(db.session, f"job:{job.name}", "other-process")


def test_an_unknown_job_name_is_refused(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["scheduler", "--run-now", "make-tea"])
    assert result.exit_code != 0
    assert "no job 'make-tea'" in result.output


def test_the_job_list_keeps_every_name_schedule_and_lease() -> None:
    """Names are commands' arguments and lease names; each feature declares its own jobs."""
    minutes = dt.timedelta(minutes=1)
    assert [(job.name, job.trigger, job.lease / minutes) for job in JOBS] == [
        ("settle-anonymous-rows", {"hour": 0, "minute": 30}, 60),
        ("detect-themes", {"hour": 2, "minute": 15}, 60),
        ("retrain-suggestions", {"hour": 3, "minute": 30}, 60),
        ("refresh-dashboard", {"minute": "*/15"}, 30),
        ("action-digest", {"day_of_week": "mon", "hour": 8, "minute": 0}, 30),
        ("purge-expired", {"hour": 1, "minute": 45}, 30),
        ("assemble-bulletin", {"hour": 6, "minute": 0}, 30),
        ("send-bulletin", {"minute": "*/15"}, 120),
    ]
