"""Schemathesis fuzzes every documented /api/v1 operation through the WSGI app, anonymously and
with each role's token: no 5xx, every response (problem+json included) matches its schema, its
documented status codes and content type.

Beyond what the schema describes, its hooks (``flatmap_*``, schema-local to this test) mix in
the values that once made 500s: strings with lone surrogates, NUL and characters of every
Unicode category, integers far beyond 64 bits (in path parameters too), and JSON bodies nested
deeper than the app accepts. The run counts the cases that carried each, and fails if any kind
was never sent."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from learnhub.auth.services import create_api_token
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.themes.models import Theme, ThemeKind, ThemeStatus
from tests.factories import make_report, make_user

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


# --- Values beyond the schema ------------------------------------------------------------------

DEEPER_THAN_ALLOWED = 33  # learnhub.core.inputs.MAX_JSON_DEPTH + 1
# The known troublemakers twice over, so that a short run is sure to carry each kind (the
# ``reached`` check below would say if a version of Hypothesis drew them less often).
KNOWN_AWKWARD = st.sampled_from(
    ["\x00", "a\x00b", "\ud800", "x\udfff", "\udbff\udc00\ud800", "²⁰²⁶"]
)
AWKWARD_TEXT = st.one_of(
    KNOWN_AWKWARD,
    st.text(st.characters(codec=None, categories=None), min_size=1, max_size=20),  # Cs, Cc, Cn...
    KNOWN_AWKWARD,
)
# A URL carries bytes: a lone surrogate has no UTF-8 bytes to send (the form tests send the
# CESU-8 bytes instead), so path and query values get everything else.
URL_TEXT = AWKWARD_TEXT.map(lambda text: "".join(c for c in text if not "\ud800" <= c <= "\udfff"))
HUGE = st.one_of(
    st.integers(min_value=2**31, max_value=2**200),
    st.integers(min_value=-(2**200), max_value=-(2**31)),
    st.sampled_from([2**31, 2**63, 2**64, 10**30]),
)


def deep(value: object, depth: int) -> object:
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


def widened(value: Any, text: st.SearchStrategy[str] = AWKWARD_TEXT) -> st.SearchStrategy[Any]:
    """``value`` as drawn from the schema, or (often) with one part of it made awkward: a string
    with a lone surrogate, NUL or any category of character, an integer beyond 64 bits."""
    if isinstance(value, dict) and value:
        return st.sampled_from(sorted(value)).flatmap(
            lambda key: st.one_of(
                st.just(value), widened(value[key], text).map(lambda new: {**value, key: new})
            )
        )
    if isinstance(value, list) and value:
        return st.one_of(st.just(value), widened(value[0], text).map(lambda new: [new, *value[1:]]))
    if isinstance(value, bool) or value is None:
        return st.just(value)
    if isinstance(value, int):
        return st.one_of(st.just(value), HUGE)
    if isinstance(value, str):
        return st.one_of(st.just(value), text, text.map(lambda bad: value + bad))
    return st.just(value)


def widened_body(ctx: Any, body: Any) -> st.SearchStrategy[Any]:
    if not isinstance(body, dict | list):
        return st.just(body)
    # Half the bodies nested too deep: only a few operations take a body, so a rarer branch
    # can go unexplored in a five-example run.
    return st.one_of(
        widened(body),
        st.integers(DEEPER_THAN_ALLOWED, 200).map(lambda depth: deep(body, depth)),
    )


def widened_parameters(ctx: Any, values: dict[str, Any] | None) -> st.SearchStrategy[Any]:
    if not values:
        return st.just(values)
    # An integer path parameter also gets a huge number written as a string.
    in_url = widened(values, URL_TEXT)
    return st.one_of(in_url, in_url, st.just(values)).flatmap(
        lambda chosen: st.one_of(
            st.just(chosen),
            st.sampled_from(sorted(chosen)).flatmap(
                lambda key: HUGE.map(lambda big: {**chosen, key: big})
            ),
        )
    )


def flatmap_body(ctx: Any, body: Any) -> st.SearchStrategy[Any]:
    return widened_body(ctx, body)


def flatmap_path_parameters(ctx: Any, values: Any) -> st.SearchStrategy[Any]:
    return widened_parameters(ctx, values)


def flatmap_query(ctx: Any, values: Any) -> st.SearchStrategy[Any]:
    return widened_parameters(ctx, values)


@pytest.fixture
def api_schema(app: Flask) -> Any:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # Valid requests and invalid ones: both must be answered without a 5xx, in the documented shape.
    schema.config.generation.update(modes=list(schemathesis.GenerationMode))
    for hook in (flatmap_body, flatmap_path_parameters, flatmap_query):
        schema.hook(hook)  # this schema only: no other test's generation changes
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def real_objects(app: Flask) -> dict[str, Any]:
    """A report with its receipt and a theme, so half the cases reach past a 404."""
    report, receipt = make_report(
        "The placement ended at short notice and the plan was not shared.",
        receipt_key=app.config["RECEIPT_KEY"],
    )
    theme = Theme(
        signature="codes:EXT-1:fuzz",
        kind=ThemeKind.FACTOR_COMBINATION,
        status=ThemeStatus.CANDIDATE,
        title="Recurring factors: EXT-1",
        defining_codes=["EXT-1"],
        member_count=3,
        monthly_counts={"2026-09": 3},
        statistics={"lift": 1.5},
    )
    db.session.add(theme)
    db.session.commit()
    return {"reference": report.reference, "receipt": receipt, "theme_id": theme.id}


@pytest.fixture
def callers(app: Flask) -> dict[str, dict[str, str]]:
    """Request headers for an anonymous caller and for a token of each role."""
    headers = {"anonymous": {}}
    for role in Role:
        _, token = create_api_token(db.session, make_user(role))
        headers[role.value] = {"Authorization": f"Bearer {token}"}
    db.session.commit()
    return headers


def awkward(value: object, depth: int = 0) -> Iterator[str]:
    """The kinds of awkward value ``value`` carries, at any depth."""
    if depth > 32:
        yield "nesting deeper than 32"
        return
    if isinstance(value, str):
        if any("\ud800" <= char <= "\udfff" for char in value):
            yield "lone surrogate"
        if "\x00" in value:
            yield "NUL"
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**63:
        yield "integer beyond 64 bits"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from awkward(key, depth + 1)
            yield from awkward(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from awkward(item, depth + 1)


@pytest.fixture
def reached() -> Iterator[Counter[str]]:
    """How many cases sent carried each kind of awkward value, checked when the run ends."""
    counts: Counter[str] = Counter()
    yield counts
    print("schemathesis cases carrying each kind of value:", dict(counts))
    for kind in ("lone surrogate", "NUL", "integer beyond 64 bits", "nesting deeper than 32"):
        assert counts[kind] > 0, (kind, dict(counts))
    assert counts["huge integer path parameter"] > 0, dict(counts)


_alternate = itertools.count()  # which half of the cases reach real objects, and which callers


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_5xx_and_every_response_matches_its_schema(
    case: schemathesis.Case,
    callers: dict[str, dict[str, str]],
    real_objects: dict[str, Any],
    reached: Counter[str],
) -> None:
    turn = next(_alternate)
    kinds = {
        *awkward(case.body if not isinstance(case.body, bytes) else None, -1),
        *awkward(case.path_parameters or {}),
        *awkward(case.query or {}),
    }
    if any(isinstance(v, int) and v > 2**63 for v in (case.path_parameters or {}).values()):
        kinds.add("huge integer path parameter")
    reached.update(kinds)
    if turn % 2:
        for name in ("reference", "theme_id"):
            if case.path_parameters and name in case.path_parameters:
                case.path_parameters[name] = real_objects[name]
        if case.operation.path.startswith("/api/v1/followup"):
            case.headers = {**(case.headers or {}), "X-Receipt": real_objects["receipt"]}
    # Each case goes anonymously and with every role's token in turn (three at a time keeps the
    # run short while every caller meets every operation several times).
    names = sorted(callers)
    for offset in range(3):
        caller = callers[names[(turn + offset * 2) % len(names)]]
        case.call_and_validate(headers={**(case.headers or {}), **caller}, checks=CHECKS)
