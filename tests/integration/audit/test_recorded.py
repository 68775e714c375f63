"""Each kind of staff read or change that exists is written to the audit trail, with who did it;
anything a reporter does is never written there."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient, FlaskCliRunner

from learnhub.audit import services as audit
from learnhub.audit.models import AuditEvent
from learnhub.auth.models import ApiToken
from learnhub.auth.services import create_api_token, find_user_by_email
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.reports.models import Report
from tests.factories import PASSWORD, csrf_token, login, make_report, make_theme, make_user
from tests.integration.reports.helpers import file_through_the_form


def last_event() -> AuditEvent:
    return db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()


def event_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0


def bearer(role: Role) -> tuple[dict[str, str], int]:
    user = make_user(role)
    _, token = create_api_token(db.session, user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}, user.id


def test_a_user_created_on_the_command_line(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["users", "create", "new@example.org", "--role", "editor", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = find_user_by_email(db.session, "new@example.org")
    event = last_event()
    assert (event.actor_label, event.action, event.object_type, event.object_id) == (
        "system",
        "create",
        "user",
        str(user.id),
    )
    assert event.details == {"role": "editor", "via": "cli"}


def test_a_user_created_on_the_admin_page(client: FlaskClient) -> None:
    admin = make_user(Role.ADMIN)
    login(client, admin)
    page = client.get("/admin/users")
    client.post(
        "/admin/users",
        data={
            "email": "panel@example.org",
            "display_name": "Sam Panel",
            "role": "reviewer",
            "password": PASSWORD,
            "csrf_token": csrf_token(page),
        },
    )
    created = find_user_by_email(db.session, "panel@example.org")
    event = last_event()
    assert (event.actor_id, event.action, event.object_type, event.object_id) == (
        admin.id,
        "create",
        "user",
        str(created.id),
    )


@pytest.mark.parametrize(
    ("path", "object_type"), [("/admin/users", "user"), ("/admin/service-areas", "setting")]
)
def test_administrators_reading_accounts_and_settings(
    client: FlaskClient, path: str, object_type: str
) -> None:
    admin = make_user(Role.ADMIN)
    login(client, admin)
    assert client.get(path).status_code == 200
    event = last_event()
    assert (event.actor_id, event.action, event.object_type) == (admin.id, "list", object_type)


def test_a_token_created_on_the_command_line(runner: FlaskCliRunner) -> None:
    user = make_user(Role.LEADER)
    assert runner.invoke(args=["tokens", "create", user.email]).exit_code == 0
    token = db.session.scalars(sa.select(ApiToken)).one()
    event = last_event()
    assert (event.action, event.object_type, event.object_id) == (
        "create",
        "api_token",
        str(token.id),
    )
    assert event.details["user"] == user.id


def test_a_report_read_through_the_api(client: FlaskClient) -> None:
    report, _ = make_report("The out-of-hours team had no access to the case notes.")
    headers, reviewer_id = bearer(Role.REVIEWER)
    response = client.post(f"/api/v1/reports/{report.reference}/suggestions", headers=headers)
    assert response.status_code == 200
    event = last_event()
    assert (event.actor_id, event.action, event.object_type, event.object_id) == (
        reviewer_id,
        "read",
        "report",
        report.reference,
    )


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.LEADER])
def test_themes_read_through_the_api(client: FlaskClient, role: Role) -> None:
    theme = make_theme(signature="codes:EXT-1:audit", members=7)
    headers, user_id = bearer(role)
    assert client.get("/api/v1/themes?status=accepted", headers=headers).status_code == 200
    listed = last_event()
    assert (listed.actor_id, listed.action, listed.object_type) == (user_id, "list", "theme")
    assert listed.details["status"] == "accepted"
    assert client.get(f"/api/v1/themes/{theme.id}", headers=headers).status_code == 200
    read = last_event()
    assert (read.actor_id, read.action, read.object_type, read.object_id) == (
        user_id,
        "read",
        "theme",
        str(theme.id),
    )


def test_a_question_to_the_reporter_and_a_coding_change(client: FlaskClient) -> None:
    report, _ = make_report()
    reviewer = make_user()
    login(client, reviewer)
    page = client.get(f"/review/reports/{report.reference}")
    client.post(
        f"/review/reports/{report.reference}/questions",
        data={"body": "Which system held the chronology?", "csrf_token": csrf_token(page)},
    )
    asked = last_event()
    assert (asked.actor_id, asked.action, asked.object_type) == (
        reviewer.id,
        "create",
        "reporter_message",
    )
    assert asked.details == {"report": report.reference}
    page = client.get(f"/review/reports/{report.reference}")
    client.post(
        f"/review/reports/{report.reference}/coding",
        data={"csrf_token": csrf_token(page), "codes": "EXT-1"},
    )
    coded = last_event()
    assert (coded.actor_id, coded.action, coded.object_type, coded.object_id) == (
        reviewer.id,
        "update",
        "report_codes",
        report.reference,
    )


def test_reporters_are_never_in_it(client: FlaskClient) -> None:
    before = event_count()
    form_receipt = file_through_the_form(client)
    assert form_receipt
    api = client.post(
        "/api/v1/reports",
        json={
            "narrative": "Nobody had the key.",
            "event_type": "no_harm",
            "event_month": "2026-10",
        },
    )
    receipt = api.get_json()["receipt"]
    headers = {"X-Receipt": receipt}
    assert client.get("/api/v1/followup", headers=headers).status_code == 200
    reply = client.post("/api/v1/followup/messages", json={"body": "More."}, headers=headers)
    assert reply.status_code == 201
    page = client.get("/followup")
    client.post("/followup", data={"receipt": receipt, "csrf_token": csrf_token(page)})
    assert client.get("/followup/thread").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 2
    assert event_count() == before
    assert audit.first_broken_entry(db.session) is None
