"""Journey 5: a leader reads the dashboard, narrows it with a filter and downloads a table as
CSV — in a real browser at desktop and phone width, with axe-core checks."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.dashboard.rollups import refresh
from learnhub.reports.models import Report, ReportSource
from learnhub.reports.services import ReportSubmission, file_report
from tests.conftest import LiveServer
from tests.e2e.conftest import serious_accessibility_violations
from tests.e2e.test_foundation_pages import sign_in_with_the_keyboard, staff_member

pytestmark = pytest.mark.e2e
PERIOD = "from=2025-07&to=2026-06"


def reports_for_the_dashboard(live_server: LiveServer) -> None:
    """Eighteen months of reports (once per browser session), then a roll-up refresh."""
    with live_server.app.app_context():
        known = set(
            db.session.scalars(
                sa.select(Report.import_key).where(Report.import_key.like("e2e-dash-%"))
            )
        )
        for i in range(12 * 14):
            key = f"e2e-dash-{i}"
            if key in known:
                continue
            month = dt.date(2025, 7 + i % 12, 1) if i % 12 < 6 else dt.date(2026, i % 12 - 5, 1)
            file_report(
                db.session,
                ReportSubmission(
                    narrative="A handover note was not passed on before a home visit.",
                    event_type="harm" if (i // 12) % 4 == 0 else "near_miss",
                    event_month=month,
                    service_area="front-door" if i % 3 else "residential",
                    import_key=key,
                ),
                today=month + dt.timedelta(days=i % 20),
                source=ReportSource.IMPORT,
                receipt_key=live_server.app.config["RECEIPT_KEY"],
            )
        refresh(db.session)
        db.session.commit()
        db.session.remove()


def test_a_leader_reads_filters_and_exports_the_dashboard(
    page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    reports_for_the_dashboard(live_server)
    sign_in_with_the_keyboard(page, live_server, staff_member(live_server, Role.LEADER))
    page.goto(f"{live_server.url}/dashboard/?{PERIOD}")
    assert page.locator("h1").inner_text() == "Learning at a glance"
    assert page.locator("#spc-sentence").inner_text().strip() != ""
    chart = page.locator("img[src*='/dashboard/charts/reports.svg']")
    assert chart.get_attribute("alt").startswith("Statistical process control chart")
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", chart.element_handle()), (
        "the chart image did not load"
    )
    assert page.locator("#reports-table tbody tr").count() == 13  # 12 months and the period
    assert serious_accessibility_violations(page) == []

    page.select_option("#event_type", "harm")
    with page.expect_navigation():
        page.click("button:has-text('Apply filters')")
    assert "event_type=harm" in page.url
    assert "(harm)" in page.locator("#headline").inner_text()
    assert serious_accessibility_violations(page) == []

    with page.expect_download() as download_info:
        page.click("a:has-text('Download reports each month (CSV)')")
    download = download_info.value
    assert download.suggested_filename == "learnhub-reports-2025-07-to-2026-06.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert rows[0] == ["Month", "Reports received", "Special-cause signal"]
    assert len(rows) == 14
    # 48 harm reports over 12 months: 4 a month, every one hidden, the total shown rounded.
    assert {row[1] for row in rows[1:-1]} == {"fewer than 5"}
    assert rows[-1][:2] == ["Whole period", "50"]
    assert page.csp_errors == []


def test_a_filter_that_picks_out_too_few_reports_is_refused(
    page: Any, live_server: LiveServer
) -> None:
    reports_for_the_dashboard(live_server)
    sign_in_with_the_keyboard(page, live_server, staff_member(live_server, Role.LEADER))
    page.goto(f"{live_server.url}/dashboard/?from=2026-01&to=2026-01&event_type=harm")
    assert "too few reports to show" in page.locator("#refused").inner_text()
    assert serious_accessibility_violations(page) == []


def test_the_dashboard_works_without_javascript(no_js_page: Any, live_server: LiveServer) -> None:
    reports_for_the_dashboard(live_server)
    page = no_js_page
    sign_in_with_the_keyboard(page, live_server, staff_member(live_server, Role.LEADER))
    page.goto(f"{live_server.url}/dashboard/?{PERIOD}")
    page.select_option("#service_area", "front-door")
    with page.expect_navigation():
        page.click("button:has-text('Apply filters')")
    assert "service_area=front-door" in page.url
    assert "in Front door and MASH" in page.locator("#headline").inner_text()
    page.click("a:has-text('Conditions of the work')")
    assert page.locator("h1").inner_text() == "Conditions of the work"
    assert "service_area=front-door" in page.url
