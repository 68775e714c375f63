"""The redaction editor's pure parts: placeholders over flagged spans, and what may be shared."""

from __future__ import annotations

import datetime as dt

import pytest

import learnhub.models  # noqa: F401  (every mapper, so a Report can be built alone)
from learnhub.disclosure.text import shareable_answers
from learnhub.reports.identifiers import find_identifiers
from learnhub.reports.models import Report
from learnhub.reports.services import flags_for_reviewers, scan_answers
from learnhub.review import redaction


def flags(field: str, text: str) -> list[dict[str, object]]:
    return flags_for_reviewers({field: find_identifiers(text)})


def test_each_flagged_span_becomes_its_kind_placeholder() -> None:
    text = "Jayden Price was not seen; call 07700 900321 or write to jp@example.org."
    assert redaction.with_placeholders(text, flags("narrative", text)) == (
        "[name] was not seen; call [phone] or write to [email]."
    )


def test_every_kind_has_a_placeholder_the_detector_does_not_flag() -> None:
    placeholders = " ".join(redaction.PLACEHOLDERS.values())
    assert len(redaction.PLACEHOLDERS) == 9
    assert find_identifiers(f"Spoke to {placeholders} about it.") == []


@pytest.mark.parametrize(
    "flag",
    [
        {"kind": "phone", "start": 5, "end": 99},  # past the end: the text changed
        {"kind": "phone", "start": 4, "end": 4},  # empty
    ],
)
def test_spans_that_no_longer_fit_the_text_are_left_alone(flag: dict[str, object]) -> None:
    assert redaction.with_placeholders("Call 0770", [flag]) == "Call 0770"


def test_overlapping_spans_replace_the_first_only() -> None:
    spans = [
        {"kind": "person_name", "start": 0, "end": 5},
        {"kind": "address", "start": 3, "end": 9},
    ]
    assert redaction.with_placeholders("Ann Lee Road", spans) == "[name]ee Road"


def test_an_unknown_kind_is_still_removed() -> None:
    assert redaction.with_placeholders("ab XYZ", [{"kind": "new", "start": 3, "end": 6}]) == (
        "ab [removed]"
    )


def unsaved_report(**answers: str) -> Report:
    report = Report(**{"narrative": "", "what_would_help": "", **answers})
    found = scan_answers(report.answers())
    report.identifier_flags = flags_for_reviewers(found)
    return report


def test_the_first_draft_replaces_flags_in_every_answer() -> None:
    report = unsaved_report(
        narrative="Mia Jones missed her visit.", what_would_help="Ring 07700 900123 first."
    )
    draft = redaction.draft(report)
    assert draft["narrative"] == "[name] missed her visit."
    assert draft["what_would_help"] == "Ring [phone] first."
    assert draft["what_stopped_it"] == ""


def test_the_draft_is_the_confirmed_version_once_there_is_one() -> None:
    report = unsaved_report(narrative="Mia Jones missed her visit.")
    report.redacted = {"narrative": "A child missed a visit."}
    assert redaction.draft(report)["narrative"] == "A child missed a visit."
    assert redaction.draft(report)["what_would_help"] == ""


def test_the_narrative_cannot_be_blanked_and_nothing_is_added_to_empty_answers() -> None:
    report = unsaved_report(narrative="Mia Jones missed her visit.")
    with pytest.raises(redaction.RedactionInvalid) as error:
        redaction.check_redaction(report, {"narrative": "   "})
    assert "narrative" in error.value.errors
    checked = redaction.check_redaction(
        report, {"narrative": " A child missed a visit. ", "what_would_help": "added text"}
    )
    assert checked["narrative"] == "A child missed a visit."
    assert checked["what_would_help"] == ""


def test_too_long_a_redacted_answer_is_refused() -> None:
    report = unsaved_report(narrative="A visit was missed.")
    with pytest.raises(redaction.RedactionInvalid):
        redaction.check_redaction(report, {"narrative": "x" * 10_001})


def test_only_a_confirmed_version_is_shareable() -> None:
    report = unsaved_report(narrative="Mia Jones missed her visit.")
    assert shareable_answers(report) is None
    report.redacted = {"narrative": "A child missed a visit."}
    assert shareable_answers(report) is None  # stored but not confirmed
    report.deidentified_on = dt.date(2026, 11, 1)
    shared = shareable_answers(report)
    assert shared is not None
    assert shared["narrative"] == "A child missed a visit."
    assert set(shared) == set(report.answers())
    assert "Mia" not in " ".join(shared.values())
