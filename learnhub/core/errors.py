"""One place that turns errors into pages for people and problem+json for the API."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
HTML_ERROR_PAGES = {400, 403, 404, 413, 429, 500}
UNTRUSTED_HOST = "Bad request: this site does not answer to that host name."


def wants_problem_json() -> bool:
    return request.path.startswith("/api/")


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An RFC 9457 problem document; ``errors`` maps each bad field to its messages."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def render_http_error(error: HTTPException) -> Response | tuple[str, int, dict[str, str]]:
    status = error.code or 500
    # What the exception says about itself beyond its body: a 405's Allow, above all.
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    if wants_problem_json():
        return problem(status, error.name, error.description, headers=headers)
    if isinstance(error, SecurityError):
        # A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page template.
        return Response(UNTRUSTED_HOST, status, headers, mimetype="text/plain")
    template = (
        f"errors/{status if status in HTML_ERROR_PAGES else 400 if status < 500 else 500}.html"
    )
    return render_template(template, error=error), status, headers


def render_unexpected_error(error: Exception) -> Response | tuple[str, int, dict[str, str]]:
    # The traceback goes to the log; the person sees a calm page with nothing technical on it.
    log.exception("Unhandled error on %s %s", request.method, request.url_rule or "unmatched")
    return render_http_error(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, render_http_error)
    app.register_error_handler(Exception, render_unexpected_error)
