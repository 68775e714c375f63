"""/api/v1/openapi.json documents every /api/v1 endpoint, with the security the guard enforces,
and /api/v1/docs shows the same to people."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from learnhub import create_app
from learnhub.api.openapi import api_rules, openapi_path, rule_methods
from learnhub.core.permissions import Permission, permission_of


@pytest.fixture(scope="module")
def bare_app() -> Flask:
    return create_app({"ENV": "testing", "DATABASE_URL": "sqlite://"})


@pytest.fixture(scope="module")
def document(bare_app: Flask) -> dict:
    response = bare_app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_it_is_a_valid_openapi_3_document(document: dict) -> None:
    validate(document)
    assert document["openapi"].startswith("3.")


def test_every_registered_api_rule_is_documented(bare_app: Flask, document: dict) -> None:
    """A new /api/v1 endpoint fails here until its view carries @documented(...)."""
    missing = [
        f"{method} {rule.rule} ({rule.endpoint})"
        for rule in api_rules(bare_app)
        for method in rule_methods(rule)
        if method.lower() not in document["paths"].get(openapi_path(rule), {})
    ]
    assert not missing, "undocumented API endpoints: " + ", ".join(missing)


def test_security_follows_the_permission_each_view_declares(
    bare_app: Flask, document: dict
) -> None:
    for rule in api_rules(bare_app):
        permission = permission_of(bare_app.view_functions[rule.endpoint])
        for method in rule_methods(rule):
            operation = document["paths"][openapi_path(rule)][method.lower()]
            if permission is Permission.PUBLIC:
                assert operation["security"] in ([], [{"receipt": []}]), rule.endpoint
            else:
                assert operation["security"] == [{"bearerToken": []}], rule.endpoint
                assert operation["x-permission"] == permission.value
                assert {"401", "403"} <= set(operation["responses"]), rule.endpoint


def test_the_report_endpoint_is_described_in_full(document: dict) -> None:
    operation = document["paths"]["/api/v1/reports"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ReportRequest"}
    request = document["components"]["schemas"]["ReportRequest"]
    assert set(request["required"]) == {"narrative", "event_type", "event_month"}
    assert "near_miss" in request["properties"]["event_type"]["enum"]
    assert set(operation["responses"]) == {"201", "400", "413", "422", "429"}
    problem = document["components"]["responses"]["Problem422"]["content"]
    assert problem == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    followup = document["paths"]["/api/v1/followup"]["get"]
    assert followup["security"] == [{"receipt": []}]
    scheme = document["components"]["securitySchemes"]["receipt"]
    assert (scheme["in"], scheme["name"]) == ("header", "X-Receipt")
    theme = document["paths"]["/api/v1/themes/{theme_id}"]["get"]
    assert theme["parameters"][0] == {
        "in": "path",
        "name": "theme_id",
        "required": True,
        "schema": {"type": "integer"},
    }


def test_an_undocumented_endpoint_is_left_out_and_so_caught(bare_app: Flask) -> None:
    from learnhub.api.openapi import build_spec

    app = create_app({"ENV": "testing", "DATABASE_URL": "sqlite://"})
    app.add_url_rule("/api/v1/not-yet-documented", "api.not_yet_documented", lambda: {})
    assert "/api/v1/not-yet-documented" not in build_spec(app)["paths"]


def test_the_api_page_lists_every_endpoint_and_schema(client: FlaskClient, document: dict) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for path, operations in document["paths"].items():
        for method in operations:
            assert f"<code>{method.upper()} {path}</code>" in html
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    assert "<script>" not in html
    assert "The receipt code in the X-Receipt header" in html
    assert "Bearer token of a role with the reports.review permission" in html
