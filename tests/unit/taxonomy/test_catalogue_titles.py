"""A taxonomy catalogue's titles are one line: they reach chart labels, feeds and subjects."""

from __future__ import annotations

from typing import Any

from tests.unit.taxonomy.test_catalogue import errors_for


def test_a_code_title_with_a_line_break_is_refused() -> None:
    def change(data: dict[str, Any]) -> None:
        data["codes"][0]["title"] = "A step\nwas missed"

    assert errors_for(change) == [
        "codes[0] (ACT-SKILL-1): title must be one line, without line breaks or control characters"
    ]


def test_a_tier_title_with_a_control_character_is_refused() -> None:
    def change(data: dict[str, Any]) -> None:
        data["tiers"][0]["title"] = "Acts\x0b"

    errors = errors_for(change)
    assert any("title must be one line" in error for error in errors), errors
