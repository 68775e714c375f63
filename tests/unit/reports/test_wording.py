"""What the reporter is told about how long reporting takes is the same everywhere: the form,
the start page and the demo bulletin once said five minutes and ten."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TAKES = re.compile(r"takes (?:about )?(\w+) minutes", re.IGNORECASE)


def test_every_page_and_bulletin_gives_one_time_for_a_report() -> None:
    sources = [
        *ROOT.joinpath("templates").rglob("*.html"),
        *ROOT.joinpath("learnhub").rglob("*.py"),
    ]
    found = {
        f"{path.relative_to(ROOT)}: {match.group(0)}": match.group(1).lower()
        for path in sources
        for match in TAKES.finditer(path.read_text(encoding="utf-8").replace("\n", " "))
    }
    assert len(found) >= 3, found  # the form, the start page and the demo bulletin at least
    assert set(found.values()) == {"five"}, found
