"""The API's blueprint at /api/v1, and reading a request's JSON: errors are problem+json.

Kept apart from every endpoint so that the reporter's endpoints (learnhub/api/reporting.py)
share it without importing anything that knows staff accounts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request
from marshmallow import Schema, ValidationError
from werkzeug.wrappers import Response

from learnhub.core.errors import problem

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class RequestInvalid(Exception):
    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__("invalid request")
        self.errors = errors


@bp.errorhandler(RequestInvalid)
def request_invalid(exc: RequestInvalid) -> Response:
    return problem(422, "Unprocessable Content", "Some fields need changing.", exc.errors)


def load_json(schema: Schema) -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None:
        abort(400, "The body must be JSON, sent with Content-Type: application/json.")
    if not isinstance(body, dict):
        raise RequestInvalid({"_body": ["Send a JSON object with Content-Type: application/json"]})
    try:
        return schema.load(body)
    except ValidationError as exc:
        raise RequestInvalid(exc.normalized_messages()) from exc


def load_optional_json(schema: Schema) -> dict[str, Any]:
    """Like load_json, for endpoints whose body may be left out altogether."""
    if not request.content_length:
        return schema.load({})
    return load_json(schema)
