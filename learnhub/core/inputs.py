"""Input no page can use, refused where it enters: numbers in URLs beyond what the database
holds, text the database cannot store, JSON nested past any use; and the one way to read a
number or a date that a person typed or put in a query string."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, Response, abort, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map
from wtforms.validators import ValidationError

from learnhub.core.errors import problem

# PostgreSQL's integer column holds 2**31 - 1 at most; a larger id in a query is a database error
# there (and beyond 2**63 on SQLite), where it should simply be "not found".
MAX_ID = 2**31 - 1
MAX_JSON_DEPTH = 32
# The dates any page accepts: one day either side is still a date Python can hold, so a range
# "up to and including" a day can always add the day after.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)

UNSTORABLE_TEXT = "Text cannot contain NUL characters or broken (unpaired surrogate) characters"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_ASCII_NUMBER = re.compile("[0-9]+")


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` for every route: ASCII digits only, at most MAX_ID, so a longer or larger
    number is a 404 like any other id that does not exist."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class UnstorableText(BadRequest):
    """A request value holds characters no database column can store. ``fields`` names the form
    fields they were found in, so a form can say where and keep everything else."""

    description = UNSTORABLE_TEXT + "."

    def __init__(self, fields: list[str]) -> None:
        super().__init__()
        self.fields = fields


def unstorable(text: str) -> bool:
    return _UNSTORABLE.search(text) is not None


def without_unstorable(text: str) -> str:
    return _UNSTORABLE.sub("", text)


def _unstorable_anywhere(value: object) -> bool:
    """Whether a decoded JSON value holds unstorable text in any string or key, at any depth
    (the depth is bounded before parsing, so recursion here is bounded too)."""
    if isinstance(value, str):
        return unstorable(value)
    if isinstance(value, dict):
        return any(unstorable(k) or _unstorable_anywhere(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable_anywhere(item) for item in value)
    return False


def json_depth(data: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text, counted without parsing it (brackets
    inside strings do not count), so a hostile body never reaches the recursive parser."""
    depth = deepest = 0
    text = re.sub(rb'"(?:[^"\\]|\\.)*"', b"", data)
    for match in re.finditer(rb"[\[\]{}]", text):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _form_values() -> Iterator[tuple[str, str]]:
    for key, value in request.form.items(multi=True):
        yield key, key
        yield key, value
    for key, upload in request.files.items(multi=True):
        yield key, upload.filename or ""


def _other_values() -> Iterable[str]:
    yield request.path
    for key, value in request.args.items(multi=True):
        yield key
        yield value
    yield from (str(value) for value in (request.view_args or {}).values())


def refuse_unstorable_input() -> Response | None:
    """Before any view: NUL and lone surrogates in the path, query string, form or JSON body,
    and JSON nested deeper than MAX_JSON_DEPTH, are refused with a message."""
    if any(unstorable(value) for value in _other_values()):
        abort(400, UNSTORABLE_TEXT + ".")
    if request.is_json:
        return _refuse_bad_json()
    fields = sorted({name for name, value in _form_values() if unstorable(value)})
    if fields:
        raise UnstorableText(fields)
    return None


def _refuse_bad_json() -> Response | None:
    if json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        abort(400, f"JSON nested more than {MAX_JSON_DEPTH} levels deep is not accepted.")
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        errors = {
            ("_body" if unstorable(key) else key): [UNSTORABLE_TEXT]
            for key, value in body.items()
            if unstorable(key) or _unstorable_anywhere(value)
        }
    else:
        errors = {"_body": [UNSTORABLE_TEXT]} if _unstorable_anywhere(body) else {}
    if errors:
        return problem(422, "Unprocessable Content", "Some fields need changing.", errors)
    return None


def ascii_int(text: str | None, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """The whole number in ``text`` if it is ASCII digits alone within the bounds, else None.
    (``str.isdigit`` says yes to "²", which ``int`` then refuses.)"""
    text = (text or "").strip()
    if not _ASCII_NUMBER.fullmatch(text) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def query_int(name: str, default: int, minimum: int = 1, maximum: int = MAX_ID) -> int:
    """A number from the query string, such as ``?page=``, read as forgivingly as a link that
    was copied in part deserves: the default unless it is ASCII digits, and no larger than
    ``maximum`` (so a page past the end is the last page, as the pages themselves clamp)."""
    text = (request.args.get(name) or "").strip()
    if not _ASCII_NUMBER.fullmatch(text):
        return default
    digits = text.lstrip("0")
    if len(digits) > len(str(maximum)):
        return maximum  # never converted: int() refuses more than 4,300 digits
    return min(max(int(digits or "0"), minimum), maximum)


def real_day(year: int, month: int, day: int) -> dt.date | None:
    """The date, if it is a real one between FIRST_DAY and LAST_DAY."""
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None
    return date if FIRST_DAY <= date <= LAST_DAY else None


def typed_date(day: str, month: str, year: str) -> dt.date | None:
    """A date typed as day, month and year boxes (ASCII digits, a 4-digit year), or None."""
    d, m, y = ascii_int(day, 1, 31), ascii_int(month, 1, 12), ascii_int(year, 1, 9999)
    if d is None or m is None or y is None or len(year.strip()) != 4:
        return None
    return real_day(y, m, d)


def within_real_days(form: object, field: Any) -> None:
    """WTForms validator for a date field: no date before FIRST_DAY or after LAST_DAY, so a
    search "up to and including" it can always reach the day after."""
    if field.data is not None and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(
            f"Enter a date between {FIRST_DAY:%-d %B %Y} and {LAST_DAY:%-d %B %Y}"
        )


def init_app(app: Flask) -> None:
    # Replaced before any blueprint adds its rules, so every <int:...> in the app is bounded.
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(refuse_unstorable_input)
