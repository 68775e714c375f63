"""Headers that keep every page from being framed, sniffed, or leaking where people came from."""

import pytest
from flask.testing import FlaskClient

from learnhub import create_app


@pytest.mark.parametrize("path", ["/", "/login", "/healthz", "/api/v1/me", "/no-such-page"])
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in headers  # only in production, behind TLS


def test_production_adds_hsts_and_secure_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNHUB_SECRET_KEY", "p" * 64)
    monkeypatch.setenv("LEARNHUB_AUDIT_KEY", "q" * 64)
    monkeypatch.setenv("LEARNHUB_BASE_URL", "https://learnhub.example.org")
    app = create_app({"ENV": "production", "DATABASE_URL": "sqlite://"})
    response = app.test_client().get("/login")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    cookie = response.headers.get("Set-Cookie", "")
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
