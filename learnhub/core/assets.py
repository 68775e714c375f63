"""Static files: content-hashed URLs, cached for a year, compressed as the browser accepts.

The front-end build (frontend/fingerprint.mjs) writes a copy of each asset named by its content
hash, with gzip and brotli copies beside it, and ``static/manifest.json`` mapping each plain name
to its hashed name. Here ``url_for('static', filename=...)`` is pointed at the hashed names, and
WhiteNoise serves the static folder in front of Flask: hashed names with
``Cache-Control: max-age=315360000, public, immutable`` (WhiteNoise's ten years: a changed
file has a new name, so a browser never needs to ask again), other files for an hour; the .br
or .gz copy when the request's Accept-Encoding allows, with ``Vary: Accept-Encoding``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from flask import Flask
from whitenoise import WhiteNoise

MANIFEST = "manifest.json"
# A name with a 12-hex-digit content hash before its extension (frontend/fingerprint.mjs).
HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.[a-z]+$")
UNHASHED_MAX_AGE = 3600


def load_manifest(static_folder: Path) -> dict[str, str]:
    path = static_folder / MANIFEST
    if not path.is_file():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")))


def is_immutable(_path: str, url: str) -> bool:
    return HASHED_NAME.search(url) is not None


def static_headers(headers: Any, _path: str, _url: str) -> None:
    headers["X-Content-Type-Options"] = "nosniff"


def init_app(app: Flask) -> None:
    static_folder = Path(app.static_folder or "")
    manifest = load_manifest(static_folder)
    app.extensions["learnhub_asset_manifest"] = manifest

    @app.url_defaults
    def hashed_static_name(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static":
            filename = values.get("filename")
            values["filename"] = manifest.get(filename, filename)

    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=str(static_folder),
        prefix=(app.static_url_path or "/static").strip("/") + "/",
        max_age=UNHASHED_MAX_AGE,
        allow_all_origins=False,
        immutable_file_test=is_immutable,
        add_headers_function=static_headers,
    )
