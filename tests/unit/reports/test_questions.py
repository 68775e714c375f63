"""The questions' definition is whole: the form asks every question once, in its sections."""

from __future__ import annotations

from learnhub.reports.models import Report
from learnhub.reports.questions import NARRATIVE_FIELDS, QUESTIONS, SECTIONS


def test_every_question_is_in_exactly_one_section_in_the_order_defined() -> None:
    asked = [name for section in SECTIONS for name in section.names]
    assert asked == [question.name for question in QUESTIONS]


def test_the_written_answers_are_the_reports_text_columns_in_the_order_asked() -> None:
    assert NARRATIVE_FIELDS == (
        "narrative",
        "what_nearly_happened",
        "what_stopped_it",
        "what_made_it_likely",
        "what_would_help",
    )
    assert all(hasattr(Report, name) for name in NARRATIVE_FIELDS)
