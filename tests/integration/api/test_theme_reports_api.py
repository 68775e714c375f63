"""GET /api/v1/themes/{id}/reports: the review panel reads a theme's reports by reference, a page
at a time; bad paging and unknown themes are problems; no one else may list them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from learnhub.audit.models import AuditEvent
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.themes.models import ThemeStatus
from tests.integration.api.test_themes_api import token_for
from tests.themes_data import make_theme, member_reports


def url(theme_id: int, query: str = "") -> str:
    return f"/api/v1/themes/{theme_id}/reports{query}"


def test_a_reviewer_pages_through_every_member_once(client: FlaskClient) -> None:
    reports = member_reports(7)
    other = member_reports(2)
    theme = make_theme(reports, signature="codes:A+B")
    make_theme(other, signature="codes:C+D")
    headers = token_for(Role.REVIEWER)

    pages = [client.get(url(theme.id, f"?size=3&page={n}"), headers=headers) for n in (1, 2, 3)]

    assert [p.status_code for p in pages] == [200, 200, 200]
    bodies = [p.get_json() for p in pages]
    assert [len(b["reports"]) for b in bodies] == [3, 3, 1]
    assert {(b["total"], b["pages"], b["size"]) for b in bodies} == {(7, 3, 3)}
    seen = [r["reference"] for b in bodies for r in b["reports"]]
    assert sorted(seen) == sorted(r.reference for r in reports)
    received = [r["received_on"] for b in bodies for r in b["reports"]]
    assert received == sorted(received, reverse=True)
    first = bodies[0]["reports"][0]
    newest = max(reports, key=lambda r: (r.received_on, r.id))
    assert first == {
        "reference": newest.reference,
        "event_month": f"{newest.event_month:%Y-%m}",
        "received_on": newest.received_on.isoformat(),
        "status": newest.status.value,
    }
    past = client.get(url(theme.id, "?size=3&page=4"), headers=headers).get_json()
    assert past["reports"] == []
    assert past["total"] == 7


def test_the_default_page_and_the_audit_entry(client: FlaskClient) -> None:
    theme = make_theme(member_reports(3), signature="codes:A+B")
    body = client.get(url(theme.id), headers=token_for(Role.REVIEWER)).get_json()
    assert (body["page"], body["size"], body["total"], len(body["reports"])) == (1, 50, 3, 3)
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "theme_report")
    ).one()
    assert event.action == "list"


@pytest.mark.parametrize(
    ("query", "field"),
    [("?page=0", "page"), ("?page=x", "page"), ("?size=0", "size"), ("?size=201", "size")],
)
def test_bad_paging_is_a_problem(client: FlaskClient, query: str, field: str) -> None:
    theme = make_theme(member_reports(3), signature="codes:A+B")
    response = client.get(url(theme.id, query), headers=token_for(Role.REVIEWER))
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize("status", [ThemeStatus.MERGED, ThemeStatus.RETIRED])
def test_an_unknown_or_unlisted_theme_is_not_found(
    client: FlaskClient, status: ThemeStatus
) -> None:
    headers = token_for(Role.REVIEWER)
    gone = make_theme(member_reports(3), signature=f"codes:{status}", status=status)
    for theme_id in (gone.id, 999_999):
        response = client.get(url(theme_id), headers=headers)
        assert response.status_code == 404
        assert response.content_type == "application/problem+json"
    assert client.get("/api/v1/themes/abc/reports", headers=headers).status_code == 404


@pytest.mark.parametrize("role", [Role.LEADER, Role.EDITOR, Role.ADMIN])
def test_no_one_outside_the_panel_may_list_a_themes_reports(
    client: FlaskClient, role: Role
) -> None:
    theme = make_theme(member_reports(6), signature="codes:A+B", status=ThemeStatus.ACCEPTED)
    response = client.get(url(theme.id), headers=token_for(role))
    assert response.status_code == 403
    assert response.content_type == "application/problem+json"
    assert "reference" not in response.get_data(as_text=True)
