"""The cleaning helpers every XML and mail-header writer uses, and the one-line rule for titles."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learnhub.core.text import header_value, one_line_problem, xml_text


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_any_text_cleaned_for_xml_can_be_written_and_read_back(value: str) -> None:
    element = ET.Element("t", {"a": xml_text(value)})
    element.text = xml_text(value)
    parsed = ET.fromstring(ET.tostring(element, encoding="utf-8"))  # noqa: S314 - ours
    assert parsed.get("a") == xml_text(value)
    # XML parsers read a line end in text as "\n", whichever it was.
    assert (parsed.text or "") == xml_text(value).replace("\r\n", "\n").replace("\r", "\n")


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_any_text_cleaned_for_a_header_is_one_line(value: str) -> None:
    cleaned = header_value(value)
    assert cleaned.splitlines() in ([cleaned], [])
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in cleaned)
    cleaned.encode("utf-8")  # no lone surrogate left


def test_cleaning_keeps_ordinary_text() -> None:
    assert xml_text("Rota: “changed” — ok\n\ttab") == "Rota: “changed” — ok\n\ttab"
    assert xml_text("a\x0bb\x1fc\ufffed\ud800e") == "abcde"
    assert header_value("  Issue 4:\r\n Bcc: x@example.org\x0b ") == "Issue 4: Bcc: x@example.org"


@pytest.mark.parametrize("title", ["a\nb", "a\rb", "a\x0bb", "a\x85b", "a\u2029b", "a\x1bb"])
def test_a_title_with_a_line_break_or_control_has_a_message(title: str) -> None:
    assert one_line_problem("Title", title) == (
        "Title must be one line, without line breaks or control characters"
    )


def test_an_ordinary_title_has_none() -> None:
    assert one_line_problem("Title", "Handovers at the front door (Welsh: Trosglwyddo)") is None
