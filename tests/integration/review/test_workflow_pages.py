"""The reviewer's report page: the redaction editor, moving the report between states, closing
it with an outcome note, and the reporter reading that outcome with their receipt."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from learnhub.actions.models import Action, ActionStatus
from learnhub.audit.models import AuditEvent
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.reports.models import Report, ReportStatus
from learnhub.themes.models import Theme, ThemeKind, ThemeMember
from tests.factories import csrf_token, login, make_report, make_user

NAMED = "Jayden Price missed his review; call his mum on 07700 900321."


def post(client: FlaskClient, report: Report, action: str, **data: str) -> TestResponse:
    page = client.get(f"/review/reports/{report.reference}")
    return client.post(
        f"/review/reports/{report.reference}/{action}",
        data={"csrf_token": csrf_token(page), **data},
    )


def audits(object_type: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == object_type)
            .order_by(AuditEvent.id)
        )
    )


def stored(report: Report) -> Report:
    db.session.expire_all()
    found = db.session.get(Report, report.id)
    assert found is not None
    return found


# ---------------------------------------------------------------------------- redaction


def test_the_editor_starts_with_each_flagged_detail_replaced(client: FlaskClient) -> None:
    report, _ = make_report(NAMED)
    login(client, make_user())
    page = client.get(f"/review/reports/{report.reference}").get_data(as_text=True)
    editor = page.split('id="redaction"')[1].split("</form>")[0]
    assert ">[name] missed his review; call his mum on [phone].</textarea>" in editor
    assert "Jayden" not in editor
    assert "Not yet de-identified" in page


def test_confirming_a_clean_version_stores_it_and_audits_it(client: FlaskClient) -> None:
    report, _ = make_report(NAMED)
    reviewer = make_user()
    login(client, reviewer)
    response = post(client, report, "redaction", narrative="[name] missed a review.")
    assert response.status_code == 302
    saved = stored(report)
    assert saved.redacted is not None
    assert saved.redacted["narrative"] == "[name] missed a review."
    assert saved.deidentified_on is not None
    [event] = audits("report_redaction")
    assert (event.action, event.actor_id, event.object_id) == (
        "create",
        reviewer.id,
        report.reference,
    )
    assert event.details["fields_changed"][0] == "narrative"
    assert "Jayden" not in str(event.details)
    page = client.get(f"/review/reports/{report.reference}").get_data(as_text=True)
    assert "De-identified version confirmed" in page
    assert "Check and save revised version" in page
    post(client, report, "redaction", narrative="A young person missed a review.")
    assert stored(report).redacted["narrative"] == "A young person missed a review."  # type: ignore[index]
    assert [e.action for e in audits("report_redaction")] == ["create", "update"]


def test_what_is_still_found_is_shown_and_needs_confirm_anyway(client: FlaskClient) -> None:
    report, _ = make_report(NAMED)
    login(client, make_user())
    typed = "Jayden Price missed a review."
    first = post(client, report, "redaction", narrative=typed)
    page = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "The check still finds details that may identify someone" in page
    assert "<strong>Jayden Price</strong>" in page
    assert f">{typed}</textarea>" in page  # what the reviewer typed is kept
    assert 'name="confirm_anyway"' in page
    assert stored(report).deidentified_on is None
    assert audits("report_redaction") == []
    post(client, report, "redaction", narrative=typed, confirm_anyway="y")
    assert stored(report).deidentified_on is not None
    assert audits("report_redaction")[0].details["confirmed_anyway"] is True


def test_an_empty_narrative_gets_a_message_and_saves_nothing(client: FlaskClient) -> None:
    report, _ = make_report(NAMED)
    login(client, make_user())
    page = post(client, report, "redaction", narrative="  ").get_data(as_text=True)
    assert "Enter the de-identified version of what happened" in page
    assert 'href="#narrative"' in page
    assert stored(report).redacted is None


# ---------------------------------------------------------------------------- states


def test_triage_moves_a_new_report_to_coding_and_dates_it(client: FlaskClient) -> None:
    report, _ = make_report()
    reviewer = make_user()
    login(client, reviewer)
    response = post(client, report, "status", to="coding")
    assert response.status_code == 302
    saved = stored(report)
    assert saved.status is ReportStatus.CODING
    assert saved.triaged_on is not None
    [event] = audits("report_status")
    assert event.details == {"from": "new", "to": "coding"}
    assert event.actor_id == reviewer.id


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("ready_for_learning", "A report that is new cannot move to ready for learning"),
        ("closed", "Write an outcome note to close the report"),
        ("nonsense", "Choose a state from the list"),
    ],
)
def test_refused_moves_say_why_and_change_nothing(
    client: FlaskClient, to: str, message: str
) -> None:
    report, _ = make_report()
    login(client, make_user())
    response = post(client, report, "status", to=to)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert stored(report).status is ReportStatus.NEW
    assert audits("report_status") == []


def test_ready_for_learning_says_what_is_missing(client: FlaskClient) -> None:
    report, _ = make_report()
    login(client, make_user())
    post(client, report, "status", to="coding")
    page = post(client, report, "status", to="ready_for_learning").get_data(as_text=True)
    assert "confirm at least one code and confirm a de-identified version" in page
    assert stored(report).status is ReportStatus.CODING


def test_closing_needs_a_note_which_the_reporter_then_reads(client: FlaskClient) -> None:
    report, receipt = make_report()
    login(client, make_user())
    empty = post(client, report, "close", outcome_note="   ").get_data(as_text=True)
    assert "Write an outcome note for the reporter" in empty
    assert stored(report).status is ReportStatus.NEW
    long_note = "x" * 5_001
    too_long = post(client, report, "close", outcome_note=long_note).get_data(as_text=True)
    assert "5,000 characters or fewer" in too_long
    assert long_note in too_long  # what was typed is kept
    note = "Duty rotas now name who takes the handover."
    assert post(client, report, "close", outcome_note=note).status_code == 302
    saved = stored(report)
    assert (saved.status, saved.outcome_note) == (ReportStatus.CLOSED, note)
    assert saved.closed_on == saved.first_feedback_on == saved.triaged_on
    assert audits("report_status")[0].details == {"from": "new", "to": "closed"}
    db.session.add(
        Action(
            report_id=report.id,
            description="A handover slot on every duty rota",
            owner="Duty and assessment team",
            due_on=dt.date(2026, 12, 1),
            status=ActionStatus.COMPLETED,
            completed_on=dt.date(2026, 11, 20),
        )
    )
    db.session.commit()

    reporter = client.application.test_client()
    entry = reporter.get("/followup")
    reporter.post("/followup", data={"receipt": receipt, "csrf_token": csrf_token(entry)})
    thread = reporter.get("/followup/thread").get_data(as_text=True)
    assert "You said, we did" in thread
    assert note in thread
    assert "A handover slot on every duty rota" in thread
    assert "Closed: you can read what the panel did below." in thread


def test_a_closed_report_shows_its_outcome_and_offers_no_moves(client: FlaskClient) -> None:
    report, _ = make_report()
    login(client, make_user())
    post(client, report, "close", outcome_note="Shared with the team.")
    page = client.get(f"/review/reports/{report.reference}").get_data(as_text=True)
    assert "Shared with the team." in page
    assert 'id="close-report"' not in page
    assert 'id="move-coding"' not in page


def test_the_page_lists_the_themes_the_report_belongs_to(client: FlaskClient) -> None:
    report, _ = make_report()
    theme = Theme(signature="sig", kind=ThemeKind.FACTOR_COMBINATION, title="Lost handovers")
    db.session.add(theme)
    db.session.flush()
    db.session.add(ThemeMember(theme_id=theme.id, report_id=report.id))
    db.session.commit()
    login(client, make_user())
    page = client.get(f"/review/reports/{report.reference}").get_data(as_text=True)
    assert "Lost handovers" in page
    assert "(candidate)" in page


@pytest.mark.parametrize("action", ["redaction", "status", "close"])
def test_only_the_review_panel_may_change_a_report(client: FlaskClient, action: str) -> None:
    report, _ = make_report()
    login(client, make_user(Role.LEADER))
    page = client.get("/account")
    response = client.post(
        f"/review/reports/{report.reference}/{action}",
        data={
            "csrf_token": csrf_token(page),
            "to": "coding",
            "outcome_note": "x",
            "narrative": "x",
        },
    )
    assert response.status_code == 403
    saved = stored(report)
    assert (saved.status, saved.redacted) == (ReportStatus.NEW, None)
