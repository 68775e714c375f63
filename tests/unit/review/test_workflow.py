"""The review panel's services over a real database: the queue, moving and closing a report,
confirming its de-identified version, and what the reporter reads."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask

from learnhub.actions.models import Action, ActionStatus
from learnhub.auth.models import User
from learnhub.core.extensions import db
from learnhub.reports.models import EventType, PotentialSeverity, Report, ReportSource, ReportStatus
from learnhub.reports.services import ReportSubmission, file_report, shareable_answers
from learnhub.review import coding, redaction, services
from learnhub.review.services import QueueFilters, QueueSort, TransitionRefused
from learnhub.taxonomy import services as taxonomy
from tests.factories import make_user

TODAY = dt.date(2026, 11, 2)


def filed(
    narrative: str = "A handover note was lost before a visit.",
    *,
    received_on: dt.date = dt.date(2026, 10, 1),
    event_type: str = "near_miss",
    severity: str | None = None,
    area: str | None = None,
) -> Report:
    return file_report(
        db.session,
        ReportSubmission(
            narrative=narrative,
            event_type=event_type,
            event_month=dt.date(2026, 9, 1),
            potential_severity=severity,
            service_area=area,
        ),
        today=received_on,
        source=ReportSource.WEB,
        receipt_key="k",
    ).report


def coded(report: Report, reviewer: User) -> None:
    version = taxonomy.active_version(db.session)
    assert version is not None
    coding.save_coding(
        db.session,
        report,
        reviewer,
        version,
        ["PRE-TEAM-1"],
        dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )


# ---------------------------------------------------------------------------- queue


def test_the_queue_is_oldest_first_and_pages_through_every_report(app: Flask) -> None:
    reports = [filed(received_on=dt.date(2026, 10, 1) + dt.timedelta(days=i)) for i in range(7)]
    first = services.triage_queue(db.session, QueueFilters(), page=1, page_size=3)
    assert [r.id for r in first.reports] == [r.id for r in reports[:3]]
    assert (first.pages, first.total, first.first_shown, first.last_shown) == (3, 7, 1, 3)
    last = services.triage_queue(db.session, QueueFilters(), page=3, page_size=3)
    assert [r.id for r in last.reports] == [reports[6].id]
    seen = {
        r.id
        for p in (1, 2, 3)
        for r in services.triage_queue(db.session, QueueFilters(), page=p, page_size=3).reports
    }
    assert seen == {r.id for r in reports}
    newest = services.triage_queue(db.session, QueueFilters(sort=QueueSort.NEWEST), page_size=3)
    assert newest.reports[0].id == reports[6].id


@pytest.mark.parametrize("sort", list(QueueSort))
def test_every_page_in_either_order_is_its_slice_of_the_whole_queue(
    app: Flask, sort: QueueSort
) -> None:
    """Pages are read ids first, then those reports: each page must still hold exactly its
    slice, in order, with reports received the same day kept in id order, filters applied."""
    for i in range(17):
        filed(received_on=dt.date(2026, 10, 1) + dt.timedelta(days=i % 4), area="front-door")
        filed(received_on=dt.date(2026, 10, 2), area="early-help")  # filtered out
    filters = QueueFilters(service_area="front-door", sort=sort)
    wanted = sorted(
        (r for r in db.session.scalars(sa.select(Report)) if r.service_area.slug == "front-door"),
        key=lambda r: (r.received_on, r.id),
        reverse=sort is QueueSort.NEWEST,
    )
    pages = [services.triage_queue(db.session, filters, page=p, page_size=5) for p in (1, 2, 3, 4)]
    assert [[r.id for r in view.reports] for view in pages] == [
        [r.id for r in wanted[start : start + 5]] for start in (0, 5, 10, 15)
    ]


def test_a_page_past_the_end_shows_the_last_page(app: Flask) -> None:
    filed()
    view = services.triage_queue(db.session, QueueFilters(), page=99)
    assert view.page == 1
    assert len(view.reports) == 1


def test_filters_narrow_the_reports_and_the_counts(app: Flask) -> None:
    match = filed(
        "Call Jayden Price on 07700 900321.",
        received_on=dt.date(2026, 10, 5),
        event_type="harm",
        severity="serious",
        area="front-door",
    )
    filed(received_on=dt.date(2026, 10, 5), event_type="harm", severity="serious")
    filed(received_on=dt.date(2026, 9, 1), event_type="harm", area="front-door")
    other = filed(event_type="harm", severity="serious", area="front-door")
    services.move_report(db.session, other, ReportStatus.CODING, TODAY)
    filters = QueueFilters(
        service_area="front-door",
        event_type=EventType.HARM,
        potential_severity=PotentialSeverity.SERIOUS,
        flagged=True,
        received_from=dt.date(2026, 10, 2),
        received_to=dt.date(2026, 10, 31),
    )
    view = services.triage_queue(db.session, filters)
    assert [r.id for r in view.reports] == [match.id]
    assert view.counts[ReportStatus.NEW] == 1
    assert view.counts[ReportStatus.CODING] == 0  # `other` has no flags
    unflagged = services.triage_queue(db.session, QueueFilters(flagged=False))
    assert match.id not in {r.id for r in unflagged.reports}
    by_severity = services.status_counts(
        db.session,
        QueueFilters(potential_severity=filters.potential_severity or "serious"),  # type: ignore[arg-type]
    )
    assert by_severity[ReportStatus.NEW] == 2
    assert by_severity[ReportStatus.CODING] == 1


def test_page_numbers_keep_the_ends_and_the_neighbours() -> None:
    assert services.page_numbers(1, 1) == [1]
    assert services.page_numbers(1, 4) == [1, 2, 3, 4]
    assert services.page_numbers(10, 20) == [1, None, 8, 9, 10, 11, 12, None, 20]


# ---------------------------------------------------------------------------- moving


def test_leaving_new_the_first_time_dates_the_triage(app: Flask) -> None:
    report = filed()
    before = services.move_report(db.session, report, ReportStatus.CODING, TODAY)
    assert before is ReportStatus.NEW
    assert (report.status, report.triaged_on) == (ReportStatus.CODING, TODAY)
    report.status = ReportStatus.NEW  # even if it somehow came back, the first date stays
    services.move_report(db.session, report, ReportStatus.CODING, TODAY + dt.timedelta(days=3))
    assert report.triaged_on == TODAY


def test_ready_for_learning_needs_coding_and_a_de_identified_version(app: Flask) -> None:
    reviewer = make_user()
    report = filed("Mia Jones was not seen.")
    services.move_report(db.session, report, ReportStatus.CODING, TODAY)
    with pytest.raises(TransitionRefused, match="confirm at least one code and confirm a de-id"):
        services.move_report(db.session, report, ReportStatus.READY_FOR_LEARNING, TODAY)
    coded(report, reviewer)
    with pytest.raises(TransitionRefused, match="de-identified"):
        services.move_report(db.session, report, ReportStatus.READY_FOR_LEARNING, TODAY)
    redaction.confirm_redaction(db.session, report, redaction.draft(report), TODAY)
    assert services.readiness(db.session, report).ready
    services.move_report(db.session, report, ReportStatus.READY_FOR_LEARNING, TODAY)
    assert report.status is ReportStatus.READY_FOR_LEARNING


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (ReportStatus.NEW, ReportStatus.READY_FOR_LEARNING),
        (ReportStatus.NEW, ReportStatus.AWAITING_REPORTER),
        (ReportStatus.CODING, ReportStatus.NEW),
        (ReportStatus.CLOSED, ReportStatus.CODING),
        (ReportStatus.CODING, ReportStatus.CLOSED),  # closing needs close_report and a note
    ],
)
def test_moves_outside_the_rules_are_refused(
    app: Flask, start: ReportStatus, to: ReportStatus
) -> None:
    report = filed()
    report.status = start
    with pytest.raises(TransitionRefused):
        services.move_report(db.session, report, to, TODAY)
    assert report.status is start


def test_closing_needs_an_outcome_note_and_is_the_reporters_feedback(app: Flask) -> None:
    report = filed()
    with pytest.raises(TransitionRefused, match="outcome note"):
        services.close_report(db.session, report, "   ", TODAY)
    with pytest.raises(TransitionRefused, match="5,000"):
        services.close_report(db.session, report, "x" * 5_001, TODAY)
    assert report.status is ReportStatus.NEW
    services.close_report(db.session, report, " The out-of-hours rota now has a handover. ", TODAY)
    assert report.status is ReportStatus.CLOSED
    assert report.outcome_note == "The out-of-hours rota now has a handover."
    assert (report.closed_on, report.triaged_on, report.first_feedback_on) == (TODAY,) * 3
    with pytest.raises(TransitionRefused):
        services.close_report(db.session, report, "again", TODAY)


def test_a_question_before_the_outcome_keeps_the_first_feedback_date(app: Flask) -> None:
    from learnhub.reports.services import ask_reporter

    reviewer = make_user()
    report = filed()
    ask_reporter(db.session, report, reviewer.id, "Which team?", dt.date(2026, 10, 10))
    services.move_report(db.session, report, ReportStatus.CODING, TODAY)
    services.close_report(db.session, report, "Done.", TODAY)
    assert report.first_feedback_on == dt.date(2026, 10, 10)


# ---------------------------------------------------------------------------- de-identifying


def test_confirming_stores_the_redacted_version_and_dates_it_once(app: Flask) -> None:
    report = filed("Jayden Price was not seen.")
    changed = redaction.confirm_redaction(db.session, report, redaction.draft(report), TODAY)
    assert changed == [
        "narrative",
        "what_nearly_happened",
        "what_stopped_it",
        "what_made_it_likely",
        "what_would_help",
    ]
    assert report.redacted is not None
    assert report.redacted["narrative"] == "[name] was not seen."
    assert report.deidentified_on == TODAY
    assert shareable_answers(report) == report.redacted
    later = TODAY + dt.timedelta(days=5)
    changed = redaction.confirm_redaction(
        db.session, report, {"narrative": "A child was not seen."}, later
    )
    assert changed == ["narrative"]
    assert report.deidentified_on == TODAY
    assert report.narrative == "Jayden Price was not seen."  # the original is kept for the panel


def test_what_the_detector_still_finds_stops_confirmation_unless_confirmed_anyway(
    app: Flask,
) -> None:
    report = filed("A visit was missed.")
    typed = {"narrative": "A visit to Jayden Price was missed."}
    with pytest.raises(redaction.StillIdentifying) as found:
        redaction.confirm_redaction(db.session, report, typed, TODAY)
    assert [f.text for f in found.value.findings["narrative"]] == ["Jayden Price"]
    assert report.redacted is None
    assert report.deidentified_on is None
    redaction.confirm_redaction(db.session, report, typed, TODAY, confirm_anyway=True)
    assert report.deidentified_on == TODAY


# ---------------------------------------------------------------------------- what others read


def action(report: Report, description: str, status: ActionStatus) -> Action:
    done = dt.date(2026, 11, 20) if status is ActionStatus.COMPLETED else None
    return Action(
        report_id=report.id,
        description=description,
        owner="Duty team",
        due_on=dt.date(2026, 12, 1),
        status=status,
        completed_on=done,
    )
