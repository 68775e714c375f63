"""A CSV whose shape is wrong is refused as a whole, with the line to look at: a column named
twice (which would silently keep only one of the two), and a quote that is never closed (which
would swallow the rest of the file into one answer)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner

from learnhub.imports.reading import ImportFileInvalid, read_rows
from tests.integration.reports.test_import import count_reports, write_csv


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("narrative,event_month,narrative", "narrative"),
        ("narrative,Event_Month, event_month ", "event_month"),
    ],
)
def test_a_column_named_twice_is_refused_with_the_line(
    runner: FlaskCliRunner, tmp_path: Path, header: str, column: str
) -> None:
    path = write_csv(tmp_path, f"{header}\nFirst answer,2026-01,Second answer\n")
    result = runner.invoke(args=["import-reports", str(path)])
    assert result.exit_code != 0
    assert f"line 1: the column '{column}' appears more than once" in result.output
    assert "Nothing was imported" in result.output
    assert count_reports() == 0


def test_empty_header_cells_are_not_a_repeated_column() -> None:
    header, rows = read_rows(b"narrative,,\nA visit was late,,\n")
    assert header[0] == "narrative"
    assert rows[0][1]["narrative"] == "A visit was late"


def test_an_unterminated_quote_is_refused_with_the_line_it_opens_on(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    text = (
        "narrative,event_month\n"
        "A handover was lost,2026-01\n"
        '"The visit, booked late,2026-02\n'
        "Another report that must not vanish into the one above,2026-03\n"
        "And a third,2026-03\n"
    )
    path = write_csv(tmp_path, text)
    result = runner.invoke(args=["import-reports", str(path)])
    assert result.exit_code != 0
    assert "line 3: a quoted value starts here and its closing quote is missing" in result.output
    assert "Nothing was imported" in result.output
    assert count_reports() == 0


def test_text_after_a_closing_quote_is_refused_with_its_line() -> None:
    with pytest.raises(ImportFileInvalid, match=r"line 2: .*closing quote"):
        read_rows(b'narrative,event_month\n"A visit" was late,2026-01\n')


def test_a_quoted_value_over_several_lines_is_still_read() -> None:
    _, rows = read_rows(b'narrative,event_month\n"A visit,\n""late""",2026-01\nNext,2026-02\n')
    assert [(line, row["narrative"]) for line, row in rows] == [
        (2, 'A visit,\n"late"'),
        (4, "Next"),
    ]
