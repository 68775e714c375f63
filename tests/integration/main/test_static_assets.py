"""Static assets: content-hashed URLs, far-future immutable caching, compressed copies served.

frontend/fingerprint.mjs names each built asset by the SHA-256 of its content and writes
learnhub/static/manifest.json; learnhub.core.assets points url_for('static') at those names and
serves them through WhiteNoise.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

STATIC = Path(__file__).resolve().parents[3] / "learnhub" / "static"
ASSET_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')
TEN_YEARS = 315360000


def page_assets(client: FlaskClient, path: str = "/report") -> list[str]:
    return ASSET_URL.findall(client.get(path).get_data(as_text=True))


def fetch(client: FlaskClient, url: str, encoding: str | None = None) -> tuple[int, dict, bytes]:
    headers = {"Accept-Encoding": encoding} if encoding else {}
    with client.get(url, headers=headers) as response:
        return response.status_code, dict(response.headers), response.get_data()


def test_pages_link_every_asset_by_its_content_hash(client: FlaskClient, app: Flask) -> None:
    manifest = app.extensions["learnhub_asset_manifest"]
    urls = page_assets(client)
    assert sorted(urls) == sorted(
        f"/static/{manifest[name]}"
        for name in ("css/learnhub.css", "js/learnhub.js", "images/favicon.svg")
    )
    for url in urls:
        status, _, body = fetch(client, url)
        assert status == 200
        digest = re.search(r"\.([0-9a-f]{12})\.[a-z]+$", url)
        assert digest is not None, url
        # The name is the content's hash, so different content can only have a different URL.
        assert hashlib.sha256(body).hexdigest()[:12] == digest.group(1), url


def test_the_hashed_copies_are_the_built_files(app: Flask) -> None:
    """A file edited or rebuilt without running the fingerprint step would keep an old URL."""
    manifest = app.extensions["learnhub_asset_manifest"]
    for name, hashed in manifest.items():
        built, served = (STATIC / name).read_bytes(), (STATIC / hashed).read_bytes()
        if name == "js/learnhub.js":
            govuk = Path(manifest["js/govuk-frontend.min.js"]).name
            built = built.replace(b"'./govuk-frontend.min.js'", f"'./{govuk}'".encode())
            assert govuk.encode() in served
        assert served == built, name


def test_hashed_assets_are_cached_for_good_and_never_revalidated(client: FlaskClient) -> None:
    for url in page_assets(client):
        status, headers, _ = fetch(client, url)
        assert status == 200
        directives = {part.strip() for part in headers["Cache-Control"].split(",")}
        assert {"public", "immutable"} <= directives, url
        max_age = next(int(d.split("=")[1]) for d in directives if d.startswith("max-age="))
        assert max_age >= 365 * 24 * 3600, url
        assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("accept", "served"), [("gzip", "gzip"), ("gzip, deflate, br", "br")])
def test_compressed_copies_are_served_when_the_browser_accepts_them(
    client: FlaskClient, accept: str, served: str
) -> None:
    for url in page_assets(client):
        _, plain_headers, plain = fetch(client, url)
        status, headers, body = fetch(client, url, accept)
        assert status == 200
        assert headers.get("Content-Encoding") == served, url
        assert "Accept-Encoding" in headers.get("Vary", ""), url
        assert len(body) < len(plain), url
        assert (
            body
            == (
                STATIC / (url.removeprefix("/static/") + {"gzip": ".gz", "br": ".br"}[served])
            ).read_bytes()
        )
        if served == "gzip":
            assert gzip.decompress(body) == plain
        assert "Content-Encoding" not in plain_headers


def test_an_unhashed_name_still_works_but_is_not_cached_for_long(client: FlaskClient) -> None:
    status, headers, _ = fetch(client, "/static/css/learnhub.css")
    assert status == 200
    assert "immutable" not in headers["Cache-Control"]
    assert "max-age=3600" in headers["Cache-Control"]


def test_pages_still_send_the_content_security_policy(client: FlaskClient) -> None:
    with client.get("/report") as response:
        policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
