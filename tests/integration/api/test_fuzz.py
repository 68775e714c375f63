"""Schemathesis fuzzes every documented /api/v1 operation through the WSGI app, anonymously and
with each role's token: no 5xx, every response (problem+json included) matches its schema, its
documented status codes and content type."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from learnhub.auth.services import create_api_token
from learnhub.core.permissions import Role
from learnhub.extensions import db
from learnhub.themes.models import Theme, ThemeKind, ThemeStatus
from tests.factories import make_report, make_user

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


@pytest.fixture
def api_schema(app: Flask) -> Any:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # Valid requests and invalid ones: both must be answered without a 5xx, in the documented shape.
    schema.config.generation.update(modes=list(schemathesis.GenerationMode))
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def real_objects(app: Flask) -> dict[str, Any]:
    """A report with its receipt and a theme, so half the cases reach past a 404."""
    report, receipt = make_report(
        "The placement ended at short notice and the plan was not shared.",
        receipt_key=app.config["RECEIPT_KEY"],
    )
    theme = Theme(
        signature="codes:EXT-1:fuzz",
        kind=ThemeKind.FACTOR_COMBINATION,
        status=ThemeStatus.CANDIDATE,
        title="Recurring factors: EXT-1",
        defining_codes=["EXT-1"],
        member_count=3,
        monthly_counts={"2026-09": 3},
        statistics={"lift": 1.5},
    )
    db.session.add(theme)
    db.session.commit()
    return {"reference": report.reference, "receipt": receipt, "theme_id": theme.id}


@pytest.fixture
def callers(app: Flask) -> dict[str, dict[str, str]]:
    """Request headers for an anonymous caller and for a token of each role."""
    headers = {"anonymous": {}}
    for role in Role:
        _, token = create_api_token(db.session, make_user(role))
        headers[role.value] = {"Authorization": f"Bearer {token}"}
    db.session.commit()
    return headers


_alternate = itertools.count()  # which half of the cases reach real objects, and which callers


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_5xx_and_every_response_matches_its_schema(
    case: schemathesis.Case, callers: dict[str, dict[str, str]], real_objects: dict[str, Any]
) -> None:
    turn = next(_alternate)
    if turn % 2:
        for name in ("reference", "theme_id"):
            if case.path_parameters and name in case.path_parameters:
                case.path_parameters[name] = real_objects[name]
        if case.operation.path.startswith("/api/v1/followup"):
            case.headers = {**(case.headers or {}), "X-Receipt": real_objects["receipt"]}
    # Each case goes anonymously and with every role's token in turn (three at a time keeps the
    # run short while every caller meets every operation several times).
    names = sorted(callers)
    for offset in range(3):
        caller = callers[names[(turn + offset * 2) % len(names)]]
        case.call_and_validate(headers={**(case.headers or {}), **caller}, checks=CHECKS)
