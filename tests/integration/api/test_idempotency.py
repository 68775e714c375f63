"""``Idempotency-Key`` on ``POST /api/v1/reports``: a retry after a dropped connection gets the
first answer and files nothing more; the database keeps no key, no time and no readable receipt."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from learnhub.core.extensions import db
from learnhub.core.time import utcnow
from learnhub.reports import idempotency
from learnhub.reports.models import Report, ReportIdempotencyKey
from learnhub.retention.services import RetentionPolicy, purge
from tests.integration.api.test_reports_api import body


def reports() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Report)) or 0


def post(client: FlaskClient, key: str | None, payload: dict[str, object]):  # type: ignore[no-untyped-def]
    headers = {idempotency.HEADER: key} if key is not None else {}
    return client.post("/api/v1/reports", json=payload, headers=headers)


def test_a_retry_with_the_same_key_answers_the_first_response_and_files_nothing(
    client: FlaskClient,
) -> None:
    key = str(uuid.uuid4())
    first = post(client, key, body())
    assert first.status_code == 201
    retry = post(client, key, body())
    assert retry.status_code == 201
    assert retry.get_json() == first.get_json()  # same reference and the same receipt
    assert retry.headers[idempotency.REPLAYED_HEADER] == "true"
    assert reports() == 1
    # The receipt still opens the report: it is the real one, not a second made up.
    followup = client.get("/api/v1/followup", headers={"X-Receipt": first.get_json()["receipt"]})
    assert followup.status_code == 200


def test_without_a_key_each_post_files_a_report(client: FlaskClient) -> None:
    assert post(client, None, body()).status_code == 201
    assert post(client, None, body()).status_code == 201
    assert reports() == 2


def test_different_keys_file_separately(client: FlaskClient) -> None:
    post(client, str(uuid.uuid4()), body())
    post(client, str(uuid.uuid4()), body())
    assert reports() == 2


def test_the_same_key_with_another_body_is_refused(client: FlaskClient) -> None:
    key = str(uuid.uuid4())
    assert post(client, key, body()).status_code == 201
    other = post(client, key, body(narrative="A different report altogether."))
    assert other.status_code == 422
    assert other.mimetype == "application/problem+json"
    assert idempotency.HEADER in other.get_json()["detail"]
    assert reports() == 1


@pytest.mark.parametrize("key", ["short", "x" * 256, "has space in it, sixteen+", "ключ" * 5])
def test_an_unusable_key_is_a_400_problem(client: FlaskClient, key: str) -> None:
    response = client.post(
        "/api/v1/reports",
        data=json.dumps(body()),
        headers={"Content-Type": "application/json", idempotency.HEADER: key},
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert reports() == 0


def test_a_failed_request_keeps_no_key(client: FlaskClient) -> None:
    key = str(uuid.uuid4())
    assert post(client, key, body(narrative="")).status_code == 422
    assert post(client, key, body()).status_code == 201
    assert reports() == 1


def test_the_stored_row_holds_no_key_no_time_and_no_readable_receipt(
    app: Flask, client: FlaskClient
) -> None:
    key = str(uuid.uuid4())
    answer = post(client, key, body()).get_json()
    row = db.session.scalars(sa.select(ReportIdempotencyKey)).one()
    stored = " ".join(str(value) for value in (row.key_hash, row.used_on, row.sealed_answer))
    for secret in (key, answer["receipt"], answer["reference"], "strategy discussion"):
        assert secret not in stored
    assert isinstance(row.used_on, dt.date)
    assert not isinstance(row.used_on, dt.datetime)
    assert row.key_hash != key
    columns = {c.name for c in ReportIdempotencyKey.__table__.columns}
    # No id, no link, no time: the day, and whether the nightly settling has rewritten it.
    assert columns == {"key_hash", "used_on", "sealed_answer", "settled"}


def test_a_key_expires_after_the_next_day_and_is_purged(app: Flask, client: FlaskClient) -> None:
    key = str(uuid.uuid4())
    post(client, key, body())
    row = db.session.scalars(sa.select(ReportIdempotencyKey)).one()
    today = row.used_on
    # The next day a retry is still answered from the first response.
    row.used_on = today - dt.timedelta(days=1)
    db.session.commit()
    assert post(client, key, body()).status_code == 201
    assert reports() == 1
    # Older than that, the nightly retention job deletes it.
    row = db.session.scalars(sa.select(ReportIdempotencyKey)).one()
    row.used_on = today - dt.timedelta(days=2)
    db.session.commit()
    result = purge(db.session, RetentionPolicy(), today, utcnow())
    db.session.commit()
    assert result.idempotency_keys_deleted == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportIdempotencyKey)) == 0


def test_an_expired_key_not_yet_purged_files_afresh(app: Flask, client: FlaskClient) -> None:
    key = str(uuid.uuid4())
    post(client, key, body())
    row = db.session.scalars(sa.select(ReportIdempotencyKey)).one()
    row.used_on = row.used_on - dt.timedelta(days=2)
    db.session.commit()
    assert post(client, key, body()).status_code == 201
    assert reports() == 2


def test_the_openapi_document_describes_the_header(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/reports"]["post"]
    headers = [p for p in operation["parameters"] if p["in"] == "header"]
    assert [h["name"] for h in headers] == [idempotency.HEADER]
    assert headers[0]["required"] is False
    assert headers[0]["schema"]["maxLength"] == 255
