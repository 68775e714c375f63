"""500 reports filed at once through POST /api/v1/reports by 25 concurrent clients against a real
threaded server: every one stored once, none lost, none doubled, no 5xx."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from learnhub.core.extensions import db
from learnhub.reports.models import Report
from learnhub.reports.receipts import normalise_receipt, receipt_hash
from tests.conftest import LiveServer

SUBMISSIONS = 500
CLIENTS = 25


def file_one(url: str, number: int) -> tuple[int, dict]:
    narrative = f"Concurrent report {number}: the handover note was not passed on."
    return post_report(url, narrative)


def post_report(
    url: str, narrative: str, headers: dict[str, str] | None = None
) -> tuple[int, dict]:
    body = json.dumps(
        {"narrative": narrative, "event_type": "near_miss", "event_month": "2026-09"}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the test server on loopback
        f"{url}/api/v1/reports",
        data=body,
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {"error": exc.read().decode(errors="replace")}


def stored(live_server: LiveServer) -> dict[str, str | None]:
    with live_server.app.app_context():
        rows = db.session.execute(
            sa.select(Report.reference, Report.receipt_hash).where(
                Report.narrative.like("Concurrent report %")
            )
        ).all()
        db.session.remove()
    return dict(rows)


def test_500_concurrent_submissions_are_each_stored_once(live_server: LiveServer) -> None:
    app = live_server.app
    saved_limit = app.config["REPORT_SUBMISSION_LIMIT"]
    # Every client here is 127.0.0.1: the per-client anonymous limit would refuse most of them.
    app.config["REPORT_SUBMISSION_LIMIT"] = "100000/hour"
    try:
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            results = list(pool.map(lambda n: file_one(live_server.url, n), range(SUBMISSIONS)))
    finally:
        app.config["REPORT_SUBMISSION_LIMIT"] = saved_limit

    statuses = Counter(status for status, _ in results)
    assert statuses == {201: SUBMISSIONS}, (statuses, [b for s, b in results if s != 201][:3])
    references = [body["reference"] for _, body in results]
    receipts = [body["receipt"] for _, body in results]
    assert len(set(references)) == SUBMISSIONS
    assert len(set(receipts)) == SUBMISSIONS

    rows = stored(live_server)
    assert len(rows) == SUBMISSIONS  # none lost, none doubled
    assert set(rows) == set(references)
    key = app.config["RECEIPT_KEY"]
    assert {
        reference: receipt_hash(normalise_receipt(receipt), key)
        for reference, receipt in zip(references, receipts, strict=True)
    } == rows
