"""Words on a page made from data: numbers in sentences ("1 theme", never "1 themes"), stored
values as words, and long text cut at a word."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``number`` followed by ``noun`` in the form the number needs (``plural`` when adding
    an s is wrong, as in "1 story", "2 stories")."""
    word = noun if number == 1 else (plural or f"{noun}s")
    return f"{number:,} {word}"


def humanise(value: object) -> str:
    """``awaiting_reporter`` → ``Awaiting reporter``: enum values as words on a page."""
    text = str(getattr(value, "value", value)).replace("_", " ")
    return text[:1].upper() + text[1:]


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters, cut after a whole word with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.") + "…"
