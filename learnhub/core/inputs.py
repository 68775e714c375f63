"""Input no page can use, refused where it enters: numbers in URLs beyond what the database
holds, text the database cannot store, JSON nested past any use; and the one way to read a
number or a date that a person typed or put in a query string.

Text no database can store in a submitted form is not refused: it is taken out of the form's
values before any view reads them, and each field it was in is remembered for the request, so
every form (``learnhub.core.forms.LearnHubForm``) comes back with what was typed and a message
on that field instead of a bare error page."""

from __future__ import annotations

import datetime as dt
import re
import typing as t
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, Response, abort, g, request
from flask.wrappers import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
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
TAKEN_OUT = (
    "This answer contains characters that cannot be stored ({what}): they have been taken out; "
    "check the text and send it again"
)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_ASCII_NUMBER = re.compile("[0-9]+")


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` for every route: ASCII digits only, at most MAX_ID, so a longer or larger
    number is a 404 like any other id that does not exist."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


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


def _other_values() -> Iterable[str]:
    yield request.path
    for key, value in request.args.items(multi=True):
        yield key
        yield value
    yield from (str(value) for value in (request.view_args or {}).values())


def refuse_unstorable_input() -> Response | None:
    """Before any view: NUL and lone surrogates in the path or query string, and in a JSON
    body, and JSON nested deeper than MAX_JSON_DEPTH, are refused with a message; in a form
    they are taken out (``take_out_of_form``)."""
    if any(unstorable(value) for value in _other_values()):
        abort(400, UNSTORABLE_TEXT + ".")
    if request.is_json:
        return _refuse_bad_json()
    take_out_of_form()
    return None


def take_out_of_form() -> None:
    """Replace the request's form with its values less what no database can store, and note
    on ``g`` which fields (by name, as sent) lost what. Every reader of ``request.form`` (the
    forms, CSRF, a view's own ``getlist``) then sees only storable text, and each form says
    where something was taken out (``taken_out``), so nothing half-cleaned is ever saved."""
    found: dict[str, set[str]] = {}
    cleaned: list[tuple[str, str]] = []
    for key, value in request.form.items(multi=True):
        name = without_unstorable(key)
        if unstorable(key) or unstorable(value):
            found.setdefault(name, set()).update(_UNSTORABLE.findall(key + value))
        cleaned.append((name, without_unstorable(value)))
    for key, upload in request.files.items(multi=True):
        if upload.filename and unstorable(upload.filename):
            found.setdefault(key, set()).update(_UNSTORABLE.findall(upload.filename))
            upload.filename = without_unstorable(upload.filename)
    if not found:
        return
    request.form = ImmutableMultiDict(cleaned)  # type: ignore[misc]  # a cached property
    vars(request._get_current_object()).pop("values", None)  # recombined from the new form
    g.taken_out = {name: _what(chars) for name, chars in found.items()}


def _what(chars: set[str]) -> str:
    nul = "\x00" in chars
    broken = bool(chars - {"\x00"})
    if nul and broken:
        return "a NUL character and broken characters"
    return "a NUL character" if nul else "broken characters"


def taken_out() -> dict[str, str]:
    """Each form field (by name) whose value had characters taken out in this request, with
    the message to show on it."""
    return {name: TAKEN_OUT.format(what=what) for name, what in g.get("taken_out", {}).items()}


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
    """A number from the query string, such as ``?page=``: the default when it is absent, a 400
    saying what is wanted when it is not ASCII digits, and no larger than ``maximum`` (so a page
    past the end is the last page, as the pages themselves clamp)."""
    text = (request.args.get(name) or "").strip()
    if not text:
        return default
    if not _ASCII_NUMBER.fullmatch(text):
        abort(400, f"'{name}' in the address must be a whole number written in digits 0 to 9.")
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


class LenientFormParser(FormDataParser):
    """Reads a urlencoded body whose bytes are not valid UTF-8 (raw or percent-encoded, such as
    CESU-8's encoding of a surrogate) as text with unpaired surrogates where the bad bytes were,
    which ``take_out_of_form`` then takes out with a message. Werkzeug's own reading fails on
    such a body and hands every view an empty form, so all that was typed was lost."""

    def parse(
        self,
        stream: t.IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> tuple[t.IO[bytes], Any, Any]:
        if mimetype != "application/x-www-form-urlencoded":
            return super().parse(stream, mimetype, content_length, options)
        limit = self.max_form_memory_size
        if limit is not None and content_length is not None and content_length > limit:
            raise RequestEntityTooLarge()
        text = stream.read().decode("utf-8", "surrogateescape")
        items = parse_qsl(text, keep_blank_values=True, errors="surrogateescape")
        return stream, self.cls(items), self.cls()


class LearnHubRequest(Request):
    form_data_parser_class = LenientFormParser


def init_app(app: Flask) -> None:
    # Replaced before any blueprint adds its rules, so every <int:...> in the app is bounded.
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.request_class = LearnHubRequest
    app.before_request(refuse_unstorable_input)
