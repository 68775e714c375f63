"""Theme pages a team manager understands (issue 19, finding 5): a title and a sentence in the
taxonomy's words, the statistics behind "How this was found", a chart with axes, one scale per
column, and a trend worked out from the monthly counts."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.themes.models import ThemeKind
from tests.factories import login, make_user
from tests.themes_data import make_theme, member_reports


@pytest.fixture
def reviewer(client: FlaskClient) -> FlaskClient:
    login(client, make_user(Role.REVIEWER))
    return client


def outside_details(html: str) -> str:
    return re.sub(r"<details.*?</details>", "", html, flags=re.DOTALL)


def test_the_evidence_reads_in_plain_words_with_the_statistics_behind_details(
    reviewer: FlaskClient,
) -> None:
    theme = make_theme(member_reports(8), signature="t:plain")
    html = reviewer.get(f"/themes/{theme.id}").get_data(as_text=True)
    plain = outside_details(html)
    assert re.search(r"came up together in 8 reports since June 2026", plain)
    for jargon in ("hypergeometric", "Benjamini", "p =", "q =", "Lift"):
        assert jargon not in plain, jargon
    assert "How this was found" in html
    details = html[html.index("How this was found") :]
    assert "Benjamini-Hochberg" in details


def test_the_monthly_chart_has_axes_and_labels(reviewer: FlaskClient) -> None:
    theme = make_theme(member_reports(8), signature="t:chart")
    html = reviewer.get(f"/themes/{theme.id}").get_data(as_text=True)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'class="app-chart__axis"' in svg
    assert ">Reports<" in svg  # the y-axis title
    assert ">Jun 2026<" in svg
    assert ">Sep 2026<" in svg
    assert ">0<" in svg  # the scale starts at zero


def test_each_column_of_the_candidates_has_one_scale(reviewer: FlaskClient) -> None:
    reports = member_reports(6)
    make_theme(reports[:3], signature="t:codes", lift=3.2, title="Codes theme")
    story = make_theme(reports[3:], signature="t:story", title="Story theme")
    story.kind = ThemeKind.TEXT_CLUSTER
    story.statistics = {"tightness": 0.45, "support": 3}
    db.session.commit()
    html = reviewer.get("/themes/").get_data(as_text=True)
    assert "Strength" not in html
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html)
    assert "Times as often as chance" in headers
    assert "How alike (0 to 1)" in headers
    factors = html[html.index("Factors that recur together") : html.index("Similar stories")]
    stories = html[html.index("Similar stories") :]
    assert ">3.2<" in factors
    assert "Story theme" not in factors
    assert ">0.45<" in stories
    assert "Codes theme" not in stories


def test_the_trend_is_worked_out_from_the_monthly_counts(reviewer: FlaskClient) -> None:
    reports = member_reports(4)
    growing = make_theme(reports, signature="t:up", title="Growing theme")
    growing.monthly_counts = {
        "2026-01": 1, "2026-02": 1, "2026-03": 0, "2026-04": 1, "2026-05": 1,
        "2026-06": 0, "2026-07": 1, "2026-08": 5, "2026-09": 6, "2026-10": 8,
    }  # fmt: skip
    steady = make_theme(reports, signature="t:flat", title="Steady theme")
    steady.monthly_counts = {f"2026-{m:02d}": 3 for m in range(1, 11)}
    fading = make_theme(reports, signature="t:down", title="Fading theme")
    fading.monthly_counts = {
        **{f"2026-{m:02d}": 6 for m in range(1, 8)},
        "2026-08": 1, "2026-09": 0, "2026-10": 1,
    }  # fmt: skip
    db.session.commit()
    html = reviewer.get("/themes/").get_data(as_text=True)

    def trend_of(title: str) -> str:
        row = html[html.index(title) :]
        row = row[: row.index("</tr>")]
        return re.sub(r"<[^>]+>", " ", row.split('app-trend">')[1])

    assert "More lately" in trend_of("Growing theme")
    assert "Steady" in trend_of("Steady theme")
    assert "Fewer lately" in trend_of("Fading theme")
