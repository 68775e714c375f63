"""The reporting and follow-up API: no authentication, problem+json errors per field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from learnhub.core.extensions import db
from learnhub.reports import services
from learnhub.reports.models import Report, ReportSource
from learnhub.reports.receipts import normalise_receipt
from tests.factories import make_report, make_user


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "narrative": "The strategy discussion went ahead without police.",
        "event_type": "near_miss",
        "event_month": "2026-09",
    }
    data.update(overrides)
    return data


def test_posting_a_report_returns_reference_and_receipt(client: FlaskClient) -> None:
    response = client.post("/api/v1/reports", json=body(service_area="front-door"))
    assert response.status_code == 201
    data = response.get_json()
    assert normalise_receipt(data["receipt"]) == data["receipt"]
    report = db.session.scalars(sa.select(Report)).one()
    assert data["reference"] == report.reference
    assert report.source is ReportSource.API
    assert report.service_area.slug == "front-door"
    assert report.event_month == dt.date(2026, 9, 1)


def test_factors_are_taxonomy_codes(client: FlaskClient) -> None:
    from learnhub.taxonomy import services as taxonomy

    version = taxonomy.active_version(db.session)
    code = taxonomy.codes_by_tier(version)[0][1][0].code
    assert client.post("/api/v1/reports", json=body(factors=[code])).status_code == 201
    bad = client.post("/api/v1/reports", json=body(factors=["NOPE-1"]))
    assert bad.status_code == 422
    assert "NOPE-1" in bad.get_json()["errors"]["factors"][0]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (body(narrative=""), "narrative"),
        ({"event_type": "near_miss", "event_month": "2026-09"}, "narrative"),
        (body(narrative=42), "narrative"),
        (body(narrative="x" * 10_001), "narrative"),
        (body(event_type="catastrophe"), "event_type"),
        (body(event_month="September"), "event_month"),
        (body(event_month="2026-13"), "event_month"),
        (body(event_month="2099-01"), "event_month"),
        (body(event_month=202609), "event_month"),
        (body(service_area="atlantis"), "service_area"),
        (body(factors="PRE-1"), "factors"),
        (body(reporter_role="director"), "reporter_role"),
    ],
)
def test_bad_input_is_a_problem_with_per_field_details(
    client: FlaskClient, payload: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/reports", json=payload)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422
    assert field in problem["errors"], problem
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"'])
def test_a_body_that_is_not_a_json_object_is_refused(client: FlaskClient, raw: bytes) -> None:
    response = client.post("/api/v1/reports", data=raw, content_type="application/json")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_an_oversized_body_is_413_problem_json(client: FlaskClient) -> None:
    response = client.post("/api/v1/reports", json=body(narrative="x" * 600_000))
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_followup_returns_status_and_messages(client: FlaskClient) -> None:
    report, receipt = make_report()
    services.ask_reporter(db.session, report, make_user().id, "Which team?", dt.date(2026, 10, 4))
    db.session.commit()
    response = client.get("/api/v1/followup", headers={"X-Receipt": receipt})
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "awaiting_reporter"
    assert data["messages"] == [
        {"direction": "to_reporter", "body": "Which team?", "sent_on": "2026-10-04"}
    ]
    assert "author" not in str(data)


@pytest.mark.parametrize(
    "header", [{"X-Receipt": "nonsense"}, {"X-Receipt": "0000-0000-0000-0000-0000"}]
)
def test_followup_with_a_wrong_receipt_is_one_neutral_404(
    client: FlaskClient, header: dict[str, str]
) -> None:
    make_report()
    response = client.get("/api/v1/followup", headers=header)
    assert response.status_code == 404
    assert response.get_json()["detail"] == "No report matches this receipt."


def test_a_reply_through_the_api(client: FlaskClient) -> None:
    _, receipt = make_report()
    response = client.post(
        "/api/v1/followup/messages",
        json={"body": "Call me on 07700 900789"},
        headers={"X-Receipt": receipt},
    )
    assert response.status_code == 201
    data = response.get_json()
    assert data["message"]["direction"] == "from_reporter"
    assert data["identifier_flags"][0]["kind"] == "phone"
    empty = client.post(
        "/api/v1/followup/messages", json={"body": ""}, headers={"X-Receipt": receipt}
    )
    assert empty.status_code == 422
    assert "body" in empty.get_json()["errors"]


def test_receipt_lookups_are_rate_limited(app: Flask, client: FlaskClient) -> None:
    app.config["RECEIPT_LOOKUP_LIMIT"] = "2/15minute"
    try:
        for _ in range(2):
            client.get("/api/v1/followup", headers={"X-Receipt": "0000-0000-0000-0000-0000"})
        response = client.get("/api/v1/followup", headers={"X-Receipt": "0000-0000-0000-0000-0000"})
    finally:
        app.config["RECEIPT_LOOKUP_LIMIT"] = "10/15minute"
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"


def test_nul_characters_are_bad_input_not_a_crash(client: FlaskClient) -> None:
    response = client.post("/api/v1/reports", json=body(narrative="before\x00after"))
    assert response.status_code == 422
    assert "NUL" in response.get_json()["errors"]["narrative"][0]
    area = client.post("/api/v1/reports", json=body(service_area="front\x00door"))
    assert area.status_code == 422


@pytest.mark.parametrize("raw", [b"not json", b"", b"{"])
def test_a_body_that_is_not_json_is_400(client: FlaskClient, raw: bytes) -> None:
    response = client.post("/api/v1/reports", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_a_missing_receipt_header_is_400_naming_the_header(client: FlaskClient) -> None:
    response = client.get("/api/v1/followup")
    assert response.status_code == 400
    assert "X-Receipt" in response.get_json()["detail"]
