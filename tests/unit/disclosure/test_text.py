"""A report's text leaves the panel only as its reviewer-confirmed redacted version."""

from __future__ import annotations

import datetime as dt

from learnhub.disclosure.text import confirmed_text, is_shareable, shareable_answers
from learnhub.reports.models import NARRATIVE_FIELDS, Report


def a_report(**kwargs: object) -> Report:
    return Report(narrative="Mia Jones missed her visit.", **kwargs)


def test_nothing_is_shareable_until_a_reviewer_confirms_a_redacted_version() -> None:
    assert shareable_answers(a_report()) is None
    assert shareable_answers(a_report(redacted={"narrative": "A child missed a visit."})) is None
    assert not is_shareable(a_report(deidentified_on=dt.date(2026, 11, 1)))


def test_a_confirmed_version_is_shared_and_never_the_narrative() -> None:
    report = a_report(
        redacted={"narrative": "A child missed a visit."}, deidentified_on=dt.date(2026, 11, 1)
    )
    shared = shareable_answers(report)
    assert shared is not None
    assert set(shared) == set(NARRATIVE_FIELDS)
    assert shared["narrative"] == "A child missed a visit."
    assert "Jones" not in " ".join(shared.values())


def test_an_empty_confirmed_version_shares_nothing() -> None:
    assert shareable_answers(a_report(redacted={}, deidentified_on=dt.date(2026, 11, 1))) is None


def test_confirmed_text_joins_the_answers() -> None:
    assert confirmed_text({"narrative": "One.", "what_would_help": "Two."}) == "One.\nTwo."
    assert confirmed_text(None) == ""
