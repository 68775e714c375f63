"""Retention rules, each tested on both sides of its boundary day, through the purge service,
`learnhub retention purge [--dry-run]` and the scheduler's job list."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from learnhub.bulletins.models import (
    Bulletin,
    Delivery,
    DeliveryStatus,
    Subscriber,
    SubscriberSource,
    SubscriberStatus,
)
from learnhub.core.extensions import db
from learnhub.reports import services as reports
from learnhub.reports.models import Report, ReporterMessage, ReportStatus, SpentSubmission
from learnhub.retention.services import RetentionPolicy, purge
from learnhub.scheduler import JOBS
from tests.factories import make_report, make_user

TODAY = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
POLICY = RetentionPolicy(thread_days=90, narrative_days=730, delivery_days=365)
ONLY_THREADS = RetentionPolicy(thread_days=90, narrative_days=0, delivery_days=0)


def closed_report(closed_on: dt.date, message_on: dt.date | None = None) -> tuple[Report, str]:
    report, receipt = make_report("The chronology was missing; call 07700 900123 to check.")
    report.redacted = {"narrative": "The chronology was missing; call [phone] to check."}
    report.deidentified_on = closed_on
    report.status, report.closed_on, report.outcome_note = (
        ReportStatus.CLOSED,
        closed_on,
        "Chronologies now travel with the case.",
    )
    if message_on:
        reporter = make_user()
        db.session.add(
            ReporterMessage(
                report=report,
                direction="to_reporter",
                body="Thank you",
                sent_on=message_on,
                author_id=reporter.id,
            )
        )
    db.session.commit()
    return report, receipt


def reload(report: Report) -> Report:
    db.session.expire_all()
    return db.session.get(Report, report.id)


def run(policy: RetentionPolicy = POLICY, **kwargs: object):
    result = purge(db.session, policy, TODAY, NOW, **kwargs)
    db.session.commit()
    return result


@pytest.mark.usefixtures("app")
@pytest.mark.parametrize(("days_ago", "retired"), [(89, False), (90, True), (91, True)])
def test_a_closed_thread_is_retired_90_days_after_closing(days_ago: int, retired: bool) -> None:
    report, receipt = closed_report(TODAY - dt.timedelta(days=days_ago))
    result = run(ONLY_THREADS)
    assert result.threads_retired == int(retired)
    assert (reload(report).receipt_hash is None) is retired
    if retired:
        with pytest.raises(reports.ReceiptNotFound):
            reports.report_for_receipt(db.session, receipt, "testing-receipt-key")
    assert reload(report).narrative  # only the receipt goes


@pytest.mark.usefixtures("app")
@pytest.mark.parametrize(("days_ago", "retired"), [(89, False), (90, True)])
def test_the_last_message_counts_when_it_is_after_closing(days_ago: int, retired: bool) -> None:
    report, _ = closed_report(TODAY - dt.timedelta(days=200), TODAY - dt.timedelta(days=days_ago))
    run(ONLY_THREADS)
    assert (reload(report).receipt_hash is None) is retired


@pytest.mark.usefixtures("app")
def test_an_open_report_keeps_its_thread_however_old() -> None:
    report, _ = make_report(
        received_on=TODAY - dt.timedelta(days=1000), event_month=dt.date(2024, 1, 1)
    )
    assert run().threads_retired == 0
    assert reload(report).receipt_hash is not None


@pytest.mark.usefixtures("app")
@pytest.mark.parametrize(("days_ago", "purged"), [(729, False), (730, True)])
def test_narratives_are_purged_after_closing_keeping_the_deidentified_version(
    days_ago: int, purged: bool
) -> None:
    report, _ = closed_report(
        TODAY - dt.timedelta(days=days_ago), TODAY - dt.timedelta(days=days_ago)
    )
    result = run()
    assert result.narratives_purged == int(purged)
    after = reload(report)
    if not purged:
        assert after.narrative.startswith("The chronology")
        return
    assert after.narrative_purged_on == TODAY
    assert after.answers() == dict.fromkeys(after.answers(), "")
    assert after.identifier_flags == []
    assert after.receipt_hash is None
    assert after.messages == []
    assert result.messages_deleted == 1
    assert after.redacted == {"narrative": "The chronology was missing; call [phone] to check."}
    assert after.outcome_note == "Chronologies now travel with the case."
    assert run().narratives_purged == 0  # once only


def a_delivery(status: DeliveryStatus, sent_days_ago: int) -> Delivery:
    bulletin = db.session.scalar(sa.select(Bulletin)) or Bulletin(
        period=dt.date(2025, 1, 1), title="January"
    )
    subscriber = Subscriber(
        email=f"s{sent_days_ago}{status.value}@example.org",
        status=SubscriberStatus.CONFIRMED,
        source=SubscriberSource.IMPORT,
    )
    db.session.add_all([bulletin, subscriber])
    db.session.flush()
    when = NOW - dt.timedelta(days=sent_days_ago)
    delivery = Delivery(
        bulletin_id=bulletin.id,
        subscriber_id=subscriber.id,
        status=status,
        attempts=1,
        last_attempt_at=when,
        sent_at=when if status is DeliveryStatus.SENT else None,
    )
    db.session.add(delivery)
    db.session.commit()
    return delivery


@pytest.mark.usefixtures("app")
def test_deliveries_are_deleted_a_year_after_sending_unless_unfinished() -> None:
    kept = [
        a_delivery(DeliveryStatus.SENT, 364),
        a_delivery(DeliveryStatus.PENDING, 400),
        a_delivery(DeliveryStatus.FAILED_TEMPORARY, 400),
    ]
    gone = [a_delivery(DeliveryStatus.SENT, 366), a_delivery(DeliveryStatus.FAILED_PERMANENT, 366)]
    assert run().deliveries_deleted == 2
    remaining = set(db.session.scalars(sa.select(Delivery.id)))
    assert remaining == {d.id for d in kept}
    assert not remaining & {d.id for d in gone}


@pytest.mark.usefixtures("app")
def test_spent_check_page_keys_go_after_seven_days() -> None:
    db.session.add_all(
        [
            SpentSubmission(key_hash="a" * 64, spent_on=TODAY - dt.timedelta(days=7)),
            SpentSubmission(key_hash="b" * 64, spent_on=TODAY - dt.timedelta(days=8)),
        ]
    )
    db.session.commit()
    assert run().spent_keys_deleted == 1
    assert list(db.session.scalars(sa.select(SpentSubmission.key_hash))) == ["a" * 64]


@pytest.mark.usefixtures("app")
def test_zero_keeps_that_kind_of_data() -> None:
    report, _ = closed_report(TODAY - dt.timedelta(days=5000))
    result = run(RetentionPolicy(thread_days=0, narrative_days=0, delivery_days=0))
    assert (result.threads_retired, result.narratives_purged) == (0, 0)
    assert reload(report).receipt_hash is not None


def test_the_dry_run_counts_and_changes_nothing(runner: FlaskCliRunner) -> None:
    report, _ = closed_report(dt.date(2020, 1, 1))
    result = runner.invoke(args=["retention", "purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Retention would purge: 1 threads retired, 1 narratives purged" in result.output
    assert reload(report).receipt_hash is not None
    assert reload(report).narrative


def test_the_command_purges_under_the_job_lease(runner: FlaskCliRunner, app: Flask) -> None:
    report, _ = closed_report(dt.date(2020, 1, 1))
    app.config["RETENTION_NARRATIVE_DAYS"] = 0
    try:
        result = runner.invoke(args=["retention", "purge"])
    finally:
        app.config["RETENTION_NARRATIVE_DAYS"] = 730
    assert result.exit_code == 0, result.output
    assert "Retention purged: 1 threads retired, 0 narratives purged" in result.output
    assert reload(report).receipt_hash is None
    assert reload(report).narrative


def test_the_purge_is_a_nightly_job() -> None:
    job = next(job for job in JOBS if job.name == "purge-expired")
    assert job.trigger == {"hour": 1, "minute": 45}
