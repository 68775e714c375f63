"""GET /api/v1/dashboard/summary: the page's figures and suppression, problem+json for bad
parameters and for filters that pick out too few reports."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from learnhub.core.permissions import Role
from tests.integration.api.test_themes_api import token_for
from tests.integration.dashboard.test_dashboard_page import PERIOD, a_quarter_of_reports

URL = "/api/v1/dashboard/summary"


@pytest.mark.parametrize("role", [Role.LEADER, Role.REVIEWER])
def test_the_summary_gives_the_pages_figures(app: Flask, client: FlaskClient, role: Role) -> None:
    a_quarter_of_reports()
    response = client.get(URL, query_string=PERIOD, headers=token_for(role))
    assert response.status_code == 200
    body = response.get_json()
    assert body["filters"] == {
        "from": "2026-01",
        "to": "2026-06",
        "service_area": None,
        "event_type": None,
    }
    assert body["reports"]["total"] == {"value": 35, "suppressed": False, "secondary": False}
    monthly = {m["month"]: m for m in body["reports"]["monthly"]}
    assert monthly["2026-01"]["value"] == 10
    assert monthly["2026-03"] == {
        "month": "2026-03",
        "value": None,
        "suppressed": True,
        "secondary": False,
    }
    assert monthly["2026-02"] == {
        "month": "2026-02",
        "value": None,
        "suppressed": True,
        "secondary": True,
    }
    assert monthly["2026-05"]["value"] == 0
    chart = body["reports"]["control_chart"]
    assert chart["upper_limit"] > chart["mean"] > 0
    assert body["reports"]["sentence"]
    assert {t["tier"] for t in body["factors"]} >= {"acts", "preconditions", "went_well"}
    assert set(body["actions"]) == {"open", "overdue", "completed_this_quarter"}
    measures = {m["key"]: m for m in body["measures"]}
    assert measures["median_days_to_triage"]["value"] == 3.0
    assert measures["share_deidentified"]["value"] == round(100 * 12 / 35)


def test_filters_narrow_the_summary(app: Flask, client: FlaskClient) -> None:
    a_quarter_of_reports()
    query = {**PERIOD, "service_area": "front-door", "event_type": "harm"}
    body = client.get(URL, query_string=query, headers=token_for(Role.LEADER)).get_json()
    assert body["reports"]["total"]["value"] == 10  # 11 rounded to the nearest 5


def test_too_few_reports_are_refused(app: Flask, client: FlaskClient) -> None:
    a_quarter_of_reports()
    query = {**PERIOD, "service_area": "residential"}
    response = client.get(URL, query_string=query, headers=token_for(Role.LEADER))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "Fewer than 5 reports" in response.get_json()["detail"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "26-1"}, "from"),
        ({"to": "2026-00"}, "to"),
        ({"from": "2026-06", "to": "2026-01"}, "from"),
        ({"from": "2000-01", "to": "2026-01"}, "from"),
        ({"service_area": "atlantis"}, "service_area"),
        ({"event_type": "blame"}, "event_type"),
    ],
)
def test_bad_parameters_are_problems(
    app: Flask, client: FlaskClient, query: dict[str, str], field: str
) -> None:
    response = client.get(URL, query_string=query, headers=token_for(Role.REVIEWER))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ADMIN])
def test_other_roles_are_forbidden(app: Flask, client: FlaskClient, role: Role) -> None:
    response = client.get(URL, headers=token_for(role))
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert client.get(URL).status_code == 401
