"""The anonymous report form: answers, check your answers, and a receipt shown once."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from learnhub.core.extensions import db
from learnhub.core.log_summary import SUMMARY
from learnhub.reports import services
from learnhub.reports.models import (
    EventType,
    Report,
    ReportSource,
    ReportStatus,
    ServiceArea,
    SpentSubmission,
)
from learnhub.reports.receipts import new_reference, receipt_hash
from learnhub.taxonomy import services as taxonomy
from learnhub.taxonomy.models import FactorSource, ReportFactor
from tests.factories import csrf_token
from tests.integration.reports.helpers import (
    answers,
    continue_to_check,
    file_through_the_form,
    hidden_fields,
    send_from_check_page,
)


def count_reports() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Report))


def test_the_form_needs_no_login_and_shows_the_safeguarding_notice(client: FlaskClient) -> None:
    page = client.get("/report")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Tell us what happened" in body
    assert "not for raising an immediate risk to a child" in body
    for question in (
        "What happened?",
        "What nearly happened",
        "How serious could it have been",
        "What stopped it",
        "What made it more likely",
        "What would help",
        "What kind of event was it?",
        "When did it happen?",
        "Service area",
        "Your role",
    ):
        assert question in body, question


def test_the_form_offers_the_taxonomy_prompts_by_tier(client: FlaskClient) -> None:
    from learnhub.taxonomy import services as taxonomy

    version = taxonomy.active_version(db.session)
    assert version is not None, "learnhub init loads the default taxonomy"
    groups = taxonomy.codes_by_tier(version)
    body = client.get("/report").get_data(as_text=True)
    for tier, codes in groups:
        assert tier.reporter_heading in body
        assert f'value="{codes[0].code}"' in body


def test_a_report_is_filed_after_checking_answers(client: FlaskClient, app: Flask) -> None:
    check_page = continue_to_check(client)
    body = check_page.get_data(as_text=True)
    assert "Check your answers before sending your report" in body
    assert "The chronology was missing" in body
    assert "September 2026" in body
    assert "not for raising an immediate risk to a child" in body
    assert count_reports() == 0  # nothing is kept until Send

    receipt = file_through_the_form(client)
    report = db.session.scalars(sa.select(Report)).one()
    assert report.receipt_hash == receipt_hash(receipt, app.config["RECEIPT_KEY"])
    assert report.narrative.startswith("The chronology was missing")
    assert report.event_type is EventType.NEAR_MISS
    assert report.event_month == dt.date(2026, 9, 1)
    assert report.status is ReportStatus.NEW
    assert report.source is ReportSource.WEB
    assert report.reference.startswith("LR-")


def test_the_reporters_ticks_are_kept_as_reporter_factors(client: FlaskClient) -> None:
    from learnhub.taxonomy import services as taxonomy

    version = taxonomy.active_version(db.session)
    codes = [codes[0].code for _, codes in taxonomy.codes_by_tier(version)][:2]
    page = client.get("/report")
    data = [
        *answers().items(),
        *(("factors", code) for code in codes),
        ("csrf_token", csrf_token(page)),
    ]
    check_page = client.post("/report", data=MultiDict(data), follow_redirects=True)
    assert ("factors", codes[0]) in hidden_fields(check_page)
    send_from_check_page(client, check_page)
    factors = db.session.scalars(sa.select(ReportFactor)).all()
    assert sorted(f.code.code for f in factors) == sorted(codes)
    assert {f.source for f in factors} == {FactorSource.REPORTER}
    assert all(f.decided_by_id is None for f in factors)


def test_the_receipt_is_shown_only_once(client: FlaskClient) -> None:
    file_through_the_form(client)
    again = client.get("/report/confirmation").get_data(as_text=True)
    assert 'id="receipt"' not in again
    assert "shown only once" in again


def test_pressing_send_twice_files_one_report(client: FlaskClient) -> None:
    check_page = continue_to_check(client)
    first = send_from_check_page(client, check_page)
    second = send_from_check_page(client, check_page)
    assert first.status_code == second.status_code == 302
    assert count_reports() == 1


def test_change_returns_to_the_form_with_every_answer_kept(client: FlaskClient) -> None:
    check_page = continue_to_check(client)
    data = [*hidden_fields(check_page), ("change", "narrative")]
    form_page = client.post("/report", data=MultiDict(data), follow_redirects=True).get_data(
        as_text=True
    )
    assert "The chronology was missing after the case moved teams" in form_page
    assert 'value="2026"' in form_page
    assert "There is a problem" not in form_page


def test_identifying_details_are_shown_before_sending_and_flagged_for_reviewers(
    client: FlaskClient,
) -> None:
    narrative = "Kayden Smith was not seen. Mum's number is 07700 900123 and they live at NE1 4ST."
    check_page = continue_to_check(client, narrative=narrative).get_data(as_text=True)
    assert "Check for details that could identify someone" in check_page
    assert "07700 900123" in check_page
    assert '<mark class="app-identifier"' in check_page
    file_through_the_form(client, narrative=narrative)
    report = db.session.scalars(sa.select(Report)).one()
    kinds = {flag["kind"] for flag in report.identifier_flags}
    assert {"person_name", "phone", "postcode"} <= kinds
    assert all(flag["field"] == "narrative" for flag in report.identifier_flags)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"narrative": ""}, "narrative", "Tell us what happened"),
        (
            {"narrative": "x" * 10_001},
            "narrative",
            "What happened must be 10,000 characters or fewer",
        ),
        (
            {"what_would_help": "x" * 10_001},
            "what_would_help",
            "What would help must be 10,000 characters or fewer",
        ),
        ({"event_type": ""}, "event_type", "Choose what kind of event this was"),
        ({"event_type": "disaster"}, "event_type", "Choose what kind of event this was"),
        ({"event_month": "", "event_year": ""}, "event_month", "Enter the month and year"),
        ({"event_month": "13"}, "event_month", "Month must be a number from 1 to 12"),
        ({"event_year": "26"}, "event_month", "Year must be 4 numbers"),
        ({"event_month": "12", "event_year": "2099"}, "event_month", "this month or earlier"),
        ({"event_year": "2001"}, "event_month", "within the last 5 years"),
        ({"service_area": "mars"}, "service_area", "Choose a service area from the list"),
        ({"reporter_role": "chief"}, "reporter_role", "Choose a role from the list"),
        (
            {"potential_severity": "apocalyptic"},
            "potential_severity",
            "Choose how serious it could have been",
        ),
    ],
)
def test_bad_input_gets_a_message_on_its_field_and_keeps_the_text(
    client: FlaskClient, overrides: dict[str, str], field: str, message: str
) -> None:
    response = continue_to_check(client, **overrides)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in body
    assert message in body
    assert f'href="#{field}"' in body
    if overrides.get("narrative") is None:
        assert "The chronology was missing after the case moved teams" in body
    assert count_reports() == 0


def test_an_unknown_factor_code_is_refused(client: FlaskClient) -> None:
    page = client.get("/report")
    data = [*answers().items(), ("factors", "NOT-A-CODE"), ("csrf_token", csrf_token(page))]
    body = client.post("/report", data=MultiDict(data), follow_redirects=True).get_data(
        as_text=True
    )
    assert "There is a problem" in body
    assert 'href="#factors"' in body


def test_a_tampered_check_page_is_checked_again_on_send(client: FlaskClient) -> None:
    check_page = continue_to_check(client)
    tampered = [(k, "2099" if k == "event_year" else v) for k, v in hidden_fields(check_page)]
    response = client.post("/report/submit", data=MultiDict(tampered))
    assert "this month or earlier" in response.get_data(as_text=True)
    assert count_reports() == 0


def test_a_body_over_the_size_limit_is_413(client: FlaskClient) -> None:
    response = client.post("/report", data={"narrative": "x" * 600_000})
    assert response.status_code == 413
    assert "too long" in response.get_data(as_text=True)


def test_submissions_are_rate_limited_per_client(app: Flask, client: FlaskClient) -> None:
    app.config["REPORT_SUBMISSION_LIMIT"] = "2/hour"
    try:
        for _ in range(2):
            file_through_the_form(client)
        check_page = continue_to_check(client)
        response = send_from_check_page(client, check_page)
    finally:
        app.config["REPORT_SUBMISSION_LIMIT"] = "20/hour"
    assert response.status_code == 429
    assert count_reports() == 2
    assert 3500 < int(response.headers["Retry-After"]) <= 3600
    assert "Wait 1 hour, then go back" in response.get_data(as_text=True)


def test_without_the_csrf_token_nothing_is_filed(client: FlaskClient) -> None:
    response = client.post("/report/submit", data=answers())
    assert response.status_code in (302, 400)
    assert count_reports() == 0


def test_nul_characters_in_a_form_are_taken_out_with_a_message_not_a_crash(
    client: FlaskClient,
) -> None:
    response = continue_to_check(client, narrative="before\x00after", service_area="x\x00")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "beforeafter" in body
    assert "cannot be stored" in body
    login_page = client.get("/login")
    login = client.post(
        "/login",
        data={"email": "a\x00@example.org", "password": "p", "csrf_token": csrf_token(login_page)},
    )
    assert login.status_code == 200
    assert "cannot be stored" in login.get_data(as_text=True)
    assert count_reports() == 0


def test_a_lost_session_shows_the_answers_again_instead_of_losing_them(
    client: FlaskClient,
) -> None:
    check_page = continue_to_check(client)
    with client.session_transaction() as session:
        session.pop("report_tokens", None)  # as if the session had expired
    response = send_from_check_page(client, check_page)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Check your answers again, then send your report" in body
    assert "The chronology was missing after the case moved teams" in body
    assert count_reports() == 0
    send_from_check_page(client, response)
    assert count_reports() == 1


def test_a_timed_out_page_shows_the_form_again_with_every_answer(client: FlaskClient) -> None:
    check_page = continue_to_check(client)
    stale = MultiDict(
        [(k, "stale" if k == "csrf_token" else v) for k, v in hidden_fields(check_page)]
    )
    response = client.post("/report/submit", data=stale)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This page timed out, so your report has not been sent yet" in body
    assert "The chronology was missing after the case moved teams" in body
    assert count_reports() == 0


def spent_keys() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SpentSubmission))


def test_a_check_page_sent_again_from_an_older_session_files_nothing_twice(
    client: FlaskClient,
) -> None:
    check_page = continue_to_check(client)
    with client.session_transaction() as session:
        older = dict(session)  # as another tab or process still holding the cookie would
    send_from_check_page(client, check_page)
    with client.session_transaction() as session:
        session.clear()
        session.update(older)
    again = send_from_check_page(client, check_page)
    assert again.status_code == 302
    assert count_reports() == 1
    assert spent_keys() == 1


def test_a_reference_clash_files_the_report_with_a_fresh_reference(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_through_the_form(client)
    taken = db.session.scalar(sa.select(Report.reference))
    drawn: list[str] = []

    def clashing_once() -> str:
        drawn.append(taken if not drawn else new_reference())
        return drawn[-1]

    monkeypatch.setattr(services, "new_reference", clashing_once)
    version = taxonomy.active_version(db.session)
    codes = [codes[0].code for _, codes in taxonomy.codes_by_tier(version)][:2]
    # The retry files what was checked before the rollback: the area and ticks too.
    receipt = file_through_the_form(client, service_area="fostering", factors=codes)
    assert len(drawn) == 2
    filed = db.session.scalar(sa.select(Report).where(Report.reference == drawn[1]))
    assert filed is not None
    assert filed.service_area is not None
    assert filed.service_area.slug == "fostering"
    factors = db.session.scalars(sa.select(ReportFactor).where(ReportFactor.report_id == filed.id))
    assert sorted(f.code.code for f in factors) == sorted(codes)
    assert filed.receipt_hash == receipt_hash(receipt, client.application.config["RECEIPT_KEY"])
    assert count_reports() == 2
    assert spent_keys() == 2


def test_a_reference_that_keeps_clashing_files_nothing_and_logs_no_answers(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    file_through_the_form(client)
    taken = db.session.scalar(sa.select(Report.reference))
    monkeypatch.setattr(services, "new_reference", lambda: taken)
    check_page = continue_to_check(client)
    assert send_from_check_page(client, check_page).status_code == 500
    # Counted in the day's summary, not written at the time (learnhub.core.log_summary).
    assert caplog.records == []
    SUMMARY.write()
    assert "ReferenceTaken" in caplog.text
    assert answers()["narrative"] not in caplog.text
    assert count_reports() == 1
    assert spent_keys() == 1


def test_send_writes_only_the_report_and_its_spent_key(client: FlaskClient) -> None:
    check_page = continue_to_check(client)
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert send_from_check_page(client, check_page).status_code == 302
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    written = [
        table
        for s in statements
        for table in re.findall(r"(?:INSERT INTO|UPDATE|DELETE FROM) (\w+)", s)
    ]
    assert sorted(written) == ["reports", "spent_submissions"]


PHONE_NARRATIVE = "Mum's number is 07700 900123 and the visit was missed."


@pytest.mark.parametrize(
    "claimed",
    [
        [],
        [("check_seal", "e30.0000")],
        [("findings", "[]"), ("identifier_flags", "[]"), ("scanned", "nothing found")],
    ],
)
def test_send_scans_what_it_receives_whatever_the_page_claims(
    client: FlaskClient, claimed: list[tuple[str, str]]
) -> None:
    """The check page's own scan is never trusted: a page claiming "nothing found" (a seal of
    an older release, or any field a forger adds) still has its answers scanned on Send."""
    fields = hidden_fields(continue_to_check(client, narrative=PHONE_NARRATIVE))
    assert client.post("/report/submit", data=MultiDict(fields + claimed)).status_code == 302
    report = db.session.scalars(sa.select(Report)).one()
    assert {flag["kind"] for flag in report.identifier_flags} == {"phone"}


def test_send_scans_answers_changed_after_the_check_page(client: FlaskClient) -> None:
    fields = hidden_fields(continue_to_check(client))
    changed = [(k, PHONE_NARRATIVE if k == "narrative" else v) for k, v in fields]
    assert client.post("/report/submit", data=MultiDict(changed)).status_code == 302
    report = db.session.scalars(sa.select(Report)).one()
    assert report.narrative == PHONE_NARRATIVE
    assert {flag["kind"] for flag in report.identifier_flags} == {"phone"}


def test_send_checks_the_answers_against_todays_service_areas(
    client: FlaskClient,
) -> None:
    """An area closed between the check page and Send sends the reporter back to choose
    again, with every answer kept."""
    check_page = continue_to_check(client, service_area="fostering")
    area = db.session.scalar(sa.select(ServiceArea).where(ServiceArea.slug == "fostering"))
    area.is_active = False
    db.session.commit()
    response = send_from_check_page(client, check_page)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Choose a service area from the list" in body
    assert "The chronology was missing after the case moved teams" in body
    assert count_reports() == 0
