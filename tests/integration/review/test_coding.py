"""Reviewers code reports: ticks and suggestions shown, changes kept with who and when."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.reports.models import Report, ReportSource, ReportStatus
from learnhub.reports.services import ReportSubmission, file_report
from learnhub.taxonomy.models import (
    CodingAction,
    FactorChange,
    FactorSource,
    FactorStatus,
    ReportFactor,
    ReviewerCoding,
)
from tests.factories import csrf_token, login, make_user


def filed(narrative: str, ticks: list[str]) -> Report:
    report = file_report(
        db.session,
        ReportSubmission(
            narrative=narrative,
            event_type="near_miss",
            event_month=dt.date(2026, 9, 1),
            factor_codes=ticks,
        ),
        today=dt.date(2026, 10, 1),
        source=ReportSource.WEB,
        receipt_key="k",
    ).report
    db.session.commit()
    return report


def save(client: FlaskClient, report: Report, codes: list[str]) -> TestResponse:
    page = client.get(f"/review/reports/{report.reference}")
    data = MultiDict([("csrf_token", csrf_token(page)), *(("codes", c) for c in codes)])
    return client.post(f"/review/reports/{report.reference}/coding", data=data)


def suggested_rows() -> list[ReportFactor]:
    return list(
        db.session.scalars(
            sa.select(ReportFactor).where(ReportFactor.source == FactorSource.SUGGESTED)
        )
    )


def test_the_page_shows_ticks_and_suggestions_and_stores_them_only_with_a_coding(
    client: FlaskClient,
) -> None:
    report = filed("The recording system hid the earlier history of the family.", ["PRE-TEAM-1"])
    login(client, make_user())
    page = client.get(f"/review/reports/{report.reference}").get_data(as_text=True)
    assert "What contributed" in page
    assert "Reporter</strong>" in page
    shown = re.findall(r"Suggested (\d+)%", page)
    assert shown
    assert suggested_rows() == []  # a page view writes nothing
    save(client, report, ["PRE-TEAM-1"])
    suggested = suggested_rows()
    assert suggested
    assert all(0 <= f.confidence <= 1 for f in suggested)
    # What is stored is what the reviewer was shown.
    after = client.get(f"/review/reports/{report.reference}").get_data(as_text=True)
    assert re.findall(r"Suggested (\d+)%", after) == shown
    save(client, report, ["PRE-TEAM-1", "ORG-7"])
    assert len(suggested_rows()) == len(suggested)  # stored once, not with every coding


def test_saving_records_every_change_with_reviewer_and_time(client: FlaskClient) -> None:
    report = filed("A strategy discussion went ahead without police.", ["PRE-TEAM-3", "SUP-1"])
    reviewer = make_user()
    login(client, reviewer)
    response = save(client, report, ["PRE-TEAM-3", "ORG-7"])
    assert response.status_code == 302
    changes = db.session.scalars(sa.select(FactorChange).order_by(FactorChange.id)).all()
    assert {(c.code.code, c.action, c.prompted_by) for c in changes} == {
        ("PRE-TEAM-3", CodingAction.CONFIRMED, FactorSource.REPORTER),
        ("ORG-7", CodingAction.ADDED, None),
    }
    assert all(c.user_id == reviewer.id and c.changed_at is not None for c in changes)
    ticks = {
        f.code.code: f.status
        for f in db.session.scalars(
            sa.select(ReportFactor).where(ReportFactor.source == FactorSource.REPORTER)
        )
    }
    assert ticks == {"PRE-TEAM-3": FactorStatus.CONFIRMED, "SUP-1": FactorStatus.REMOVED}
    assert db.session.get(Report, report.id).status is ReportStatus.CODING

    save(client, report, ["ORG-7"])
    removed = db.session.scalars(
        sa.select(FactorChange).where(FactorChange.action == CodingAction.REMOVED)
    ).one()
    assert removed.code.code == "PRE-TEAM-3"
    coding = db.session.scalars(sa.select(ReviewerCoding)).one()
    assert coding.codes == ["ORG-7"]
    page = client.get(f"/review/reports/{report.reference}").get_data(as_text=True)
    assert "Coding history (3 changes)" in page


def test_an_unknown_code_is_refused_with_a_message(client: FlaskClient) -> None:
    report = filed("Something happened.", [])
    login(client, make_user())
    response = save(client, report, ["NOT-A-CODE"])
    assert response.status_code == 200
    assert "Unknown codes: NOT-A-CODE" in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(FactorChange)).all() == []


def test_two_reviewers_codings_feed_the_agreement_page(client: FlaskClient) -> None:
    report = filed("A handover lost the chronology.", [])
    for codes in (["PRE-TEAM-1", "ORG-1"], ["PRE-TEAM-1"]):
        login(client, make_user())
        save(client, report, codes)
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/account"))})
    assert len(db.session.scalars(sa.select(ReviewerCoding)).all()) == 2
    login(client, make_user(Role.ADMIN))
    page = client.get("/admin/agreement").get_data(as_text=True)
    assert "Reviewer against reviewer" in page
    assert "Preconditions" in page


def test_after_save_coding_the_page_opens_at_coding_with_the_confirmation_there(
    client: FlaskClient,
) -> None:
    report = filed("No placement was found out of hours.", ["EXT-1"])
    login(client, make_user())
    response = save(client, report, ["EXT-1"])
    assert response.headers["Location"].endswith(f"/review/reports/{report.reference}#coding")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    start = page.index('<section class="app-report-section" id="coding"')
    coding_section = page[start : page.index("</section>", start)]
    assert "Coding saved" in coding_section
    assert "govuk-notification-banner--success" in coding_section
    assert page.count("Coding saved") == 1
