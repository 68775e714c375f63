"""GET /api/v1/themes and /api/v1/themes/{id}: reviewers see counts; leaders see small counts
suppressed, as null with "suppressed": true."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from learnhub.auth.services import create_api_token
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.themes.models import Theme, ThemeKind, ThemeStatus
from tests.factories import make_user


def token_for(role: Role) -> dict[str, str]:
    _, token = create_api_token(db.session, make_user(role))
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def a_theme(status: ThemeStatus = ThemeStatus.CANDIDATE, members: int = 12) -> Theme:
    theme = Theme(
        signature=f"codes:EXT-1+ORG-4:{status.value}:{members}",
        kind=ThemeKind.FACTOR_COMBINATION,
        status=status,
        title="Recurring factors: EXT-1 + ORG-4",
        defining_codes=["EXT-1", "ORG-4"],
        member_count=members,
        monthly_counts={"2026-09": 3, "2026-10": 9},
        statistics={"lift": 2.5, "rising_reason": "9 in the last 3 months against 2.1 expected"},
        is_rising=True,
    )
    db.session.add(theme)
    db.session.commit()
    return theme


def test_a_reviewer_sees_every_count(client: FlaskClient) -> None:
    theme = a_theme()
    response = client.get("/api/v1/themes?status=candidate", headers=token_for(Role.REVIEWER))
    assert response.status_code == 200
    (body,) = response.get_json()["themes"]
    assert body["id"] == theme.id
    assert body["defining_codes"] == ["EXT-1", "ORG-4"]
    assert body["member_count"] == 12
    assert body["rising"] is True
    assert body["score"] == 2.5
    assert body["monthly_counts"][0] == {"month": "2026-09", "value": 3, "suppressed": False}


def test_a_leader_sees_small_counts_suppressed(client: FlaskClient) -> None:
    theme = a_theme(ThemeStatus.ACCEPTED, members=4)
    body = client.get(f"/api/v1/themes/{theme.id}", headers=token_for(Role.LEADER)).get_json()
    assert body["member_count"] is None
    assert body["suppressed"] is True
    assert body["monthly_counts"] == [
        {"month": "2026-09", "value": None, "suppressed": True},
        {"month": "2026-10", "value": 9, "suppressed": False},
    ]
    assert "3" not in str(body["monthly_counts"])


def test_the_status_filter(client: FlaskClient) -> None:
    accepted = a_theme(ThemeStatus.ACCEPTED)
    a_theme(ThemeStatus.DISMISSED)
    headers = token_for(Role.REVIEWER)
    ids = [
        t["id"]
        for t in client.get("/api/v1/themes?status=accepted", headers=headers).get_json()["themes"]
    ]
    assert ids == [accepted.id]
    bad = client.get("/api/v1/themes?status=everything", headers=headers)
    assert bad.status_code == 422
    assert "status" in bad.get_json()["errors"]


@pytest.mark.parametrize("status", [ThemeStatus.CANDIDATE, ThemeStatus.DISMISSED])
def test_a_leader_is_shown_no_theme_the_panel_has_not_accepted(
    client: FlaskClient, status: ThemeStatus
) -> None:
    theme = a_theme(status)
    headers = token_for(Role.LEADER)
    listed = client.get(f"/api/v1/themes?status={status.value}", headers=headers)
    assert listed.status_code == 200
    assert listed.get_json() == {"themes": []}
    assert client.get("/api/v1/themes", headers=headers).get_json() == {"themes": []}
    assert client.get(f"/api/v1/themes/{theme.id}", headers=headers).status_code == 404
    reviewer = token_for(Role.REVIEWER)
    assert client.get(f"/api/v1/themes/{theme.id}", headers=reviewer).status_code == 200


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ADMIN])
def test_other_roles_are_refused(client: FlaskClient, role: Role) -> None:
    assert client.get("/api/v1/themes", headers=token_for(role)).status_code == 403


def test_unknown_and_retired_themes_are_404(client: FlaskClient) -> None:
    headers = token_for(Role.REVIEWER)
    assert client.get("/api/v1/themes/999999", headers=headers).status_code == 404
    retired = a_theme(ThemeStatus.RETIRED)
    assert client.get(f"/api/v1/themes/{retired.id}", headers=headers).status_code == 404
