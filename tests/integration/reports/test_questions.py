"""The report's questions are written once (learnhub/reports/questions.py): the form asks them,
the check page and the review page name the answers with them, the API schema describes its
fields with them, and no other file writes their wording again."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

from flask.testing import FlaskClient
from markupsafe import escape

from learnhub.core.extensions import db
from learnhub.imports.reading import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from learnhub.reports.models import NARRATIVE_FIELDS, ReportSource
from learnhub.reports.questions import QUESTION, QUESTIONS, SECTIONS
from learnhub.reports.services import ReportSubmission, file_report
from tests.factories import login, make_user
from tests.integration.reports.helpers import continue_to_check

ROOT = Path(__file__).resolve().parents[3]
# The one file allowed to hold the questions' wording.
DEFINITION = ROOT / "learnhub" / "reports" / "questions.py"
SEARCHED_SUFFIXES = {".py", ".html", ".txt", ".json", ".md", ".csv", ".jinja", ".j2"}


def missing(page: str, texts: list[str]) -> list[str]:
    return [text for text in texts if str(escape(text)) not in page]


def test_the_form_asks_every_question_under_its_section(client: FlaskClient) -> None:
    page = client.get("/report").get_data(as_text=True)
    # The factor checkboxes have no question of their own: their section's heading asks it.
    asked = [question.asked for question in QUESTIONS if question.kind != "factors"]
    assert missing(page, asked) == []
    assert missing(page, [section.heading for section in SECTIONS]) == []
    assert missing(page, [QUESTION["narrative"].hint, QUESTION["event_month"].hint]) == []


def test_the_check_page_names_every_answer(client: FlaskClient) -> None:
    page = continue_to_check(client).get_data(as_text=True)
    assert "Check your answers" in page
    assert missing(page, [question.label for question in QUESTIONS]) == []


def test_the_review_page_names_every_written_answer(client: FlaskClient) -> None:
    filed = file_report(
        db.session,
        ReportSubmission(
            **{name: f"The answer to {name}." for name in NARRATIVE_FIELDS},
            event_type="near_miss",
            event_month=dt.date(2026, 9, 1),
        ),
        today=dt.date(2026, 10, 1),
        source=ReportSource.WEB,
        receipt_key="k",
    )
    db.session.commit()
    login(client, make_user())
    page = client.get(f"/review/reports/{filed.report.reference}").get_data(as_text=True)
    labels = [QUESTION[name].label for name in NARRATIVE_FIELDS]
    assert missing(page, labels) == []
    # Each answer, and its de-identified version in the redaction editor.
    assert all(page.count(str(escape(label))) >= 2 for label in labels), labels


def test_the_api_schema_has_one_field_per_question_described_by_it(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    properties = document["components"]["schemas"]["ReportRequest"]["properties"]
    assert sorted(properties) == sorted(question.name for question in QUESTIONS)
    for question in QUESTIONS:
        assert properties[question.name]["description"].startswith(question.asked), question.name


def test_the_csv_import_takes_a_column_per_question() -> None:
    """The import lists its columns itself (their order makes each row's import key, so it
    must not change), but a new question needs a column."""
    assert sorted((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)) == sorted(QUESTION)


RENDERING_TESTS = [
    f"{Path(__file__).relative_to(ROOT)}::{name}"
    for name in (
        "test_the_form_asks_every_question_under_its_section",
        "test_the_check_page_names_every_answer",
        "test_the_review_page_names_every_written_answer",
        "test_the_api_schema_has_one_field_per_question_described_by_it",
    )
]


def test_rewording_the_definition_rewords_every_page() -> None:
    """The rendering tests again, in a run whose definition says something else (the plugin
    rewords every question before the app is imported): they pass only if each page reads its
    wording from the definition."""
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.integration.reports.reworded_questions",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:benchmark",
            "-q",
            *RENDERING_TESTS,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "4 passed" in result.stdout


def wording_outside_the_definition(root: Path) -> list[str]:
    """Where a question, an answer's label or a section heading is written out in full as a
    string or as an element's text, in ``root``'s learnhub/ or templates/ but the definition."""
    texts = {question.asked for question in QUESTIONS}
    texts |= {question.label for question in QUESTIONS} | {s.heading for s in SECTIONS}
    written = re.compile(
        r"(?<=[\"'>])(" + "|".join(re.escape(text) for text in texts) + r")(?=[\"'<])"
    )
    definition = root / DEFINITION.relative_to(ROOT)
    files = [*(root / "learnhub").rglob("*"), *(root / "templates").rglob("*")]
    found = []
    for path in sorted(files):
        if path.suffix not in SEARCHED_SUFFIXES or path == definition or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in written.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{path.relative_to(root)}:{line}: {match.group(1)!r}")
    return found


def test_no_question_is_worded_anywhere_but_the_definition() -> None:
    """Use reports.questions (``report_questions`` in a template) instead of writing it again."""
    assert wording_outside_the_definition(ROOT) == []


def test_the_wording_check_finds_a_label_written_again(tmp_path: Path) -> None:
    label, asked = QUESTION["event_type"].label, QUESTION["event_type"].asked
    (tmp_path / "learnhub" / "reports").mkdir(parents=True)
    (tmp_path / "templates").mkdir()
    (tmp_path / "learnhub" / "filters.py").write_text(f'kind = SelectField("{label}")\n')
    lines = [
        f"<p>Say what the {label.lower()} was.</p>",
        f"<dt>{label}</dt>",
        f"{{'text': '{asked}'}}",
    ]
    (tmp_path / "templates" / "page.html").write_text("\n".join(lines))
    (tmp_path / "learnhub" / "reports" / "questions.py").write_text(f'label="{label}"\n')
    assert wording_outside_the_definition(tmp_path) == [
        f"learnhub/filters.py:1: {label!r}",
        f"templates/page.html:2: {label!r}",
        f"templates/page.html:3: {asked!r}",
    ]
