"""Action pages: agreeing an action on a theme or a report, recording progress, the lists."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from learnhub.actions.models import Action, ActionStatus
from learnhub.audit.models import AuditEvent
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.themes.models import ThemeStatus
from tests.factories import csrf_token, login, make_user
from tests.themes_data import make_theme, member_reports


@pytest.fixture
def reviewer(client: FlaskClient) -> FlaskClient:
    login(client, make_user(Role.REVIEWER))
    return client


def agree(client: FlaskClient, query: str, **fields: str) -> object:
    page = client.get(f"/actions/new?{query}")
    data = {
        "description": "Handover checklist used by every duty team",
        "owner": "Duty and assessment service",
        "owner_email": "duty@example.org",
        "due_day": "31",
        "due_month": "1",
        "due_year": "2027",
        **fields,
        "csrf_token": csrf_token(page),
    }
    return client.post(f"/actions/new?{query}", data=data)


def only_action() -> Action:
    return db.session.scalars(sa.select(Action)).one()


def test_an_action_agreed_on_a_theme_shows_on_the_theme(reviewer: FlaskClient) -> None:
    theme = make_theme(member_reports(3), signature="a:theme", status=ThemeStatus.ACCEPTED)

    page = reviewer.get(f"/actions/new?theme_id={theme.id}").get_data(as_text=True)
    assert "Owner (a team or role)" in page
    assert "never a named person" in page
    response = agree(reviewer, f"theme_id={theme.id}")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/themes/{theme.id}"
    action = only_action()
    assert action.theme_id == theme.id
    assert action.due_on == dt.date(2027, 1, 31)
    assert action.owner_email == "duty@example.org"
    assert action.status is ActionStatus.OPEN
    body = reviewer.get(f"/themes/{theme.id}").get_data(as_text=True)
    assert "Handover checklist used by every duty team" in body
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "action")
    ).all()
    assert [e.action for e in events] == ["create"]


def test_an_action_agreed_on_a_report_goes_back_to_the_report(reviewer: FlaskClient) -> None:
    [report] = member_reports(1)
    response = agree(reviewer, f"report_id={report.id}", owner_email="")
    assert response.headers["Location"] == f"/review/reports/{report.reference}"
    assert only_action().report_id == report.id
    assert only_action().owner_email is None


@pytest.mark.parametrize(
    ("fields", "message", "anchor"),
    [
        ({"owner": ""}, "Enter the team or role that owns the action", "#owner"),
        ({"description": ""}, "Enter what will change", "#description"),
        (
            {"due_day": "", "due_month": "", "due_year": ""},
            "Enter the date the action is due",
            "#due_day",
        ),
        ({"due_month": ""}, "The due date must include a month", "#due_day"),
        ({"due_day": "31", "due_month": "2"}, "The due date must be a real date", "#due_day"),
        ({"due_year": "27"}, "The due date must be a real date", "#due_day"),
        ({"owner_email": "nobody"}, "Enter an email address like", "#owner_email"),
    ],
)
def test_bad_input_gets_a_message_and_keeps_what_was_typed(
    reviewer: FlaskClient, fields: dict[str, str], message: str, anchor: str
) -> None:
    theme = make_theme(member_reports(3), signature="a:bad")
    typed = {"description": "Typed description", "owner": "Typed owner team", **fields}
    response = agree(reviewer, f"theme_id={theme.id}", **typed)
    body = response.get_data(as_text=True)

    assert response.status_code == 200
    assert message in body
    assert f'href="{anchor}"' in body
    for value in typed.values():
        assert value in body
    assert db.session.scalars(sa.select(Action)).all() == []


@pytest.mark.parametrize(
    "query",
    ["", "theme_id=99999", "report_id=abc", "theme_id=1&report_id=1", "theme_id=" + "9" * 30],
)
def test_an_action_must_be_on_a_real_theme_or_report(reviewer: FlaskClient, query: str) -> None:
    assert reviewer.get(f"/actions/new?{query}").status_code == 404


def test_completing_an_action_needs_evidence(reviewer: FlaskClient) -> None:
    theme = make_theme(member_reports(3), signature="a:complete", status=ThemeStatus.ACCEPTED)
    agree(reviewer, f"theme_id={theme.id}")
    action = only_action()
    page = reviewer.get(f"/actions/{action.id}")
    token = csrf_token(page)

    refused = reviewer.post(
        f"/actions/{action.id}",
        data={"status": "completed", "completion_evidence": "", "csrf_token": token},
    )
    assert "Enter the evidence that the action is complete" in refused.get_data(as_text=True)
    assert 'href="#completion_evidence"' in refused.get_data(as_text=True)
    bad_status = reviewer.post(
        f"/actions/{action.id}", data={"status": "finished", "csrf_token": token}
    )
    assert "Choose open, in progress, completed or cancelled" in bad_status.get_data(as_text=True)

    done = reviewer.post(
        f"/actions/{action.id}",
        data={
            "status": "completed",
            "completion_evidence": "Checklist in use since March",
            "csrf_token": token,
        },
    )
    assert done.status_code == 302
    db.session.expire_all()
    action = db.session.get(Action, action.id)
    assert action.status is ActionStatus.COMPLETED
    assert action.completion_evidence == "Checklist in use since March"
    assert action.completed_on is not None
    assert "Checklist in use since March" in reviewer.get(f"/actions/{action.id}").get_data(
        as_text=True
    )


def test_the_overdue_list_and_the_status_filter(reviewer: FlaskClient) -> None:
    theme = make_theme(member_reports(3), signature="a:lists", status=ThemeStatus.ACCEPTED)
    agree(reviewer, f"theme_id={theme.id}", description="Late one", due_year="2020")
    agree(reviewer, f"theme_id={theme.id}", description="Future one", due_year="2099")

    overdue = reviewer.get("/actions/overdue").get_data(as_text=True)
    assert "Late one" in overdue
    assert "Future one" not in overdue
    everything = reviewer.get("/actions/").get_data(as_text=True)
    assert "Late one" in everything
    assert "Future one" in everything
    assert "Overdue" in everything
    assert "Late one" not in reviewer.get("/actions/?status=completed").get_data(as_text=True)
    assert reviewer.get("/actions/?status=lost").status_code == 404
    assert reviewer.get("/actions/99999").status_code == 404


def test_leaders_cannot_reach_actions(client: FlaskClient) -> None:
    login(client, make_user(Role.LEADER))
    assert client.get("/actions/").status_code == 403
    assert client.get("/actions/overdue").status_code == 403
