"""Retries racing each other: 12 clients send the same report with the same Idempotency-Key at
once to a real threaded server. One report is filed, and every client gets its answer."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from learnhub.extensions import db
from learnhub.reports.models import Report
from tests.conftest import LiveServer

CLIENTS = 12
NARRATIVE = "Racing retries {key}: the strategy meeting went ahead without police."


def post_once(url: str, key: str) -> tuple[int, dict[str, object]]:
    body = json.dumps(
        {
            "narrative": NARRATIVE.format(key=key),
            "event_type": "near_miss",
            "event_month": "2026-09",
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the test server on loopback
        f"{url}/api/v1/reports",
        data=body,
        headers={"Content-Type": "application/json", "Idempotency-Key": key},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {"error": exc.read().decode(errors="replace")}


def test_concurrent_retries_with_one_key_file_one_report(live_server: LiveServer) -> None:
    app = live_server.app
    app.extensions["learnhub_anonymous_limiter"].reset()
    key = str(uuid.uuid4())
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(lambda _: post_once(live_server.url, key), range(CLIENTS)))
    assert {status for status, _ in results} == {201}, results
    answers = {json.dumps(body, sort_keys=True) for _, body in results}
    assert len(answers) == 1  # the same reference and receipt for every client
    with app.app_context():
        filed = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Report)
            .where(Report.narrative == NARRATIVE.format(key=key))
        )
        db.session.remove()
    assert filed == 1
