"""The panel's view of a theme as plain data: the statistics in words, excerpts."""

from __future__ import annotations

import datetime as dt

from learnhub.reports.models import Report
from learnhub.themes.models import Theme, ThemeKind
from learnhub.themes.triage import excerpt_of, score, statistics_in_words


def code_theme(**statistics: object) -> Theme:
    return Theme(
        kind=ThemeKind.FACTOR_COMBINATION,
        member_count=9,
        statistics={
            "support": 9,
            "months": 4,
            "reports_in_window": 500,
            "expected": 2.25,
            "lift": 4.0,
            "p_value": 0.00001,
            "adjusted_p_value": 0.0123,
            "tests": 80,
            "test": "hypergeometric",
            "rising_reason": "not rising: 2 reports in the last 3 months",
            **statistics,
        },
    )


def test_statistics_read_as_plain_sentences() -> None:
    words = dict(statistics_in_words(code_theme()))

    assert words["Support"] == "9 reports in 4 different months, out of 500 reports in the window"
    assert words["Expected by chance"] == "2.2 reports if these factors were unrelated"
    assert words["Lift"] == "4.00 times as many reports as chance predicts"
    assert words["How likely by chance"].startswith("p = less than 0.0001 (hypergeometric)")
    assert "q = 0.0123" in words["How likely by chance"]
    assert words["Rising"] == "Not rising: 2 reports in the last 3 months"


def test_a_text_cluster_reports_how_alike_its_reports_are() -> None:
    theme = Theme(
        kind=ThemeKind.TEXT_CLUSTER,
        member_count=5,
        statistics={"support": 5, "months": 3, "tightness": 0.31, "reports_in_window": 90},
    )
    words = dict(statistics_in_words(theme))
    assert words["How alike the reports are"].startswith("average similarity 0.31")
    assert "Lift" not in words
    assert score(theme) == 0.31
    assert score(code_theme()) == 4.0


def test_a_text_cluster_says_how_alike_reports_are_by_chance() -> None:
    statistics = {"tightness": 0.31, "chance_tightness": 0.13, "tightness_standard_error": 0.02}
    theme = Theme(kind=ThemeKind.TEXT_CLUSTER, member_count=5, statistics=statistics)
    words = dict(statistics_in_words(theme))
    assert words["How alike by chance"].startswith("0.13: the closest group")
    assert "allowing 0.02 for its size" in words["How alike by chance"]


def test_excerpts_come_only_from_confirmed_redacted_text() -> None:
    raw = Report(
        reference="R1",
        event_month=dt.date(2026, 5, 1),
        narrative="Jayden was not seen",
        redacted={"narrative": "[child] was not seen"},
        deidentified_on=None,
    )
    assert excerpt_of(raw) is None

    raw.deidentified_on = dt.date(2026, 6, 1)
    excerpt = excerpt_of(raw)
    assert excerpt is not None
    assert excerpt.answers == [("narrative", "[child] was not seen")]
