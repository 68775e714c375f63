"""Text from the database made safe for the formats it is written into: XML 1.0 (the Atom feed,
SVG charts) and mail header values (RFC 5322). Every writer of those formats passes data
through these at the point of writing, so a character that slipped into a stored row (an older
version let it in, or someone edited the database) cannot break the output for good."""

from __future__ import annotations

import re
from typing import Any

from wtforms.validators import ValidationError

# XML 1.0 section 2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-...].
# Everything else (C0 controls such as U+000B, lone surrogates, U+FFFE, U+FFFF) makes the whole
# document ill-formed, so a feed reader or browser would refuse all of it.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# What must never reach a header value: line ends (a CR or LF would end the header, or start a
# new one such as Bcc), every other C0 control and DEL, the C1 controls, and the Unicode line
# and paragraph separators, which mail clients may also break lines on.
_NOT_HEADER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(r"\s{2,}")

# Anything str.splitlines() breaks on: a title is shown on one line everywhere it goes.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot carry (escaping is the writer's job)."""
    return _NOT_XML.sub("", value)


def one_line(value: str) -> str:
    """``value`` as one line of valid text: control characters and line breaks become
    spaces, runs of spaces one, and what remains is stripped."""
    cleaned = _NOT_HEADER.sub(" ", xml_text(value))
    return _SPACES.sub(" ", cleaned).strip()


def header_value(value: str) -> str:
    """``value`` as a mail header can carry it (RFC 5322: no CR or LF inside a value, which
    would end the header or start another such as Bcc; no other controls)."""
    return one_line(value)


def has_line_break(value: str) -> bool:
    return any(character in LINE_BREAKS for character in value)


def has_control_character(value: str) -> bool:
    """A line break or any other character a title could not show (C0/C1 controls, DEL)."""
    return _NOT_HEADER.search(value) is not None or has_line_break(value)


def one_line_problem(name: str, value: str) -> str | None:
    """The message for a title that is not one clean line, or None if it is."""
    if has_control_character(value):
        return f"{name} must be one line, without line breaks or control characters"
    return None


class OneLine:
    """WTForms validator: the field is one line (titles travel into mail subjects and feeds)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, form: Any, field: Any) -> None:
        message = one_line_problem(self.name, field.data or "")
        if message:
            raise ValidationError(message)
