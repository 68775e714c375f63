"""A reviewer can de-identify an imported answer longer than the form's 10,000 characters."""

from __future__ import annotations

import pytest

from learnhub.reports.models import NARRATIVE_FIELDS, Report
from learnhub.review.redaction import RedactionInvalid, check_redaction


def imported(narrative: str) -> Report:
    return Report(narrative=narrative, **dict.fromkeys(NARRATIVE_FIELDS[1:], ""))


def test_a_long_imported_answer_can_be_redacted() -> None:
    report = imported("The visit was missed. " * 2_000)  # 44,000 characters
    redacted = check_redaction(report, {"narrative": "The visit was missed [name]. " * 1_500})
    assert len(redacted["narrative"]) > 40_000


def test_the_redacted_version_is_no_longer_than_the_answer() -> None:
    report = imported("x" * 50_000)
    with pytest.raises(RedactionInvalid) as refused:
        check_redaction(report, {"narrative": "y" * 50_001})
    assert "50,000 characters or fewer" in refused.value.errors["narrative"]
