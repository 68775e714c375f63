"""POST /api/v1/reports/{reference}/suggestions: ranked codes with scores, for reviewers only."""

import pytest
from flask.testing import FlaskClient

from learnhub.auth.services import create_api_token
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from tests.factories import make_report, make_user


def token_for(role: Role) -> dict[str, str]:
    _, token = create_api_token(db.session, make_user(role))
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_a_reviewer_gets_ranked_suggestions(client: FlaskClient) -> None:
    report, _ = make_report("No placement could be found, so the young person slept in the office.")
    response = client.post(
        f"/api/v1/reports/{report.reference}/suggestions",
        headers=token_for(Role.REVIEWER),
        json={"limit": 3},
    )
    assert response.status_code == 200
    data = response.get_json()
    assert data["reference"] == report.reference
    assert len(data["suggestions"]) == 3
    scores = [s["score"] for s in data["suggestions"]]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 1 for s in scores)
    assert "EXT-1" in [s["code"] for s in data["suggestions"]]


@pytest.mark.parametrize("role", [Role.LEADER, Role.EDITOR, Role.ADMIN])
def test_other_roles_are_refused(client: FlaskClient, role: Role) -> None:
    report, _ = make_report()
    response = client.post(
        f"/api/v1/reports/{report.reference}/suggestions", headers=token_for(role)
    )
    assert response.status_code == 403


def test_unknown_reference_and_bad_limit(client: FlaskClient) -> None:
    headers = token_for(Role.REVIEWER)
    assert (
        client.post("/api/v1/reports/LR-XXXXX-XXXXX/suggestions", headers=headers).status_code
        == 404
    )
    report, _ = make_report()
    bad = client.post(
        f"/api/v1/reports/{report.reference}/suggestions", headers=headers, json={"limit": 99}
    )
    assert bad.status_code == 422
    assert "limit" in bad.get_json()["errors"]
