"""The scheduler's job list runs jobs under a lease, so two processes never run one twice."""

import datetime as dt

from flask import Flask
from flask.testing import FlaskCliRunner

from learnhub.core.extensions import db
from learnhub.core.locks import release, try_acquire
from learnhub.scheduler import JOBS, build_scheduler, run_job


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
