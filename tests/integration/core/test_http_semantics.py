"""HTTP details across the whole URL map: a 405 names the methods allowed (Allow), on pages and
on the API (as problem+json), and no redirect sends anyone to the host a request claimed."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask, Response, redirect, url_for
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from learnhub import create_app
from learnhub.core.extensions import db
from learnhub.core.permissions import Permission, requires
from tests.conftest import app_settings

UNUSED = ("PATCH", "DELETE", "PUT", "POST", "GET")


SAMPLES = {"IntegerConverter": 1, "UnicodeConverter": "x", "PathConverter": "x"}


def sample_path(rule: Rule) -> str | None:
    """A concrete path for the rule (1 for a number, "x" for text), or None if it takes
    another kind of argument."""
    values = {}
    for argument in rule.arguments:
        kind = type(rule._converters[argument]).__name__
        if kind not in SAMPLES:
            return None
        values[argument] = SAMPLES[kind]
    built = rule.build(values, append_unknown=False)
    return built[1] if built else None


def refused_cases(app: Flask) -> list[tuple[str, str, set[str]]]:
    """(method, path, methods the path allows) for every route and a method it does not take."""
    allowed: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/static"):
            continue
        path = sample_path(rule)
        if path is not None:
            allowed.setdefault(path, set()).update(rule.methods or ())
    cases = []
    for path, methods in sorted(allowed.items()):
        refused = next((m for m in UNUSED if m not in methods), None)
        if refused is not None:
            cases.append((refused, path, methods))
    return cases


def test_every_route_answers_a_method_it_does_not_take_with_405_and_allow(
    app: Flask, client: FlaskClient
) -> None:
    cases = refused_cases(app)
    assert len(cases) > 40  # the whole map, not a sample
    api_cases = 0
    for method, path, methods in cases:
        response = client.open(path, method=method)
        assert response.status_code == 405, (method, path, response.status_code)
        allow = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
        assert methods <= allow, (method, path, response.headers.get("Allow"))
        assert method not in allow, (method, path)
        if path.startswith("/api/"):
            api_cases += 1
            assert response.mimetype == "application/problem+json", path
            assert response.get_json()["status"] == 405
        else:
            assert response.mimetype == "text/html", path
    assert api_cases > 3


def test_the_api_report_route_names_post(client: FlaskClient) -> None:
    response = client.get("/api/v1/reports")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.mimetype == "application/problem+json"


def slash_routes(app: Flask) -> list[str]:
    return sorted(
        rule.rule.rstrip("/")
        for rule in app.url_map.iter_rules()
        if rule.rule.endswith("/") and rule.rule != "/" and not rule.arguments
    )


def test_trailing_slash_redirects_never_echo_the_host_header(
    app: Flask, client: FlaskClient
) -> None:
    paths = slash_routes(app)
    assert paths
    for path in paths:
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code in (301, 308), (path, response.status_code)
        location = response.headers["Location"]
        assert "evil.example" not in location, (path, location)
        assert not urlsplit(location).netloc, (path, location)
        assert location == f"{path}/", (path, location)


def test_a_redirect_built_as_an_absolute_url_for_the_request_host_becomes_relative(
    database_url: str,
) -> None:
    fresh = create_app(app_settings(database_url))

    @fresh.route("/__absolute-redirect")
    @requires(Permission.PUBLIC)
    def absolute_redirect() -> Response:
        return redirect(url_for("reports.new", _external=True))

    @fresh.route("/__elsewhere")
    @requires(Permission.PUBLIC)
    def elsewhere() -> Response:
        return redirect("https://www.gov.uk/report-child-abuse")

    client = fresh.test_client()
    response = client.get("/__absolute-redirect", headers={"Host": "evil.example"})
    assert response.headers["Location"] == "/report"
    # A redirect to another site on purpose is left alone.
    away = client.get("/__elsewhere", headers={"Host": "evil.example"})
    assert away.headers["Location"] == "https://www.gov.uk/report-child-abuse"
    with fresh.app_context():
        db.engine.dispose()


@pytest.fixture
def guarded_app(database_url: str) -> Iterator[Flask]:
    guarded = create_app(app_settings(database_url, TRUSTED_HOSTS=["learnhub.example.org"]))
    yield guarded
    with guarded.app_context():
        db.engine.dispose()


def test_trusted_hosts_refuse_any_other_host_with_a_400(guarded_app: Flask) -> None:
    client = guarded_app.test_client()
    refused = client.get("/dashboard", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert "evil.example" not in refused.headers.get("Location", "")
    api = client.get("/api/v1/openapi.json", headers={"Host": "evil.example"})
    assert api.status_code == 400
    assert api.mimetype == "application/problem+json"
    good = client.get("/dashboard", headers={"Host": "learnhub.example.org"})
    assert good.status_code in (301, 308)
    assert good.headers["Location"] == "/dashboard/"


def test_the_trusted_hosts_setting_is_read_from_the_environment(tmp_path: object) -> None:
    import config

    settings = config.load_settings(
        "production",
        str(tmp_path),
        environ={
            "LEARNHUB_TRUSTED_HOSTS": " learnhub.example.org, .learnhub.example.org ,",
            "LEARNHUB_SECRET_KEY": "s" * 40,
            "LEARNHUB_AUDIT_KEY": "a" * 40,
            "LEARNHUB_BASE_URL": "https://learnhub.example.org",
        },
    )
    assert settings["TRUSTED_HOSTS"] == ["learnhub.example.org", ".learnhub.example.org"]
    empty = config.load_settings("development", str(tmp_path), environ={})
    assert empty["TRUSTED_HOSTS"] is None


@pytest.mark.parametrize("path", ["//evil.example/actions", "///evil.example//actions"])
def test_a_path_that_looks_like_another_host_is_not_redirected_there(
    client: FlaskClient, path: str
) -> None:
    response = client.get(path, headers={"Host": "evil.example"})
    location = response.headers.get("Location", "")
    assert not location.startswith("//"), location
    assert not urlsplit(location).netloc, location
