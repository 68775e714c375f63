"""Hypothesis fuzzes every route in the URL map, and every form the pages show, anonymously and as
each staff role: path values, query strings, form fields and JSON bodies drawn from the values
that once made 500s (every Unicode category, surrogates, NUL, huge and negative numbers,
numbers in strings, digits that are not ASCII, long text, deep nesting). No answer may be a
5xx, and a refusal is one of the 4xx statuses that say what was wrong, with a body.

The forms and their fields are found as a person finds them: by following the links of every
page a role can open, so a new form or field is fuzzed without being listed here."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter, MapAdapter, Rule
from werkzeug.test import TestResponse

from learnhub.api.openapi import spec_for
from learnhub.auth.services import create_api_token
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.themes.models import ThemeStatus
from tests.factories import csrf_token, login, make_report, make_theme, make_user
from tests.integration.test_route_permissions import EXPECTED_ACCESS, PUBLIC
from tests.smtp import SmtpSink

# Refusals that tell the client what was wrong; 429 is a rate limit the fuzz itself can reach.
REFUSALS = {400, 401, 403, 404, 405, 409, 413, 415, 422, 429}
ROLES: list[Role | None] = [None, *Role]
# Examples for each route and method a role may use, and for each it may not (those stop at
# the permission guard, so a couple suffice). Kept small: this runs in every suite run.
EXAMPLES_ALLOWED = 2
EXAMPLES_REFUSED = 1
MAX_EXAMPLES = 24
# Signing out would end the role's session in the middle of the run.
SKIPPED_WHEN_SIGNED_IN = {("auth.logout", "POST"), ("auth.login", "POST")}
# Read from query strings by pages whose links may not show them with this crawl's data.
QUERY_NAMES = ["page", "theme_id", "report_id", "status", "learning_status", "tier", "q"]
# Crawl: pages opened per endpoint, and at most this many pages in all.
PAGES_PER_ENDPOINT = 1
MAX_PAGES = 120

# --- What a field may hold ---------------------------------------------------------------------

EVERY_CATEGORY = st.characters(codec=None, categories=None)  # Cs surrogates, Cc, Co, Cn too
NON_ASCII_DIGITS = st.text(st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=6)
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63, 10**30]),
)
AWKWARD = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\ud800",
        "x\udfff",
        "9" * 25,
        "9" * 5000,
        "²",
        "²⁰²⁶",
        "0000",
        "٢٠٢٦",
        "9999-12-31",
        "0000-01-01",
        "2026-02-30",
        "31/12/9999",
        "1e400",
        "NaN",
        "-0",
        "+1",
        "1_000",
        "x" * 3000,
        "\u000b\u0085\u2028",
        "../../etc",
        "%00",
        "<script>",
    ]
)
# The values that made 500s are weighted up: a handful of examples per field must meet them.
TEXT = st.one_of(
    AWKWARD,
    NON_ASCII_DIGITS,
    AWKWARD,
    NUMBERS.map(str),
    st.text(EVERY_CATEGORY, max_size=30),
    AWKWARD,
    st.integers(min_value=-3, max_value=40).map(str),
)
JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    NUMBERS,
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
DEEP = st.integers(min_value=30, max_value=20_000).flatmap(
    lambda depth: st.sampled_from(["[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth])
)


def offered(seen: list[str]) -> st.SearchStrategy[str]:
    """A value the page itself offered, so the rest of a request gets past the first checks
    and the one or two fuzzed fields reach the code behind them."""
    useful = [value for value in seen if value]
    return st.sampled_from(useful) if useful else TYPED


# What a person types into a blank box: a month, a year, a day, a sentence, an address.
TYPED = st.sampled_from(
    [
        *("", "1", "3", "12", "27", "2026", "2026-09", "2026-09-01", "1/9/2026", "EXT-1"),
        *("A note was missed.", "reader@example.org", "Duty team manager"),
    ]
)


# --- Finding the forms -------------------------------------------------------------------------


@dataclass
class Form:
    fields: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


class PageReader(HTMLParser):
    """The links and forms on a page: each form's action, method and fields with the values
    the page offers (defaults, options, hidden values, buttons)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[tuple[str, str, dict[str, list[str]]]] = []
        self._fields: dict[str, list[str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._fields = defaultdict(list)
            self.forms.append((a.get("action", ""), a.get("method", "get").upper(), self._fields))
        elif self._fields is not None and tag in ("input", "button", "textarea") and a.get("name"):
            self._fields[a["name"]].append(a.get("value", ""))
        elif self._fields is not None and tag == "select" and a.get("name"):
            self._select = a["name"]
            self._fields[a["name"]]
        elif self._fields is not None and tag == "option" and self._select:
            self._fields[self._select].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None


@dataclass
class Target:
    rule: Rule
    method: str
    fields: dict[str, list[str]]  # form fields (POST) or query parameters (GET)
    path_values: list[dict[str, Any]]  # real values seen in links and form actions


@dataclass
class Catalogue:
    """What one role found by following links: real path values and every form's fields."""

    adapter: MapAdapter
    path_values: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    fields: dict[tuple[str, str], dict[str, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )

    def note(self, url: str, method: str, names: dict[str, list[str]]) -> str | None:
        parts = urlsplit(url)
        if parts.netloc or not parts.path.startswith("/"):
            return None
        try:
            endpoint, values = self.adapter.match(parts.path, method=method)
        except Exception:  # a link elsewhere, or to a static file; not a route to note
            return None
        if values and values not in self.path_values[endpoint]:
            self.path_values[endpoint].append(values)
        found = self.fields[(endpoint, method)]
        for name, offered in [*names.items(), *_query(parts.query)]:
            found[name].extend(v for v in offered if v not in found[name])
        return endpoint


def _query(query: str) -> list[tuple[str, list[str]]]:
    return [(name, [value]) for name, value in parse_qsl(query, keep_blank_values=True)]


def crawl(client: FlaskClient, app: Flask, headers: dict[str, str]) -> Catalogue:
    catalogue = Catalogue(app.url_map.bind("localhost"))
    start = [
        rule.build({}, append_unknown=False)[1]
        for rule in app.url_map.iter_rules()
        if not rule.arguments and "GET" in (rule.methods or ()) and rule.endpoint != "static"
    ]
    queue, opened, per_endpoint = list(start), set(), defaultdict(int)
    while queue and len(opened) < MAX_PAGES:
        url = queue.pop(0)
        endpoint = catalogue.note(url, "GET", {})
        if url in opened or endpoint is None or per_endpoint[endpoint] >= PAGES_PER_ENDPOINT:
            continue
        opened.add(url)
        per_endpoint[endpoint] += 1
        response = client.get(url, headers=headers if url.startswith("/api/") else {})
        if response.mimetype != "text/html":
            continue
        reader = PageReader()
        reader.feed(response.get_data(as_text=True))
        queue.extend(link for link in reader.links if link not in opened)
        for action, method, names in reader.forms:
            catalogue.note(action or url, method if method == "POST" else "GET", names)
    return catalogue


def api_fields(app: Flask) -> dict[tuple[str, str], dict[str, list[str]]]:
    """The JSON fields of each API operation, from the OpenAPI document."""
    spec = spec_for(app)
    endpoints = {
        (shape(rule.rule), m): rule.endpoint
        for rule in app.url_map.iter_rules()
        for m in rule.methods or ()
    }
    found: dict[tuple[str, str], dict[str, list[str]]] = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            if "$ref" in schema:
                schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            names = {
                name: [str(v) for v in [prop.get("example"), *prop.get("enum", [])] if v]
                for name, prop in schema.get("properties", {}).items()
            }
            endpoint = endpoints[(shape(path), method.upper())]
            found[(endpoint, method.upper())] = names
    return found


def targets(app: Flask, catalogue: Catalogue) -> list[Target]:
    json_fields = api_fields(app)
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            names = json_fields.get((rule.endpoint, method)) or catalogue.fields.get(
                (rule.endpoint, method), {}
            )
            found.append(Target(rule, method, dict(names), catalogue.path_values[rule.endpoint]))
    return found


# --- Sending what was drawn --------------------------------------------------------------------


def path_value(rule: Rule, name: str) -> st.SearchStrategy[Any]:
    if isinstance(rule._converters[name], IntegerConverter):
        return st.one_of(NUMBERS.map(str), NON_ASCII_DIGITS, st.sampled_from(["0", "9" * 40]))
    return TEXT


def quoted(value: object) -> str:
    return quote(str(value), safe="", errors="surrogatepass")


def shape(path: str) -> str:
    """A route with its placeholders blanked, to compare Werkzeug's rules with OpenAPI paths."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def fill(path: str, name: str, value: object) -> str:
    """The path with ``<...:name>`` replaced by ``value``, percent-encoded as a client would
    send it, even where the route's own converter would refuse to build it."""
    return re.sub(rf"<(?:[^>:]+:)?{name}>", lambda _: quoted(value), path)


@st.composite
def requests(draw: st.DrawFn, target: Target) -> tuple[str, dict[str, Any]]:
    """A path and the keyword arguments for the test client's ``open``."""
    rule = target.rule
    if target.path_values and draw(st.booleans()):
        values = dict(draw(st.sampled_from(target.path_values)))
        fuzzed = draw(st.sets(st.sampled_from(sorted(rule.arguments)))) if values else set()
    else:
        values, fuzzed = {}, set(rule.arguments)
    path = rule.rule
    for name in sorted(rule.arguments):
        value = draw(path_value(rule, name)) if name in fuzzed else values[name]
        path = fill(path, name, value)
    names = sorted(name for name in target.fields if name != "csrf_token")
    fuzzed = (
        draw(st.sets(st.sampled_from(names), min_size=1, max_size=1 + draw(st.booleans())))
        if names
        else set()
    )
    fields = [
        (name, draw(TEXT if name in fuzzed else offered(target.fields[name])))
        for name in names
        if name in fuzzed or draw(st.integers(0, 9))  # now and then a field is left out
    ]
    # And parameters the form does not have: other forms' names, a page number, anything.
    other_names = st.one_of(st.sampled_from(QUERY_NAMES), TEXT)
    fields += draw(st.lists(st.tuples(other_names, TEXT), max_size=2))
    if target.method == "GET":
        return path + "?" + urlencode(fields, errors="surrogatepass"), {"method": "GET"}
    if rule.endpoint.startswith("api."):
        if draw(st.integers(0, 9)) == 0:
            return path, {"method": "POST", "data": draw(DEEP), "content_type": "application/json"}
        body: Any = {
            name: draw(st.one_of(JSON_VALUE, TEXT)) if name in fuzzed else value
            for name, value in fields
        }
        if draw(st.integers(0, 9)) == 0:
            body = draw(JSON_VALUE)
        # ensure_ascii writes a lone surrogate as \\udXXX, which JSON can carry.
        data = json.dumps(body, allow_nan=True)
        return path, {"method": "POST", "data": data, "content_type": "application/json"}
    data = urlencode(fields, errors="surrogatepass")
    return path, {
        "method": "POST",
        "data": data,
        "content_type": "application/x-www-form-urlencoded",
    }


def check(response: TestResponse, path: str, kwargs: dict[str, Any]) -> None:
    status = response.status_code
    where = (status, kwargs["method"], path[:300], str(kwargs.get("data", ""))[:300])
    assert status < 500, where
    if status >= 400:
        assert status in REFUSALS, where
        assert response.get_data(), where


# --- The run -------------------------------------------------------------------------------


@pytest.fixture
def real_objects(app: Flask) -> None:
    """Something behind each kind of link, so the crawl finds pages with ids and their forms."""
    make_report(receipt_key=app.config["RECEIPT_KEY"])
    make_report("The referral was sent to the wrong team and waited a week.")
    make_theme(ThemeStatus.CANDIDATE, "codes:EXT-1:fuzz-candidate")
    make_theme(ThemeStatus.ACCEPTED, "codes:EXT-2:fuzz-accepted")
    from tests.integration.bulletins.helpers import published_issue

    published_issue()


def allowed(role: Role | None, endpoint: str) -> bool:
    expected = EXPECTED_ACCESS[endpoint]
    return expected == PUBLIC or (role is not None and role in expected)


def fuzzer(
    client: FlaskClient, target: Target, headers: dict[str, str], form_token: str, examples: int
) -> Any:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def fuzz(data: st.DataObject) -> None:
        path, kwargs = data.draw(requests(target))
        if kwargs["method"] == "POST" and kwargs.get("content_type", "").endswith("urlencoded"):
            kwargs["data"] += "&" + urlencode({"csrf_token": form_token})
        extra = headers if path.startswith("/api/") else {}
        check(client.open(path, headers=extra, **kwargs), path, kwargs)

    return fuzz


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.value if role else "anonymous")
def test_no_input_to_any_route_or_form_is_a_5xx(
    app: Flask,
    client: FlaskClient,
    smtp_sink: SmtpSink,
    real_objects: None,
    role: Role | None,
) -> None:
    headers: dict[str, str] = {}
    if role is not None:
        user = make_user(role)
        login(client, user)
        _, token = create_api_token(db.session, user)
        db.session.commit()
        headers = {"Authorization": f"Bearer {token}"}
    catalogue = crawl(client, app, headers)
    token_page = client.get("/account" if role else "/login")
    form_token = csrf_token(token_page)
    covered = 0
    for target in targets(app, catalogue):
        if role is not None and (target.rule.endpoint, target.method) in SKIPPED_WHEN_SIGNED_IN:
            continue
        may = allowed(role, target.rule.endpoint)
        covered += may

        # A form gets a couple of examples for each field, since each fuzzes one or two.
        fields = len(target.fields) + len(target.rule.arguments)
        examples = min(EXAMPLES_ALLOWED + 2 * fields, MAX_EXAMPLES) if may else EXAMPLES_REFUSED
        fuzzer(client, target, headers, form_token, examples)()
    assert covered >= 10
