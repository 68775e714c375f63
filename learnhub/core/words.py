"""Numbers in sentences: "1 theme", "2 themes", never "1 themes"."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``number`` followed by ``noun`` in the form the number needs (``plural`` when adding
    an s is wrong, as in "1 story", "2 stories")."""
    word = noun if number == 1 else (plural or f"{noun}s")
    return f"{number:,} {word}"
