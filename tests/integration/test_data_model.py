"""The data model keeps the anonymity rules: reports link to no account and hold no time of day."""

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from learnhub.bulletins.models import Bulletin
from learnhub.core.extensions import db
from learnhub.models import Base
from learnhub.reports.models import MessageDirection, Report, ReporterMessage
from learnhub.taxonomy.models import FactorSource, ReportFactor
from tests.factories import make_report, make_user

REPORTER_TABLES = ("reports",)


def test_reports_have_no_link_to_any_account() -> None:
    table = Base.metadata.tables["reports"]
    assert {fk.column.table.name for fk in table.foreign_keys} <= {
        "service_areas",
        "taxonomy_versions",
    }


def test_reports_store_dates_never_times() -> None:
    table = Base.metadata.tables["reports"]
    for column in table.columns:
        assert not isinstance(column.type, sa.DateTime), column.name
    assert isinstance(Base.metadata.tables["reporter_messages"].c.sent_on.type, sa.Date)


def test_reports_hold_no_request_metadata() -> None:
    names = {c.name for table in Base.metadata.tables.values() for c in table.columns}
    for forbidden in ("ip_address", "user_agent", "remote_addr", "cookie", "session_id"):
        assert forbidden not in names


@pytest.mark.usefixtures("app")
def test_a_reporter_reply_cannot_carry_a_staff_author() -> None:
    report, _ = make_report()
    reviewer = make_user()
    db.session.add(
        ReporterMessage(
            report_id=report.id,
            direction=MessageDirection.FROM_REPORTER,
            body="Reply",
            sent_on=dt.date(2026, 10, 3),
            author_id=reviewer.id,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.usefixtures("app")
def test_a_reporter_tick_carries_no_staff_identity() -> None:
    from learnhub.taxonomy.models import TaxonomyCode, TaxonomyVersion

    report, _ = make_report()
    reviewer = make_user()
    version = TaxonomyVersion(number=99, label="t", checksum="0" * 64)
    code = TaxonomyCode(
        version=version,
        code="X-1",
        tier="acts",
        category="c",
        title="t",
        definition="d",
        prompt="p",
    )
    db.session.add_all([version, code])
    db.session.flush()
    db.session.add(
        ReportFactor(
            report_id=report.id,
            code_id=code.id,
            source=FactorSource.REPORTER,
            decided_by_id=reviewer.id,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.usefixtures("app")
def test_a_bulletin_needs_a_second_person_to_approve() -> None:
    editor = make_user()
    db.session.add(
        Bulletin(
            period=dt.date(2026, 10, 1),
            title="October",
            submitted_by_id=editor.id,
            approved_by_id=editor.id,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.usefixtures("app")
def test_enum_columns_reject_unknown_values_in_the_database() -> None:
    report, _ = make_report()
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.text("UPDATE reports SET status = 'lost' WHERE id = :id"), {"id": report.id}
        )
    db.session.rollback()


@pytest.mark.usefixtures("app")
def test_deleting_a_report_removes_its_thread() -> None:
    report, _ = make_report()
    db.session.add(
        ReporterMessage(
            report_id=report.id,
            direction=MessageDirection.FROM_REPORTER,
            body="More detail",
            sent_on=dt.date(2026, 10, 3),
        )
    )
    db.session.commit()
    db.session.execute(sa.delete(Report).where(Report.id == report.id))
    remaining = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ReporterMessage)
        .where(ReporterMessage.report_id == report.id)
    )
    assert remaining == 0
