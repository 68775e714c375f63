"""The roll-ups equal a direct count over the reports tables, before and after new reports."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from flask import Flask

from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.dashboard.models import (
    ALL_AREAS,
    ALL_TYPES,
    NO_AREA,
    MonthlyCodes,
    MonthlyDelays,
    MonthlyReports,
    MonthlyTiers,
)
from learnhub.dashboard.rollups import last_refresh, refresh
from learnhub.scheduler import JOBS, run_job
from tests.factories import make_user
from tests.integration.dashboard.helpers import area_id, direct_counts, filed


def DETAILED(model):  # noqa: N802 - reads as a constant filter
    return [model.service_area_id != ALL_AREAS, model.event_type != ALL_TYPES]


def rolled_up() -> dict[tuple[dt.date, int, str], list[int]]:
    return {
        (r.month, r.service_area_id, r.event_type): [
            r.reports,
            r.triaged,
            r.with_feedback,
            r.deidentified,
        ]
        for r in db.session.scalars(sa.select(MonthlyReports).where(*DETAILED(MonthlyReports)))
    }


def a_mixed_set() -> None:
    reviewer = make_user(Role.REVIEWER)
    filed(
        dt.date(2026, 1, 3),
        area="front-door",
        triage_after=2,
        feedback_after=5,
        deidentified=True,
        codes=("PRE-TEAM-1", "PRE-TEAM-2", "ORG-1"),
        reviewer=reviewer,
    )
    filed(
        dt.date(2026, 1, 31),
        area="front-door",
        triage_after=4,
        codes=("PRE-TEAM-1",),
        reviewer=reviewer,
    )
    filed(dt.date(2026, 2, 1), area="front-door", event_type="harm", triage_after=0)
    filed(dt.date(2026, 2, 14), area=None, event_type="good_practice", feedback_after=9)
    filed(dt.date(2025, 12, 31), area="residential", codes=("EXT-1",), reviewer=reviewer)


def test_the_roll_up_equals_a_direct_count_and_follows_new_reports(app: Flask) -> None:
    a_mixed_set()
    refresh(db.session)
    assert rolled_up() == direct_counts()
    assert rolled_up()[(dt.date(2026, 1, 1), area_id("front-door"), "near_miss")] == [2, 2, 1, 1]
    assert rolled_up()[(dt.date(2026, 2, 1), NO_AREA, "good_practice")] == [1, 0, 1, 0]

    filed(dt.date(2026, 2, 20), area="front-door", event_type="harm", triage_after=1)
    filed(dt.date(2026, 3, 2), area="residential", deidentified=True)
    assert rolled_up() != direct_counts()  # stale until the next refresh
    refresh(db.session)
    assert rolled_up() == direct_counts()
    assert sum(r[0] for r in rolled_up().values()) == 7
    assert last_refresh(db.session).reports == 7


def test_tiers_count_each_report_once_and_codes_each_code(app: Flask) -> None:
    a_mixed_set()
    refresh(db.session)
    tiers = {(t.month, t.tier): t.reports for t in db.session.scalars(sa.select(MonthlyTiers))}
    # Two January reports have factors in "preconditions" (one has two of them): two, not three.
    assert tiers == {
        (dt.date(2026, 1, 1), "preconditions"): 2,
        (dt.date(2026, 1, 1), "organisational"): 1,
        (dt.date(2025, 12, 1), "external"): 1,
    }
    codes = defaultdict(int)
    for c in db.session.scalars(sa.select(MonthlyCodes).where(*DETAILED(MonthlyCodes))):
        codes[c.code] += c.reports
    assert dict(codes) == {"PRE-TEAM-1": 2, "PRE-TEAM-2": 1, "ORG-1": 1, "EXT-1": 1}


def test_the_summed_levels_equal_the_detailed_rows(app: Flask) -> None:
    a_mixed_set()
    refresh(db.session)
    for model in (MonthlyReports, MonthlyTiers, MonthlyCodes, MonthlyDelays):
        detailed = db.session.scalar(sa.select(sa.func.sum(model.reports)).where(*DETAILED(model)))
        for area, kind in ((True, False), (False, True), (True, True)):
            level = [
                model.service_area_id == ALL_AREAS if area else model.service_area_id != ALL_AREAS,
                model.event_type == ALL_TYPES if kind else model.event_type != ALL_TYPES,
            ]
            assert db.session.scalar(sa.select(sa.func.sum(model.reports)).where(*level)) == (
                detailed
            ), (model, area, kind)
    every = db.session.scalars(
        sa.select(MonthlyReports).where(
            MonthlyReports.service_area_id == ALL_AREAS, MonthlyReports.event_type == ALL_TYPES
        )
    ).all()
    assert sorted((r.month, r.reports, r.triaged) for r in every) == [
        (dt.date(2025, 12, 1), 1, 0),
        (dt.date(2026, 1, 1), 2, 2),
        (dt.date(2026, 2, 1), 2, 1),
    ]


def test_delays_are_a_histogram_of_days(app: Flask) -> None:
    a_mixed_set()
    refresh(db.session)
    delays = sorted(
        (d.measure, d.days, d.reports)
        for d in db.session.scalars(sa.select(MonthlyDelays).where(*DETAILED(MonthlyDelays)))
    )
    assert delays == [
        ("feedback", 5, 1),
        ("feedback", 9, 1),
        ("triage", 0, 1),
        ("triage", 2, 1),
        ("triage", 4, 1),
    ]


def test_refresh_runs_as_a_scheduled_job_and_from_the_command_line(app: Flask, runner) -> None:
    job = next(job for job in JOBS if job.name == "refresh-dashboard")
    assert job.trigger == {"minute": "*/15"}
    filed(dt.date(2026, 4, 2))
    result = runner.invoke(args=["dashboard", "refresh"])
    assert result.exit_code == 0, result.output
    assert "rebuilt from 1 reports" in result.output
    assert rolled_up() == direct_counts()
    assert run_job(app, job).startswith("Dashboard roll-ups rebuilt")


def test_the_demo_seed_leaves_the_dashboard_populated(app: Flask, runner) -> None:
    result = runner.invoke(args=["demo", "--seed-only", "--reports", "30"])
    assert result.exit_code == 0, result.output
    assert rolled_up() == direct_counts()
    assert sum(r[0] for r in rolled_up().values()) == 30
