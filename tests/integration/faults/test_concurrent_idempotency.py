"""Retries racing each other: 12 clients send the same report with the same Idempotency-Key at
once to a real threaded server. One report is filed, and every client gets its answer."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from learnhub.core.extensions import db
from learnhub.reports.models import Report
from tests.conftest import LiveServer
from tests.integration.faults.test_concurrent_reports import post_report

CLIENTS = 12
NARRATIVE = "Racing retries {key}: the strategy meeting went ahead without police."


def post_once(url: str, key: str) -> tuple[int, dict]:
    return post_report(url, NARRATIVE.format(key=key), {"Idempotency-Key": key})


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
